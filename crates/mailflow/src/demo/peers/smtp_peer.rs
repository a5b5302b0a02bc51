//! A small SMTP server on a loopback port that takes every message it is
//! given and keeps none: the demo's healthy partner. Given a certificate,
//! it offers STARTTLS with it, which is how the partner whose certificate
//! has expired is made (mail flows to it once a connector stops checking
//! the certificate).
//!
//! Commands are read and replies written with `mailflow_smtp`'s server
//! side, as mailflow's own listener does.

use mailflow_core::EnhancedCode;
use mailflow_smtp::server::{
    Command, CommandLine, DataLimits, DataOutcome, MemoryBudget, Reply, ReplyWriter, SmtpReader,
    parse_command,
};
use rustls::ServerConfig;
use smtp_proto::Request;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// A command line, CRLF included (RFC 5321 4.5.3.1.4, with room for
/// parameters).
const MAX_COMMAND_LINE: usize = 2048;
/// How long a client may stay silent between commands, or within DATA.
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// How long one message's data may take in all.
const DATA_DEADLINE: Duration = Duration::from_secs(10 * 60);
/// The largest message taken.
const MAX_MESSAGE_SIZE: u64 = 64 * 1024 * 1024;

/// A running peer: where it listens, and how to stop it.
pub struct SmtpPeer {
    addr: SocketAddr,
    stop: CancellationToken,
    task: JoinHandle<()>,
}

/// Who the peer says it is, and the certificate it offers, if any.
struct Identity {
    name: String,
    tls: Option<tokio_rustls::TlsAcceptor>,
}

impl SmtpPeer {
    /// Listens on 127.0.0.1 on a port the system picks. `name` is said in
    /// the greeting and the EHLO reply; with `tls`, STARTTLS is offered.
    pub async fn start(name: &str, tls: Option<Arc<ServerConfig>>) -> std::io::Result<SmtpPeer> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let identity = Arc::new(Identity {
            name: name.to_string(),
            tls: tls.map(tokio_rustls::TlsAcceptor::from),
        });
        let stop = CancellationToken::new();
        let task = tokio::spawn(accept_loop(listener, identity, stop.clone()));
        Ok(SmtpPeer { addr, stop, task })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops listening and ends every session.
    pub async fn stop(self) {
        self.stop.cancel();
        if let Err(error) = self.task.await {
            tracing::error!(%error, "a demo SMTP peer failed");
        }
    }
}

async fn accept_loop(listener: TcpListener, identity: Arc<Identity>, stop: CancellationToken) {
    let sessions = TaskTracker::new();
    loop {
        let accepted = tokio::select! {
            () = stop.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, _)) => {
                let identity = identity.clone();
                let stop = stop.clone();
                sessions.spawn(async move {
                    tokio::select! {
                        () = stop.cancelled() => {}
                        () = session(stream, &identity) => {}
                    }
                });
            }
            Err(error) => tracing::debug!(%error, name = %identity.name, "demo peer accept failed"),
        }
    }
    sessions.close();
    sessions.wait().await;
}

/// One client: in plain text, then, after STARTTLS, over TLS.
async fn session(stream: TcpStream, identity: &Identity) {
    let ended = converse(stream, identity, Phase::Plain).await;
    let (Ok(Ended::StartTls(stream)), Some(acceptor)) = (ended, &identity.tls) else {
        return;
    };
    match acceptor.accept(stream).await {
        Ok(tls) => {
            let _ = converse(tls, identity, Phase::Encrypted).await;
        }
        // The expected end with a client that checks the certificate.
        Err(error) => tracing::debug!(%error, name = %identity.name, "TLS handshake refused"),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Greets, and offers STARTTLS when the peer has a certificate.
    Plain,
    /// After STARTTLS: no greeting, no second STARTTLS.
    Encrypted,
}

enum Ended<S> {
    Closed,
    /// The client asked for STARTTLS and was told to go ahead.
    StartTls(S),
}

async fn converse<S: AsyncRead + AsyncWrite + Unpin>(
    stream: S,
    identity: &Identity,
    phase: Phase,
) -> std::io::Result<Ended<S>> {
    let offers_tls = phase == Phase::Plain && identity.tls.is_some();
    let (read, write) = tokio::io::split(stream);
    let mut reader = SmtpReader::new(read);
    let mut writer = ReplyWriter::new(write);
    if phase == Phase::Plain {
        let greeting = format!("{} ESMTP ready", identity.name);
        writer.send(&Reply::plain(220, greeting)).await?;
    }
    let mut recipients = 0usize;
    loop {
        let line = match reader.read_command(MAX_COMMAND_LINE, IDLE_TIMEOUT).await {
            Ok(CommandLine::Line(line)) => line,
            Ok(CommandLine::Refused(problem)) => {
                writer.send(&problem.reply()).await?;
                continue;
            }
            Err(_) => return Ok(Ended::Closed),
        };
        let reply = match parse_command(&line) {
            Err(error) => error.reply(),
            Ok(Command::Mail { .. }) => {
                recipients = 0;
                ok(EnhancedCode(2, 1, 0), "sender ok")
            }
            Ok(Command::Rcpt { .. }) => {
                recipients += 1;
                ok(EnhancedCode(2, 1, 5), "recipient ok")
            }
            Ok(Command::Other(request)) => match request {
                Request::Ehlo { .. } => ehlo_reply(&identity.name, offers_tls),
                Request::Helo { .. } => Reply::plain(250, identity.name.clone()),
                Request::StartTls if offers_tls => {
                    let go_ahead = Reply::new(220, EnhancedCode(2, 0, 0), "ready to start TLS");
                    writer.send(&go_ahead).await?;
                    let stream = reader.into_inner().unsplit(writer.into_inner());
                    return Ok(Ended::StartTls(stream));
                }
                Request::Data if recipients == 0 => {
                    Reply::new(503, EnhancedCode(5, 5, 1), "no recipients")
                }
                Request::Data => {
                    recipients = 0;
                    match take_data(&mut reader, &mut writer).await? {
                        Some(reply) => reply,
                        None => return Ok(Ended::Closed),
                    }
                }
                Request::Rset => {
                    recipients = 0;
                    ok(EnhancedCode(2, 0, 0), "ok")
                }
                Request::Noop { .. } => ok(EnhancedCode(2, 0, 0), "ok"),
                Request::Quit => {
                    let bye = Reply::new(221, EnhancedCode(2, 0, 0), "bye");
                    writer.send(&bye).await?;
                    return Ok(Ended::Closed);
                }
                _ => Reply::new(502, EnhancedCode(5, 5, 1), "command not implemented"),
            },
        };
        writer.queue(&reply);
        if !reader.has_buffered_input() {
            writer.flush().await?;
        }
    }
}

fn ok(code: EnhancedCode, text: &str) -> Reply {
    Reply::new(250, code, text)
}

/// Says `354`, reads the message and forgets it: the reply to its end, or
/// `None` when the client went away.
async fn take_data<R: AsyncRead + Unpin, W: AsyncWrite + Unpin>(
    reader: &mut SmtpReader<R>,
    writer: &mut ReplyWriter<W>,
) -> std::io::Result<Option<Reply>> {
    writer.send(&Reply::plain(354, "go ahead")).await?;
    let mut memory = MemoryBudget::unlimited().reservation();
    let limits = DataLimits::size(MAX_MESSAGE_SIZE);
    let outcome = reader
        .read_data(limits, &mut memory, IDLE_TIMEOUT, DATA_DEADLINE)
        .await;
    Ok(match outcome {
        Ok(DataOutcome::Message(_)) => Some(ok(EnhancedCode(2, 0, 0), "message accepted")),
        Ok(DataOutcome::Refused(refusal)) => Some(refusal.reply()),
        Err(_) => None,
    })
}

fn ehlo_reply(name: &str, offers_tls: bool) -> Reply {
    let mut lines = vec![
        name.to_string(),
        "PIPELINING".to_string(),
        "8BITMIME".to_string(),
        format!("SIZE {MAX_MESSAGE_SIZE}"),
    ];
    if offers_tls {
        lines.push("STARTTLS".to_string());
    }
    Reply::multiline(250, lines)
}
