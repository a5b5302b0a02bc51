//! One connection to the scripted SMTP server: the conversation, the faults,
//! and what gets recorded.
//!
//! Command lines are parsed by hand on purpose: a test peer must record
//! exactly what the client sent (the raw parameters of MAIL and RCPT), not a
//! library's interpretation of it.

use super::Shared;
use super::behavior::{FaultAction, FaultPoint, SmtpBehavior, StartTls};
use super::record::{ReceivedMessage, ReceivedRecipient};
use super::stream::Stream;
use rustls::ServerConfig;
use std::io;
use std::sync::Arc;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;

type Conn = BufReader<Stream>;

/// What the conversation does after a command.
enum Flow {
    Continue,
    End,
    StartTls(Arc<ServerConfig>),
}

/// A transaction between MAIL and the final dot.
struct Transaction {
    mail_from: String,
    mail_params: Vec<String>,
    recipients: Vec<ReceivedRecipient>,
}

struct Session {
    behavior: SmtpBehavior,
    connection: usize,
    shared: Arc<Shared>,
    tls: bool,
    ehlo: Option<String>,
    /// Transactions whose data arrived in full on this connection.
    completed: usize,
    transaction: Option<Transaction>,
    /// A fault that strikes when the next command arrives.
    armed: Option<FaultAction>,
}

pub(crate) async fn run(tcp: TcpStream, connection: usize, shared: Arc<Shared>) {
    let behavior = shared.behavior.lock().unwrap().clone();
    let mut session = Session {
        behavior,
        connection,
        shared,
        tls: false,
        ehlo: None,
        completed: 0,
        transaction: None,
        armed: None,
    };
    let _ = session.converse(BufReader::new(Stream::Plain(tcp))).await;
}

impl Session {
    async fn converse(&mut self, mut conn: Conn) -> io::Result<()> {
        if let Some(action) = self.behavior.fault_at(FaultPoint::BeforeGreeting, 0) {
            return strike(conn, action).await;
        }
        let greeting = self.behavior.greeting.clone();
        reply(&mut conn, &greeting).await?;
        self.armed = self.behavior.fault_at(FaultPoint::AfterGreeting, 0);
        loop {
            let Some(line) = read_line(&mut conn).await? else {
                return Ok(());
            };
            let line = String::from_utf8_lossy(&line)
                .trim_end_matches(['\r', '\n'])
                .to_string();
            self.shared.record_command(self.connection, &line);
            if let Some(action) = self.armed.take() {
                return strike(conn, action).await;
            }
            match self.command(&mut conn, &line).await? {
                Flow::Continue => {}
                Flow::End => return Ok(()),
                Flow::StartTls(config) => conn = self.start_tls(conn, config).await?,
            }
        }
    }

    async fn command(&mut self, conn: &mut Conn, line: &str) -> io::Result<Flow> {
        let (verb, argument) = line.split_once(' ').unwrap_or((line, ""));
        match verb.to_ascii_uppercase().as_str() {
            "EHLO" => self.ehlo(conn, argument.trim()).await,
            "HELO" => self.helo(conn, argument.trim()).await,
            "STARTTLS" => self.starttls(conn).await,
            "MAIL" => self.mail(conn, line).await,
            "RCPT" => self.rcpt(conn, line).await,
            "DATA" => self.data(conn).await,
            "RSET" => {
                self.transaction = None;
                reply(conn, "250 2.0.0 Reset").await.map(|_| Flow::Continue)
            }
            "NOOP" => reply(conn, "250 2.0.0 OK").await.map(|_| Flow::Continue),
            "QUIT" => reply(conn, "221 2.0.0 Bye").await.map(|_| Flow::End),
            _ => reply(conn, "500 5.5.2 Command not recognized")
                .await
                .map(|_| Flow::Continue),
        }
    }

    async fn ehlo(&mut self, conn: &mut Conn, name: &str) -> io::Result<Flow> {
        self.greeted(name);
        if let Some(rejection) = self.behavior.ehlo_reject.clone() {
            return reply(conn, &rejection).await.map(|_| Flow::Continue);
        }
        let lines = self.behavior.ehlo_lines(self.tls);
        let last = lines.len() - 1;
        let text: Vec<String> = lines
            .iter()
            .enumerate()
            .map(|(i, line)| format!("250{}{line}", if i == last { ' ' } else { '-' }))
            .collect();
        reply(conn, &text.join("\r\n"))
            .await
            .map(|_| Flow::Continue)
    }

    async fn helo(&mut self, conn: &mut Conn, name: &str) -> io::Result<Flow> {
        self.greeted(name);
        let accepted = format!("250 {}", self.behavior.hostname);
        let text = self.behavior.helo_reject.clone().unwrap_or(accepted);
        reply(conn, &text).await.map(|_| Flow::Continue)
    }

    fn greeted(&mut self, name: &str) {
        self.ehlo = Some(name.to_string());
        self.transaction = None;
        self.shared.record_ehlo(self.connection, name);
        self.armed = self
            .behavior
            .fault_at(FaultPoint::AfterEhlo, self.completed);
    }

    async fn starttls(&mut self, conn: &mut Conn) -> io::Result<Flow> {
        let text = match (&self.behavior.starttls, self.tls) {
            (_, true) => "503 5.5.1 TLS already active".to_string(),
            (StartTls::NotOffered, false) => "502 5.5.1 STARTTLS not offered".to_string(),
            (StartTls::Refused(refusal), false) => refusal.clone(),
            (StartTls::Offered(config), false) => return Ok(Flow::StartTls(config.clone())),
        };
        reply(conn, &text).await.map(|_| Flow::Continue)
    }

    /// Answers `220`, then shakes hands on the bare socket; anything the
    /// client pipelined after STARTTLS is discarded.
    async fn start_tls(&mut self, mut conn: Conn, config: Arc<ServerConfig>) -> io::Result<Conn> {
        reply(&mut conn, "220 2.0.0 Ready to start TLS").await?;
        if let Some(action) = self
            .behavior
            .fault_at(FaultPoint::DuringTls, self.completed)
        {
            strike(conn, action).await?;
            return Err(io::ErrorKind::ConnectionAborted.into());
        }
        let Stream::Plain(tcp) = conn.into_inner() else {
            return Err(io::ErrorKind::InvalidInput.into());
        };
        let tls = TlsAcceptor::from(config).accept(tcp).await?;
        self.tls = true;
        self.ehlo = None;
        self.transaction = None;
        self.shared.record_tls(self.connection);
        Ok(BufReader::new(Stream::Tls(Box::new(tls))))
    }

    async fn mail(&mut self, conn: &mut Conn, line: &str) -> io::Result<Flow> {
        let Some((mail_from, mail_params)) = parse_path(line, "MAIL FROM:") else {
            return reply(conn, "501 5.5.4 Syntax: MAIL FROM:<address>")
                .await
                .map(|_| Flow::Continue);
        };
        if self.transaction.is_some() {
            return reply(conn, "503 5.5.1 Nested MAIL command")
                .await
                .map(|_| Flow::Continue);
        }
        let text = self.behavior.mail_reply.clone();
        if text.starts_with('2') {
            self.transaction = Some(Transaction {
                mail_from,
                mail_params,
                recipients: Vec::new(),
            });
        }
        self.armed = self
            .behavior
            .fault_at(FaultPoint::AfterMail, self.completed);
        reply(conn, &text).await.map(|_| Flow::Continue)
    }

    async fn rcpt(&mut self, conn: &mut Conn, line: &str) -> io::Result<Flow> {
        let Some((address, params)) = parse_path(line, "RCPT TO:") else {
            return reply(conn, "501 5.5.4 Syntax: RCPT TO:<address>")
                .await
                .map(|_| Flow::Continue);
        };
        let text = self.behavior.rcpt_reply_to(&address).to_string();
        let Some(transaction) = self.transaction.as_mut() else {
            return reply(conn, "503 5.5.1 Need MAIL first")
                .await
                .map(|_| Flow::Continue);
        };
        let accepted = text.starts_with('2');
        transaction.recipients.push(ReceivedRecipient {
            address,
            params,
            accepted,
        });
        self.armed = self
            .behavior
            .fault_at(FaultPoint::AfterRcpt, self.completed);
        reply(conn, &text).await.map(|_| Flow::Continue)
    }

    async fn data(&mut self, conn: &mut Conn) -> io::Result<Flow> {
        let refusal = match &self.transaction {
            None => Some("503 5.5.1 Need MAIL first"),
            Some(t) if !t.recipients.iter().any(|r| r.accepted) => {
                Some("554 5.5.1 No valid recipients")
            }
            Some(_) => None,
        };
        if let Some(refusal) = refusal {
            return reply(conn, refusal).await.map(|_| Flow::Continue);
        }
        let go_ahead = self.behavior.data_reply.clone();
        reply(conn, &go_ahead).await?;
        if !go_ahead.starts_with('3') {
            self.transaction = None;
            return Ok(Flow::Continue);
        }
        self.receive_message(conn).await
    }

    async fn receive_message(&mut self, conn: &mut Conn) -> io::Result<Flow> {
        let index = self.completed;
        let fault_during = self.behavior.fault_at(FaultPoint::DuringData, index);
        let longest = self.behavior.longest_data_line;
        let data = match read_data(conn, fault_during.is_some(), longest.map(|(n, _)| n)).await? {
            Data::Ended => return Ok(Flow::End),
            Data::LineTooLong => {
                let (_, action) = longest.expect("only a limit finds a line too long");
                return strike_in_place(conn, action).await;
            }
            Data::Read(data) => data,
        };
        if let Some(action) = fault_during {
            return strike_in_place(conn, action).await;
        }
        self.completed += 1;
        let transaction = self
            .transaction
            .take()
            .expect("DATA checked the transaction");
        let fault_after = self.behavior.fault_at(FaultPoint::AfterFinalDot, index);
        let final_reply = match fault_after {
            Some(_) => None,
            None => Some(self.behavior.final_reply_to(index).to_string()),
        };
        self.shared.record_message(ReceivedMessage {
            connection: self.connection,
            transaction: index,
            ehlo: self.ehlo.clone(),
            tls: self.tls,
            mail_from: transaction.mail_from,
            mail_params: transaction.mail_params,
            recipients: transaction.recipients,
            data,
            final_reply: final_reply.clone(),
        });
        match (fault_after, final_reply) {
            (Some(action), _) => strike_in_place(conn, action).await,
            (None, Some(text)) => reply(conn, &text).await.map(|_| Flow::Continue),
            (None, None) => Ok(Flow::Continue),
        }
    }
}

/// `MAIL FROM:<a@b> SIZE=1` -> ("a@b", ["SIZE=1"]); `None` when malformed.
fn parse_path(line: &str, prefix: &str) -> Option<(String, Vec<String>)> {
    let head = line.get(..prefix.len())?;
    if !head.eq_ignore_ascii_case(prefix) {
        return None;
    }
    let rest = line[prefix.len()..].trim_start();
    let (path, params) = match rest.strip_prefix('<') {
        Some(inner) => inner.split_once('>')?,
        None => rest.split_once(' ').unwrap_or((rest, "")),
    };
    let params = params.split_whitespace().map(str::to_string).collect();
    Some((path.to_string(), params))
}

/// One line including its LF; `None` at end of stream.
async fn read_line(conn: &mut Conn) -> io::Result<Option<Vec<u8>>> {
    let mut line = Vec::new();
    let read = conn.read_until(b'\n', &mut line).await?;
    Ok((read > 0).then_some(line))
}

/// What reading a message's data came to.
enum Data {
    /// Up to the final dot, un-dot-stuffed (or one line, see `read_data`).
    Read(Vec<u8>),
    /// The stream ended first.
    Ended,
    /// A line was longer than the limit; the rest is left unread.
    LineTooLong,
}

/// The message up to the final dot. With `first_line_only`, stops after one
/// line (a fault follows); with `longest`, at the first longer line.
async fn read_data(
    conn: &mut Conn,
    first_line_only: bool,
    longest: Option<usize>,
) -> io::Result<Data> {
    let mut data = Vec::new();
    loop {
        let Some(line) = read_line(conn).await? else {
            return Ok(Data::Ended);
        };
        if line == b".\r\n" || line == b".\n" {
            return Ok(Data::Read(data));
        }
        let length = line.trim_ascii_end().len();
        if longest.is_some_and(|limit| length > limit) {
            return Ok(Data::LineTooLong);
        }
        let unstuffed = line.strip_prefix(b".").unwrap_or(&line);
        data.extend_from_slice(unstuffed);
        if first_line_only {
            return Ok(Data::Read(data));
        }
    }
}

async fn reply(conn: &mut Conn, text: &str) -> io::Result<()> {
    conn.write_all(format!("{text}\r\n").as_bytes()).await?;
    conn.flush().await
}

/// Carries out a fault; the connection ends when `conn` is dropped.
async fn strike(mut conn: Conn, action: FaultAction) -> io::Result<()> {
    strike_in_place(&mut conn, action).await.map(|_| ())
}

async fn strike_in_place(conn: &mut Conn, action: FaultAction) -> io::Result<Flow> {
    match action {
        FaultAction::Close => {}
        FaultAction::Reset => conn.get_ref().tcp().set_zero_linger()?,
        FaultAction::Hang => std::future::pending::<()>().await,
    }
    Ok(Flow::End)
}
