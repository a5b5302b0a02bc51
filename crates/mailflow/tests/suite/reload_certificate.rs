//! `SIGHUP` reads the STARTTLS certificate files again: a renewed
//! certificate, written over the old files, is the one the next session
//! presents.

use crate::common::{Serve, write_config};
use mailflow_testkit::certs::TestCa;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(15);

fn reply(read: &mut impl BufRead) -> String {
    let mut all = String::new();
    loop {
        let mut line = String::new();
        read.read_line(&mut line).unwrap();
        all.push_str(&line);
        if line.len() < 4 || line.as_bytes()[3] != b'-' {
            return all;
        }
    }
}

/// Runs STARTTLS and returns the certificate the server presented.
fn presented_certificate(smtp: SocketAddr, ca: &TestCa) -> Vec<u8> {
    let stream = TcpStream::connect_timeout(&smtp, WAIT).unwrap();
    stream.set_read_timeout(Some(WAIT)).unwrap();
    let mut clear = BufReader::new(stream.try_clone().unwrap());
    let mut write = stream.try_clone().unwrap();
    assert!(reply(&mut clear).starts_with("220"));
    write.write_all(b"EHLO client.test\r\n").unwrap();
    assert!(reply(&mut clear).contains("STARTTLS"));
    write.write_all(b"STARTTLS\r\n").unwrap();
    assert!(reply(&mut clear).starts_with("220"));
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(ca.root_store())
    .with_no_client_auth();
    let connection =
        rustls::ClientConnection::new(Arc::new(config), "relay.test".try_into().unwrap()).unwrap();
    let mut tls = rustls::StreamOwned::new(connection, stream);
    tls.write_all(b"EHLO client.test\r\n").unwrap();
    let mut answer = [0u8; 3];
    tls.read_exact(&mut answer).unwrap();
    assert_eq!(&answer, b"250");
    tls.conn.peer_certificates().unwrap()[0].to_vec()
}

#[test]
fn a_renewed_certificate_is_presented_after_sighup() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new();
    let first = ca.issue(&["relay.test"]);
    let renewed = ca.issue(&["relay.test"]);
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert, first.cert_pem()).unwrap();
    std::fs::write(&key, first.key_pem()).unwrap();
    let config = write_config(dir.path(), "");
    let text = std::fs::read_to_string(&config).unwrap().replace(
        "smtp_listen = [\"127.0.0.1:0\"]",
        "smtp_listen = [\"127.0.0.1:0\"]\ntls_cert_file = \"cert.pem\"\ntls_key_file = \"key.pem\"",
    );
    std::fs::write(&config, text).unwrap();
    let log = dir.path().join("serve.log");
    let mut command = Command::new(env!("CARGO_BIN_EXE_mailflow"));
    command
        .args(["serve", "--config"])
        .arg(&config)
        .env_remove("RUST_LOG")
        .stderr(Stdio::from(std::fs::File::create(&log).unwrap()));
    let serve = Serve::spawn(&mut command, &config);
    assert_eq!(
        presented_certificate(serve.smtp, &ca),
        first.cert_der().to_vec()
    );

    std::fs::write(&cert, renewed.cert_pem()).unwrap();
    std::fs::write(&key, renewed.key_pem()).unwrap();
    serve.signal("HUP");
    let started = Instant::now();
    while !std::fs::read_to_string(&log)
        .unwrap_or_default()
        .contains("config reloaded (SIGHUP)")
    {
        assert!(started.elapsed() < WAIT, "no reload logged");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(
        presented_certificate(serve.smtp, &ca),
        renewed.cert_der().to_vec()
    );
}
