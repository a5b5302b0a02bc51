//! A scripted SMTP server on loopback that misbehaves on demand.
//!
//! Delivery is tested against a real peer: `SmtpServer` listens on
//! 127.0.0.1 (or any loopback address), speaks SMTP as its `SmtpBehavior`
//! says, and records every connection and message so a test can assert on
//! what the client really sent. It stops when dropped.

mod behavior;
mod record;
mod session;
mod stream;

pub use behavior::{Fault, FaultAction, FaultPoint, SmtpBehavior, StartTls};
pub use record::{ReceivedMessage, ReceivedRecipient, SessionRecord};

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

/// State shared by the server handle and its sessions.
pub(crate) struct Shared {
    pub(crate) behavior: Mutex<SmtpBehavior>,
    records: Mutex<Records>,
    message_count: watch::Sender<usize>,
    connection_count: watch::Sender<usize>,
}

#[derive(Default)]
struct Records {
    sessions: Vec<SessionRecord>,
    messages: Vec<ReceivedMessage>,
}

impl Shared {
    fn open_session(&self) -> usize {
        let mut records = self.records.lock().unwrap();
        records.sessions.push(SessionRecord::default());
        let count = records.sessions.len();
        self.connection_count.send_replace(count);
        count - 1
    }

    fn with_session(&self, connection: usize, change: impl FnOnce(&mut SessionRecord)) {
        let mut records = self.records.lock().unwrap();
        if let Some(session) = records.sessions.get_mut(connection) {
            change(session);
        }
    }

    pub(crate) fn record_command(&self, connection: usize, line: &str) {
        self.with_session(connection, |session| {
            session.commands.push(line.to_string())
        });
    }

    pub(crate) fn record_ehlo(&self, connection: usize, name: &str) {
        self.with_session(connection, |session| session.ehlo = Some(name.to_string()));
    }

    pub(crate) fn record_tls(&self, connection: usize) {
        self.with_session(connection, |session| session.tls = true);
    }

    pub(crate) fn record_message(&self, message: ReceivedMessage) {
        let mut records = self.records.lock().unwrap();
        records.messages.push(message);
        self.message_count.send_replace(records.messages.len());
    }
}

/// Waiting for the server to see something ran out of time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitTimedOut {
    pub what: &'static str,
    pub expected: usize,
    pub seen: usize,
    pub waited: Duration,
}

impl fmt::Display for WaitTimedOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "expected {} {} within {:?}, saw {}",
            self.expected, self.what, self.waited, self.seen
        )
    }
}

impl std::error::Error for WaitTimedOut {}

/// The running server.
pub struct SmtpServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl SmtpServer {
    /// Starts on 127.0.0.1 and a free port.
    pub async fn start(behavior: SmtpBehavior) -> SmtpServer {
        SmtpServer::start_on((Ipv4Addr::LOCALHOST, 0).into(), behavior).await
    }

    /// Starts on the given address, e.g. `127.0.0.2:0`, or `[::1]:port` to
    /// share a port number with an IPv4 server.
    pub async fn start_on(addr: SocketAddr, behavior: SmtpBehavior) -> SmtpServer {
        let listener = TcpListener::bind(addr)
            .await
            .unwrap_or_else(|error| panic!("binding the SMTP server to {addr}: {error}"));
        let addr = listener.local_addr().expect("local address");
        let shared = Arc::new(Shared {
            behavior: Mutex::new(behavior),
            records: Mutex::new(Records::default()),
            message_count: watch::Sender::new(0),
            connection_count: watch::Sender::new(0),
        });
        let task = tokio::spawn(accept_loop(listener, shared.clone()));
        SmtpServer { addr, shared, task }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Replaces the script for connections accepted from now on.
    pub fn set_behavior(&self, behavior: SmtpBehavior) {
        *self.shared.behavior.lock().unwrap() = behavior;
    }

    /// How many connections were accepted.
    pub fn connections(&self) -> usize {
        self.shared.records.lock().unwrap().sessions.len()
    }

    /// Every connection so far, in order of arrival.
    pub fn sessions(&self) -> Vec<SessionRecord> {
        self.shared.records.lock().unwrap().sessions.clone()
    }

    /// Every message whose data arrived in full, in order of arrival.
    pub fn messages(&self) -> Vec<ReceivedMessage> {
        self.shared.records.lock().unwrap().messages.clone()
    }

    /// Waits until at least `count` messages arrived, at most `timeout`.
    pub async fn wait_for_messages(
        &self,
        count: usize,
        timeout: Duration,
    ) -> Result<Vec<ReceivedMessage>, WaitTimedOut> {
        wait_for(&self.shared.message_count, "messages", count, timeout).await?;
        Ok(self.messages())
    }

    /// Waits until at least `count` connections were accepted, at most `timeout`.
    pub async fn wait_for_connections(
        &self,
        count: usize,
        timeout: Duration,
    ) -> Result<(), WaitTimedOut> {
        wait_for(&self.shared.connection_count, "connections", count, timeout).await
    }

    /// Stops listening and ends every open connection.
    pub fn stop(&self) {
        self.task.abort();
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn wait_for(
    counter: &watch::Sender<usize>,
    what: &'static str,
    expected: usize,
    timeout: Duration,
) -> Result<(), WaitTimedOut> {
    let mut receiver = counter.subscribe();
    let reached = tokio::time::timeout(timeout, receiver.wait_for(|seen| *seen >= expected)).await;
    match reached {
        Ok(Ok(_)) => Ok(()),
        _ => Err(WaitTimedOut {
            what,
            expected,
            seen: *counter.borrow(),
            waited: timeout,
        }),
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let mut sessions = JoinSet::new();
    loop {
        if let Ok((tcp, _peer)) = listener.accept().await {
            let connection = shared.open_session();
            sessions.spawn(session::run(tcp, connection, shared.clone()));
        }
        while sessions.try_join_next().is_some() {}
    }
}
