//! A plain SMTP client for tests: says exactly what it is told and returns
//! the replies, so that tests see what a real client would.

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// Sends one message; returns the reply to the final dot (or the first
/// refusal) as `(code, full reply text)`.
pub async fn send(
    addr: std::net::SocketAddr,
    from: &str,
    to: &[&str],
    data: &str,
) -> (u16, String) {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    let greeting = reply(&mut read).await;
    assert_eq!(greeting.0, 220, "{}", greeting.1);
    for command in [
        "EHLO client.test".to_string(),
        format!("MAIL FROM:<{from}>"),
    ] {
        write
            .write_all(format!("{command}\r\n").as_bytes())
            .await
            .unwrap();
        let answer = reply(&mut read).await;
        if answer.0 >= 400 {
            return answer;
        }
    }
    for rcpt in to {
        write
            .write_all(format!("RCPT TO:<{rcpt}>\r\n").as_bytes())
            .await
            .unwrap();
        let answer = reply(&mut read).await;
        if answer.0 >= 400 {
            return answer;
        }
    }
    write.write_all(b"DATA\r\n").await.unwrap();
    let answer = reply(&mut read).await;
    if answer.0 != 354 {
        return answer;
    }
    let body = data.replace("\r\n", "\n").replace('\n', "\r\n");
    write.write_all(body.as_bytes()).await.unwrap();
    if !body.ends_with("\r\n") {
        write.write_all(b"\r\n").await.unwrap();
    }
    write.write_all(b".\r\n").await.unwrap();
    let answer = reply(&mut read).await;
    let _ = write.write_all(b"QUIT\r\n").await;
    answer
}

/// The queue id from `250 2.0.0 Ok: queued as <id>`.
pub fn queue_id(reply: &str) -> String {
    reply
        .split_whitespace()
        .last()
        .unwrap()
        .trim_matches(|c| c == '<' || c == '>')
        .to_string()
}

async fn reply(read: &mut BufReader<tokio::net::tcp::OwnedReadHalf>) -> (u16, String) {
    let mut text = String::new();
    loop {
        let mut line = String::new();
        let n = read.read_line(&mut line).await.unwrap();
        assert!(n > 0, "connection closed while waiting for a reply");
        text.push_str(&line);
        if line.len() < 4 || line.as_bytes()[3] != b'-' {
            let code = line[..3].parse().unwrap();
            return (code, text.trim_end().to_string());
        }
    }
}
