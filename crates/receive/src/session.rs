//! One client's SMTP session: greeting, then commands until QUIT, a limit
//! or shutdown. Replies are queued and flushed only when the client has sent
//! nothing more yet, so a pipelined batch is answered in one write, in order.
//!
//! Limits and their replies: command time-out `421 4.4.2`, data time-out
//! `421 4.4.2`, the session's maximum duration `421 4.4.2` (at the first
//! command past it, or while waiting for one), too many errors (`5xx`
//! replies) `421 4.7.0`, too many commands that move no mail (`NOOP`,
//! `RSET`, `VRFY`, `HELP`, `EHLO`, `HELO`) without a message accepted in
//! between `421 4.7.0`, shutdown `421 4.3.2`; each closes the session. So
//! does a refused DATA with more input already sent behind it (`554 5.5.0`):
//! that input is a message sent without waiting for `354`, and is never read
//! as commands.
//!
//! STARTTLS (RFC 3207): once the `220` is written, whatever the client had
//! already pipelined behind the command is thrown away unread (so nothing
//! sent in clear can pose as said under TLS), the handshake runs, and the
//! session starts over on the encrypted stream: no greeting, no envelope,
//! STARTTLS no longer offered.

mod auth;

use crate::ReceiveSettings;
use crate::accept::{Arrival, accept};
use crate::envelope::{Envelope, RcptTarget, add_recipient, start_envelope};
use crate::postmaster::postmaster_mailboxes;
use crate::quota;
use crate::receiver::Receiver;
use crate::recipient_org;
use mailflow_core::EnhancedCode;
use mailflow_smtp::server::{
    Command, CommandLine, DataLimits, DataOutcome, ForwardPath, ReadError, Reply, ReplyWriter,
    Reservation, ReversePath, SmtpReader, parse_command,
};
use smtp_proto::{MailFrom, RcptTo, Request};
use std::io;
use std::net::IpAddr;
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadHalf, WriteHalf};
use tokio::time::Instant;
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;

/// Stands in for a maximum session duration past what `Instant` can hold.
const NO_SESSION_LIMIT: std::time::Duration = std::time::Duration::from_secs(100 * 365 * 24 * 3600);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    Continue,
    Close,
    /// `220` to STARTTLS is queued: the handshake comes next.
    StartTls,
}

/// What the client said in EHLO or HELO.
struct ClientGreeting {
    name: String,
    extended: bool,
}

pub(crate) struct Session<S> {
    receiver: Arc<Receiver>,
    /// The receiver's settings as the session started: a config reload
    /// applies from the next session on.
    settings: Arc<ReceiveSettings>,
    reader: SmtpReader<ReadHalf<S>>,
    writer: ReplyWriter<WriteHalf<S>>,
    client_ip: IpAddr,
    may_relay: bool,
    greeting: Option<ClientGreeting>,
    envelope: Option<Envelope>,
    errors: usize,
    /// Commands that moved no mail since the last message accepted (see
    /// `is_junk`).
    junk_commands: usize,
    /// When the session's maximum duration runs out (kept across STARTTLS).
    ends_at: Instant,
    /// The session runs over TLS (after STARTTLS).
    secured: bool,
    /// The user who logged in with AUTH.
    authenticated: Option<String>,
    /// Failed AUTH attempts so far.
    auth_failures: usize,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Session<S> {
    pub(crate) fn new(
        receiver: Arc<Receiver>,
        stream: S,
        client_ip: IpAddr,
        may_relay: bool,
    ) -> Self {
        let (read, write) = tokio::io::split(stream);
        // A duration too long for the clock (years) means no limit.
        let now = Instant::now();
        let settings = receiver.settings();
        let ends_at = now
            .checked_add(settings.max_session_duration)
            .unwrap_or(now + NO_SESSION_LIMIT);
        Session {
            receiver,
            settings,
            reader: SmtpReader::new(read),
            writer: ReplyWriter::new(write),
            client_ip,
            may_relay,
            greeting: None,
            envelope: None,
            errors: 0,
            junk_commands: 0,
            ends_at,
            secured: false,
            authenticated: None,
            auth_failures: 0,
        }
    }

    pub(crate) async fn run(mut self, shutdown: CancellationToken) {
        let banner = format!("{} ESMTP mailflow", self.settings.hostname);
        self.writer.queue(&Reply::plain(220, banner));
        match self.converse(&shutdown).await {
            Flow::StartTls => self.upgrade(shutdown).await,
            _ => self.finish().await,
        }
    }

    /// Serves commands until the session closes or asks for TLS.
    async fn converse(&mut self, shutdown: &CancellationToken) -> Flow {
        loop {
            match self.serve_one_command(shutdown).await {
                Ok(Flow::Continue) => {}
                Ok(flow) => return flow,
                Err(_) => return Flow::Close,
            }
        }
    }

    async fn finish(mut self) {
        let _ = self.writer.flush().await;
        let mut writer = self.writer.into_inner();
        let _ = writer.shutdown().await;
    }

    /// Writes the `220`, drops any pipelined input, runs the handshake
    /// within the command time-out and goes on over TLS.
    async fn upgrade(mut self, shutdown: CancellationToken) {
        if self.writer.flush().await.is_err() {
            return;
        }
        if self.reader.has_buffered_input() {
            tracing::warn!(client = %self.client_ip, "commands pipelined after STARTTLS were discarded");
        }
        let config = self
            .settings
            .tls
            .clone()
            .expect("STARTTLS is offered only with TLS");
        let timeout = self.settings.command_timeout;
        let Session {
            receiver,
            settings,
            reader,
            writer,
            client_ip,
            may_relay,
            errors,
            junk_commands,
            ends_at,
            ..
        } = self;
        let stream = reader.into_inner().unsplit(writer.into_inner());
        let handshake = tokio::select! {
            done = tokio::time::timeout(timeout, TlsAcceptor::from(config).accept(stream)) => done,
            _ = shutdown.cancelled() => return,
        };
        let stream = match handshake {
            Ok(Ok(stream)) => stream,
            Ok(Err(error)) => {
                tracing::info!(client = %client_ip, %error, "STARTTLS handshake failed");
                return;
            }
            Err(_) => {
                tracing::info!(client = %client_ip, "STARTTLS handshake timed out");
                return;
            }
        };
        let mut secured = Session::new(receiver, stream, client_ip, may_relay);
        // The same settings on both sides of STARTTLS.
        secured.settings = settings;
        secured.secured = true;
        secured.errors = errors;
        secured.junk_commands = junk_commands;
        secured.ends_at = ends_at;
        secured.converse(&shutdown).await;
        secured.finish().await;
    }

    async fn serve_one_command(&mut self, shutdown: &CancellationToken) -> io::Result<Flow> {
        if !self.reader.has_buffered_input() {
            self.writer.flush().await?;
        }
        let settings = &self.settings;
        let left = self.ends_at.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return self.close_with(self.session_too_long()).await;
        }
        let timeout = settings.command_timeout.min(left);
        let read = tokio::select! {
            read = self.reader.read_command(settings.max_line_length, timeout) => Some(read),
            _ = shutdown.cancelled() => None,
        };
        let flow = match read {
            None => {
                return self
                    .close_with(self.closing(EnhancedCode(4, 3, 2), "shutting down"))
                    .await;
            }
            Some(Ok(CommandLine::Line(line))) => self.execute(&line).await?,
            Some(Ok(CommandLine::Refused(problem))) => {
                self.reply(problem.reply());
                Flow::Continue
            }
            Some(Err(ReadError::TimedOut(_))) if Instant::now() >= self.ends_at => {
                return self.close_with(self.session_too_long()).await;
            }
            Some(Err(ReadError::TimedOut(_))) => {
                return self
                    .close_with(self.closing(EnhancedCode(4, 4, 2), "command time-out"))
                    .await;
            }
            Some(Err(ReadError::Closed | ReadError::Io(_))) => return Ok(Flow::Close),
        };
        if flow == Flow::Continue && self.errors >= self.settings.max_errors.max(1) {
            return self
                .close_with(self.closing(EnhancedCode(4, 7, 0), "too many errors"))
                .await;
        }
        Ok(flow)
    }

    async fn execute(&mut self, line: &[u8]) -> io::Result<Flow> {
        let request = match parse_command(line) {
            Ok(Command::Other(request)) => request,
            Ok(Command::Mail { sender, from }) => {
                let reply = self.mail(sender, from);
                self.reply(reply);
                return Ok(Flow::Continue);
            }
            Ok(Command::Rcpt { recipient, to }) => {
                let reply = self.rcpt(recipient, to).await;
                self.reply(reply);
                return Ok(Flow::Continue);
            }
            Err(error) => {
                self.reply(error.reply());
                return Ok(Flow::Continue);
            }
        };
        if is_junk(&request) && self.one_junk_command_too_many() {
            return self.close_for_junk().await;
        }
        let hostname = &self.settings.hostname;
        let reply = match request {
            Request::Ehlo { host } => self.hello(host, true),
            Request::Helo { host } => self.hello(host, false),
            Request::Data => return self.data().await,
            Request::StartTls => return Ok(self.start_tls()),
            Request::Auth {
                mechanism,
                initial_response,
            } => return self.auth(mechanism, initial_response).await,
            Request::Rset => {
                self.envelope = None;
                Reply::new(250, EnhancedCode(2, 0, 0), "Ok")
            }
            Request::Noop { .. } => Reply::new(250, EnhancedCode(2, 0, 0), "Ok"),
            Request::Quit => {
                let bye = Reply::new(
                    221,
                    EnhancedCode(2, 0, 0),
                    format!("{hostname} closing connection"),
                );
                self.reply(bye);
                return Ok(Flow::Close);
            }
            Request::Vrfy { .. } => Reply::new(
                252,
                EnhancedCode(2, 5, 0),
                "cannot verify the user, but will take the message and try to deliver it",
            ),
            Request::Help { .. } => Reply::new(
                214,
                EnhancedCode(2, 0, 0),
                "commands: EHLO HELO STARTTLS AUTH MAIL RCPT DATA RSET NOOP QUIT VRFY HELP",
            ),
            other => Reply::new(
                502,
                EnhancedCode(5, 5, 1),
                format!("{} is not implemented", other.name()),
            ),
        };
        self.reply(reply);
        Ok(Flow::Continue)
    }

    fn hello(&mut self, name: String, extended: bool) -> Reply {
        self.envelope = None;
        let settings = &self.settings;
        let reply = if extended {
            let offers = Offers {
                starttls: settings.tls.is_some() && !self.secured,
                auth: self.secured,
            };
            ehlo_reply(&settings.hostname, &name, settings.max_message_size, offers)
        } else {
            Reply::plain(250, settings.hostname.clone())
        };
        self.greeting = Some(ClientGreeting { name, extended });
        reply
    }

    /// `220` when TLS may start now; otherwise why not.
    fn start_tls(&mut self) -> Flow {
        if self.secured {
            self.reply(bad_sequence("TLS is already active"));
            return Flow::Continue;
        }
        if self.settings.tls.is_none() {
            self.reply(Reply::new(
                502,
                EnhancedCode(5, 5, 1),
                "STARTTLS is not offered",
            ));
            return Flow::Continue;
        }
        self.envelope = None;
        self.greeting = None;
        self.writer.queue(&Reply::new(
            220,
            EnhancedCode(2, 0, 0),
            "ready to start TLS",
        ));
        Flow::StartTls
    }

    fn mail(&mut self, sender: ReversePath, from: MailFrom<String>) -> Reply {
        let Some(greeting) = &self.greeting else {
            return bad_sequence("send EHLO or HELO first");
        };
        if self.envelope.is_some() {
            return bad_sequence("sender already given; send RSET to start over");
        }
        match start_envelope(
            sender,
            from,
            greeting.extended,
            self.settings.max_message_size,
        ) {
            Ok(envelope) => {
                let text = match &envelope.sender {
                    Some(sender) => format!("sender <{}> ok", sender.smtp()),
                    None => "sender <> ok".to_string(),
                };
                let ok = Reply::new(250, EnhancedCode(2, 1, 0), text);
                self.envelope = Some(envelope);
                ok
            }
            Err(refusal) => refusal,
        }
    }

    async fn rcpt(&mut self, recipient: ForwardPath, to: RcptTo<String>) -> Reply {
        if self.envelope.is_none() {
            return bad_sequence("send MAIL first");
        }
        let orgs = self.receiver.orgs.borrow().clone();
        let home = self.settings.org.as_str();
        let target = match recipient {
            ForwardPath::Mailbox(mailbox) => RcptTarget::Mailbox(mailbox),
            ForwardPath::Postmaster => RcptTarget::Postmaster(postmaster_mailboxes(
                &orgs.settings_of(home),
                &self.admin_emails().await,
            )),
        };
        let org_name = recipient_org::of_recipient(&orgs, home, &target);
        let envelope = self.envelope.as_mut().expect("checked above");
        if envelope
            .org
            .as_deref()
            .is_some_and(|first| first != org_name)
        {
            return recipient_org::another_organisation();
        }
        let org = orgs.settings_of(org_name);
        let max_recipients = self.settings.max_recipients;
        let routing = (org_name, &*org);
        let reply = add_recipient(
            envelope,
            target,
            to,
            routing,
            self.may_relay,
            max_recipients,
        );
        if envelope.refused_over_limit > self.settings.max_recipient_overshoot
            && reply.enhanced() == Some(EnhancedCode(4, 5, 3))
        {
            // Past the overshoot the 452s stop being a long list's tail:
            // each is an error, so a client cannot loop on them.
            self.errors += 1;
        }
        if reply.code() == 250 && envelope.org.is_none() {
            envelope.org = Some(org_name.to_string());
        }
        if reply.enhanced() == Some(quota::UNKNOWN_RECIPIENT) {
            return quota::unknown_recipient(&self.receiver, org_name, self.client_ip, reply).await;
        }
        reply
    }

    /// The organisation's administrators, who `<postmaster>` stands for.
    async fn admin_emails(&self) -> Vec<String> {
        let org = &self.settings.org;
        match self.receiver.store.alert_settings(org).await {
            Ok(settings) => settings.map(|s| s.admin_emails).unwrap_or_default(),
            Err(error) => {
                tracing::warn!(%error, "alert settings unreadable; postmaster goes to the first accepted domain");
                Vec::new()
            }
        }
    }

    async fn data(&mut self) -> io::Result<Flow> {
        let why = match &self.envelope {
            None => "send MAIL first",
            Some(envelope) if envelope.recipients.is_empty() => "no valid recipients",
            Some(_) => return self.receive_message().await,
        };
        if self.reader.has_buffered_input() {
            // DATA ends a pipelined group (RFC 2920 3.1): what the client
            // sent behind it without waiting for the reply is the message.
            // Read as commands, a message could run a transaction of its own.
            tracing::warn!(client = %self.client_ip, "input pipelined behind a refused DATA: closing");
            return self.close_with(out_of_turn_after_data(why)).await;
        }
        self.reply(bad_sequence(why));
        Ok(Flow::Continue)
    }

    async fn receive_message(&mut self) -> io::Result<Flow> {
        self.writer
            .queue(&Reply::plain(354, "End data with <CR><LF>.<CR><LF>"));
        self.writer.flush().await?;
        let envelope = self.envelope.take().expect("checked by data()");
        let settings = &self.settings;
        // Held until the store has written the message and let it go, or
        // released as soon as the message is certain to be refused.
        let mut memory = self.memory_reservation();
        let outcome = match self
            .reader
            .read_data(
                DataLimits {
                    max_size: settings.max_message_size,
                    max_header_size: settings.max_header_size,
                    max_line_length: settings.max_data_line_length,
                },
                &mut memory,
                settings.data_timeout,
                settings.data_deadline,
            )
            .await
        {
            Ok(outcome) => outcome,
            Err(ReadError::TimedOut(_)) => {
                return self
                    .close_with(self.closing(EnhancedCode(4, 4, 2), "data time-out"))
                    .await;
            }
            Err(ReadError::Closed | ReadError::Io(_)) => return Ok(Flow::Close),
        };
        let data_ended = Instant::now();
        let reply = match outcome {
            DataOutcome::Refused(refusal) => refusal.reply(),
            DataOutcome::Message(body) => {
                let greeting = self.greeting.as_ref().expect("MAIL needs a greeting");
                let arrival = Arrival {
                    helo: &greeting.name,
                    extended: greeting.extended,
                    client_ip: self.client_ip,
                    secured: self.secured,
                    authenticated: self.authenticated.is_some(),
                };
                accept(&self.receiver, envelope, body, arrival, &mut memory).await
            }
        };
        if reply.code() == 250 {
            crate::metrics::accepted_after(data_ended.elapsed());
            // A client moving mail may keep its connection as long as it
            // likes, with an RSET or NOOP between messages.
            self.junk_commands = 0;
        }
        self.reply(reply);
        Ok(Flow::Continue)
    }

    /// A message's share of the receiving memory. A client outside the
    /// trusted networks also counts against its address's share, so that
    /// it cannot take the whole budget; the trusted ones (the organisation's
    /// own servers, often one address carrying most of the mail) are
    /// bounded by the whole budget only, as they are by the overall session
    /// limit only.
    fn memory_reservation(&self) -> Reservation {
        let budget = &self.receiver.receiving_memory;
        if self.may_relay {
            budget.reservation()
        } else {
            budget.reservation_for(self.client_ip)
        }
    }

    /// Counts a command that moves no mail; true past `max_junk_commands`.
    fn one_junk_command_too_many(&mut self) -> bool {
        self.junk_commands += 1;
        self.junk_commands > self.settings.max_junk_commands
    }

    async fn close_for_junk(&mut self) -> io::Result<Flow> {
        let reply = self.closing(EnhancedCode(4, 7, 0), "too many commands without a message");
        self.close_with(reply).await
    }

    /// Queues a reply; every `5xx` counts towards the error limit.
    fn reply(&mut self, reply: Reply) {
        if reply.is_permanent() {
            self.errors += 1;
        }
        self.writer.queue(&reply);
    }

    fn closing(&self, code: EnhancedCode, why: &str) -> Reply {
        let hostname = &self.settings.hostname;
        Reply::new(421, code, format!("{hostname} {why}, closing connection"))
    }

    /// Past `max_session_duration`: a well-behaved client reconnects and
    /// goes on; one holding the session open with NOOPs loses its place.
    fn session_too_long(&self) -> Reply {
        self.closing(EnhancedCode(4, 4, 2), "session open too long")
    }

    async fn close_with(&mut self, reply: Reply) -> io::Result<Flow> {
        self.writer.send(&reply).await?;
        Ok(Flow::Close)
    }
}

/// Commands a client could repeat for ever without moving any mail: each
/// costs a reply and keeps a session place. (EHLO starts the envelope
/// over, so MAIL, RCPT, EHLO would loop as well as MAIL, RCPT, RSET.) A
/// RCPT refused for now is not one: a client that pipelined a list longer
/// than `max_recipients` must get its `452`s and send the rest later (past
/// `max_recipient_overshoot` of them, each counts as an error instead).
fn is_junk(request: &Request<String>) -> bool {
    matches!(
        request,
        Request::Noop { .. }
            | Request::Rset
            | Request::Vrfy { .. }
            | Request::Help { .. }
            | Request::Ehlo { .. }
            | Request::Helo { .. }
    )
}

fn bad_sequence(text: &str) -> Reply {
    Reply::new(
        503,
        EnhancedCode(5, 5, 1),
        format!("bad sequence of commands: {text}"),
    )
}

/// DATA refused while the client had already sent more behind it: none of
/// that is read as commands, and the session closes.
fn out_of_turn_after_data(why: &str) -> Reply {
    Reply::new(
        554,
        EnhancedCode(5, 5, 0),
        format!(
            "DATA refused ({why}) and more was sent without waiting for the reply; \
             none of it is read as commands, closing connection"
        ),
    )
}

/// The extensions offered beyond the fixed ones: STARTTLS in clear when a
/// certificate is configured, AUTH only over TLS.
struct Offers {
    starttls: bool,
    auth: bool,
}

fn ehlo_reply(hostname: &str, client_name: &str, max_size: u64, offers: Offers) -> Reply {
    let mut lines = vec![
        format!("{hostname} greets {client_name}"),
        "PIPELINING".into(),
        format!("SIZE {max_size}"),
        "8BITMIME".into(),
        "SMTPUTF8".into(),
        "ENHANCEDSTATUSCODES".into(),
        "DSN".into(),
    ];
    if offers.starttls {
        lines.push("STARTTLS".into());
    }
    if offers.auth {
        lines.push("AUTH PLAIN LOGIN".into());
    }
    Reply::multiline(250, lines)
}
