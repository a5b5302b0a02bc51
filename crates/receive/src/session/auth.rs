//! SMTP AUTH (RFC 4954) with PLAIN and LOGIN, offered and accepted only
//! over TLS. A user who logs in may relay like a trusted network. Each
//! failed log-in is answered `535 5.7.8` after a wait that grows with the
//! failures of the client's address (capped, see `login_failures`); too
//! many in the session, or from the address, close it with `421`, and an
//! address with too many is refused AUTH until its failures are forgotten.

use super::{Flow, Session, bad_sequence};
use crate::AuthLimits;
use crate::credentials::log_in_matches;
use crate::sasl::{Credentials, SaslError, decode_plain, decode_text};
use mailflow_core::EnhancedCode;
use mailflow_smtp::server::{CommandLine, ReadError, Reply};
use smtp_proto::{AUTH_LOGIN, AUTH_PLAIN};
use std::io;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};

/// How an exchange of challenges ended.
enum Exchange {
    Credentials(Credentials),
    Refused(Reply),
    Ended(Flow),
}

/// The wait before answering the `failures`-th failed log-in of a session.
pub(crate) fn failure_delay(limits: &AuthLimits, failures: usize) -> Duration {
    let failures = u32::try_from(failures).unwrap_or(u32::MAX);
    limits
        .failure_delay
        .saturating_mul(failures)
        .min(limits.max_failure_delay)
}

impl<S: AsyncRead + AsyncWrite + Unpin> Session<S> {
    pub(super) async fn auth(&mut self, mechanism: u64, initial: String) -> io::Result<Flow> {
        if let Some(refusal) = self.auth_refusal() {
            self.reply(refusal);
            return Ok(Flow::Continue);
        }
        if self.locked_out(self.receiver.login_failures.failures(self.client_ip)) {
            tracing::warn!(client = %self.client_ip, "SMTP AUTH refused: too many failed log-ins from the address");
            return self.close_with(self.too_many_failures()).await;
        }
        let exchange = match mechanism {
            AUTH_PLAIN => self.plain(initial).await?,
            AUTH_LOGIN => self.login(initial).await?,
            _ => Exchange::Refused(Reply::new(
                504,
                EnhancedCode(5, 5, 4),
                "authentication mechanism not supported; use PLAIN or LOGIN",
            )),
        };
        match exchange {
            Exchange::Credentials(credentials) => self.check(credentials).await,
            Exchange::Refused(reply) => {
                self.reply(reply);
                Ok(Flow::Continue)
            }
            Exchange::Ended(flow) => Ok(flow),
        }
    }

    fn auth_refusal(&self) -> Option<Reply> {
        if !self.secured {
            return Some(Reply::new(
                538,
                EnhancedCode(5, 7, 11),
                "encryption required: send STARTTLS first",
            ));
        }
        if self.greeting.is_none() {
            return Some(bad_sequence("send EHLO first"));
        }
        if self.authenticated.is_some() {
            return Some(bad_sequence("already authenticated"));
        }
        if self.envelope.is_some() {
            return Some(bad_sequence(
                "AUTH is not allowed during a mail transaction",
            ));
        }
        None
    }

    async fn plain(&mut self, initial: String) -> io::Result<Exchange> {
        let response = if initial.is_empty() {
            match self.challenge("").await? {
                Ok(line) => line,
                Err(ended) => return Ok(ended),
            }
        } else {
            initial
        };
        Ok(match decode_plain(&response) {
            Ok(credentials) => Exchange::Credentials(credentials),
            Err(error) => Exchange::Refused(malformed(error)),
        })
    }

    async fn login(&mut self, initial: String) -> io::Result<Exchange> {
        let user = if initial.is_empty() {
            match self.challenge("VXNlcm5hbWU6").await? {
                Ok(line) => line,
                Err(ended) => return Ok(ended),
            }
        } else {
            initial
        };
        let user = match decode_text(&user) {
            Ok(user) => user,
            Err(error) => return Ok(Exchange::Refused(malformed(error))),
        };
        let password = match self.challenge("UGFzc3dvcmQ6").await? {
            Ok(line) => line,
            Err(ended) => return Ok(ended),
        };
        Ok(match decode_text(&password) {
            Ok(password) => Exchange::Credentials(Credentials { user, password }),
            Err(error) => Exchange::Refused(malformed(error)),
        })
    }

    /// Sends `334 prompt` and reads the client's answer line.
    async fn challenge(&mut self, prompt: &str) -> io::Result<Result<String, Exchange>> {
        self.writer.send(&Reply::plain(334, prompt)).await?;
        let settings = &self.settings;
        let read = self
            .reader
            .read_command(settings.max_line_length, settings.command_timeout)
            .await;
        let line = match read {
            Ok(CommandLine::Line(line)) => line,
            Ok(CommandLine::Refused(problem)) => {
                return Ok(Err(Exchange::Refused(problem.reply())));
            }
            Err(ReadError::TimedOut(_)) => {
                let closing = self.closing(EnhancedCode(4, 4, 2), "command time-out");
                return Ok(Err(Exchange::Ended(self.close_with(closing).await?)));
            }
            Err(ReadError::Closed | ReadError::Io(_)) => {
                return Ok(Err(Exchange::Ended(Flow::Close)));
            }
        };
        let text = String::from_utf8_lossy(&line).trim_end().to_string();
        if text == "*" {
            let cancelled = Reply::new(501, EnhancedCode(5, 7, 0), "authentication cancelled");
            return Ok(Err(Exchange::Refused(cancelled)));
        }
        Ok(Ok(text))
    }

    async fn check(&mut self, credentials: Credentials) -> io::Result<Flow> {
        let org = &self.settings.org;
        let hash = match self
            .receiver
            .store
            .submission_user_hash(org, &credentials.user)
            .await
        {
            Ok(hash) => hash,
            Err(error) => {
                tracing::error!(%error, "looking up an SMTP AUTH user failed");
                self.reply(Reply::new(
                    454,
                    EnhancedCode(4, 7, 0),
                    "temporary authentication failure",
                ));
                return Ok(Flow::Continue);
            }
        };
        let password = credentials.password;
        let matches = {
            let _check = self.receiver.password_checks.acquire().await;
            tokio::task::spawn_blocking(move || log_in_matches(hash.as_deref(), &password))
                .await
                .unwrap_or(false)
        };
        if matches {
            tracing::info!(client = %self.client_ip, user = %credentials.user, "SMTP AUTH succeeded");
            self.authenticated = Some(credentials.user);
            self.may_relay = true;
            self.reply(Reply::new(
                235,
                EnhancedCode(2, 7, 0),
                "authentication succeeded",
            ));
            return Ok(Flow::Continue);
        }
        self.failed_login(&credentials.user).await
    }

    async fn failed_login(&mut self, user: &str) -> io::Result<Flow> {
        self.auth_failures += 1;
        let from_client = self.receiver.login_failures.record(self.client_ip);
        tracing::warn!(client = %self.client_ip, %user, failures = self.auth_failures, from_client, "SMTP AUTH failed");
        let limits = &self.settings.auth;
        let failures = self.auth_failures.max(from_client);
        tokio::time::sleep(failure_delay(limits, failures)).await;
        if self.auth_failures >= limits.max_failures.max(1) || self.locked_out(from_client) {
            return self.close_with(self.too_many_failures()).await;
        }
        self.reply(Reply::new(
            535,
            EnhancedCode(5, 7, 8),
            "authentication credentials invalid",
        ));
        Ok(Flow::Continue)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Session<S> {
    /// Whether an address with `failures` recent failed log-ins is refused.
    fn locked_out(&self, failures: usize) -> bool {
        failures >= self.settings.auth.lockout_after.max(1)
    }

    fn too_many_failures(&self) -> Reply {
        self.closing(EnhancedCode(4, 7, 0), "too many failed log-ins")
    }
}

fn malformed(error: SaslError) -> Reply {
    Reply::new(501, EnhancedCode(5, 5, 2), error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_grows_with_each_failure_up_to_the_cap() {
        let limits = AuthLimits {
            failure_delay: Duration::from_secs(1),
            max_failure_delay: Duration::from_secs(3),
            ..AuthLimits::default()
        };
        let waits: Vec<_> = (1..=4)
            .map(|n| failure_delay(&limits, n).as_secs())
            .collect();
        assert_eq!(waits, [1, 2, 3, 3]);
    }
}
