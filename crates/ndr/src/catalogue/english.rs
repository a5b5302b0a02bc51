//! The English words of reports.

mod admin;
mod operations;

use super::{Catalogue, Label, Situation};
use crate::advice::{Actor, ConnectorProblem, Remedy};
use crate::report::{ReportKind, Returned};
use mailflow_core::Category;
use time::macros::format_description;
use time::{Duration, OffsetDateTime, UtcOffset};

pub(super) struct English;

impl Catalogue for English {
    fn daemon_name(&self) -> &'static str {
        "Mail Delivery System"
    }

    fn subject(&self, kind: ReportKind, original_subject: Option<&str>) -> String {
        let subject = original_subject.unwrap_or("(no subject)");
        match kind {
            ReportKind::Failure => format!("Undeliverable: {subject}"),
            ReportKind::Delay => format!("Delayed: {subject}"),
        }
    }

    fn label(&self, label: Label) -> &'static str {
        match label {
            Label::OriginalSubject => "Subject",
            Label::OriginalSent => "Received by the relay",
            Label::NoSubject => "(no subject)",
            Label::Recipient => "Recipient",
            Label::OriginalRecipient => "Original recipient",
            Label::WhatHappened => "What happened",
            Label::Why => "Why",
            Label::WhoMustAct => "Who has to act",
            Label::WhatToDo => "What to do",
            Label::ForAdministrators => "For administrators",
            Label::ReportingServer => "Reporting server",
            Label::QueueId => "Queue id",
            Label::MessageId => "Message-ID",
            Label::EnvelopeId => "Envelope id",
            Label::Status => "Status",
            Label::Category => "Category",
            Label::Detail => "Detail",
            Label::LastErrorCategory => "Last error category",
            Label::ServerReply => "Diagnostic",
            Label::Connector => "Connector",
            Label::RemoteServer => "Remote server",
            Label::Attempts => "Attempts",
            Label::LastAttempt => "Last attempt",
            Label::WillRetryUntil => "Will retry until",
            Label::History => "Recent attempts",
        }
    }

    fn field_separator(&self) -> &'static str {
        ": "
    }

    fn sentence_separator(&self) -> &'static str {
        " "
    }

    fn time(&self, at: OffsetDateTime) -> String {
        let format =
            format_description!("[day padding:none] [month repr:long] [year], [hour]:[minute] UTC");
        at.to_offset(UtcOffset::UTC)
            .format(format)
            .unwrap_or_else(|_| at.unix_timestamp().to_string())
    }

    fn duration(&self, span: Duration) -> String {
        let minutes = span.whole_minutes().max(0);
        let (hours, minutes) = (minutes / 60, minutes % 60);
        match (hours, minutes) {
            (0, minutes) => plural(minutes, "minute"),
            (hours, 0) => plural(hours, "hour"),
            (hours, minutes) => format!("{} {}", plural(hours, "hour"), plural(minutes, "minute")),
        }
    }

    fn opening(&self, kind: ReportKind) -> &'static str {
        match kind {
            ReportKind::Failure => {
                "Your message could not be delivered to the recipients below. \
                 It will not be tried again."
            }
            ReportKind::Delay => {
                "Your message has not been delivered yet to the recipients below. \
                 This is only a notice: the message is still queued and delivery goes on."
            }
        }
    }

    fn still_trying(&self, until: Option<OffsetDateTime>) -> String {
        let until = match until {
            Some(until) => format!("until {}", self.time(until)),
            None => "for a while".to_string(),
        };
        format!(
            "The relay keeps trying {until}. You do not need to send the message again. \
             If it still cannot be delivered by then, you will receive another report."
        )
    }

    fn what_happened(&self, situation: Situation) -> String {
        match situation {
            Situation::Refused => "Not delivered; it will not be tried again.".to_string(),
            Situation::Expired {
                tried_for,
                attempts,
            } => format!(
                "Not delivered. The relay tried for {} ({}) and then gave up.",
                self.duration(tried_for),
                plural(i64::from(attempts), "attempt")
            ),
            Situation::StillTrying { attempts } => format!(
                "Not delivered yet after {}; the relay is still trying.",
                plural(i64::from(attempts), "attempt")
            ),
        }
    }

    fn explanation(&self, category: Category) -> &'static str {
        explanation(category)
    }

    fn last_error_because(&self, explanation: &str) -> String {
        format!("The last attempt failed for this reason: {explanation}")
    }

    fn server_said(&self, reply: &str) -> String {
        format!("The server said: \"{reply}\"")
    }

    fn actor(&self, actor: Actor, reporting_mta: &str) -> String {
        match actor {
            Actor::Sender => "You, the sender.".to_string(),
            Actor::RecipientAdministrators => {
                "The administrators of the recipient's mail system.".to_string()
            }
            Actor::RelayAdministrators => {
                format!("The administrators of this mail relay ({reporting_mta}).")
            }
        }
    }

    fn remedy(&self, remedy: &Remedy) -> String {
        match remedy {
            Remedy::FixConnector { connector, problem } => format!(
                "The relay's connector \"{connector}\" cannot deliver: {} \
                 Forward this report to the relay's administrators. \
                 Nothing is wrong with your message.",
                self.connector_problem(*problem)
            ),
            other => fixed_remedy(other).to_string(),
        }
    }

    fn connector_problem(&self, problem: ConnectorProblem) -> &'static str {
        connector_problem(problem)
    }

    fn returned(&self, returned: Returned) -> &'static str {
        match returned {
            Returned::Headers => "The headers of your message are attached.",
            Returned::FullMessage => "Your message is attached.",
            Returned::HeadersBecauseTooLarge => {
                "Your message was too large to be returned whole; its headers are attached."
            }
        }
    }
}

fn plural(count: i64, unit: &str) -> String {
    if count == 1 {
        format!("1 {unit}")
    } else {
        format!("{count} {unit}s")
    }
}

fn explanation(category: Category) -> &'static str {
    match category {
        Category::DnsQueryFailed => {
            "The name of the server that should receive the message could not be looked up \
             in DNS, so the relay did not know where to send it."
        }
        Category::ConnectionTimedOut => {
            "The receiving server did not answer when the relay tried to connect. It may be \
             down, or a firewall may be dropping the connection."
        }
        Category::ConnectionRefused => {
            "The receiving server refused the connection: no mail service is listening there, \
             or it is stopped."
        }
        Category::RemoteServerError => {
            "The relay reached the receiving server, but the server said it cannot take mail, \
             or a secure (TLS) connection could not be set up as required."
        }
        Category::ConnectionDropped => {
            "The connection to the receiving server broke off in the middle of the conversation."
        }
        Category::CertificateInvalid => {
            "The receiving server's security certificate is not valid (for example expired, \
             made out for another name, or from an authority that is not trusted), and this \
             route requires a valid one."
        }
        Category::RemoteTransient => "The receiving server turned the message down for now.",
        Category::RemotePermanent => "The receiving server refused the message.",
        Category::Expired => {
            "The message could not be delivered within the time the relay keeps trying."
        }
        Category::LoopDetected => {
            "The message went round between mail servers too many times and was stopped."
        }
        Category::RecipientNotFound => {
            "The address does not exist in the recipient's organisation."
        }
        Category::DomainNotFound => "The domain of the address does not exist.",
        Category::NullMx => "The domain of the address has declared that it receives no mail.",
        Category::LocalError => "The relay met a problem of its own while handling the message.",
    }
}

fn fixed_remedy(remedy: &Remedy) -> &'static str {
    match remedy {
        Remedy::CheckAddress => {
            "Check the address for typing mistakes and send the message again. If the address \
             is right, the mailbox may no longer exist: ask the recipient for their current \
             address by other means."
        }
        Remedy::CheckDomain => {
            "Check the part of the address after the @ for typing mistakes and send the message \
             again. If it is right, that domain does not receive e-mail: reach the recipient by \
             other means."
        }
        Remedy::SendSmaller => {
            "The message is too large for the recipient's server. Make it smaller, for example \
             by sharing large files through a link, and send it again."
        }
        Remedy::AskRecipientToAllow => {
            "The recipient's server refused the message by its own rules (for example as \
             suspected spam, or because the sender is not allowed). Reach the recipient by \
             other means and ask their administrators to accept your messages; show them \
             this report."
        }
        Remedy::RecipientMakesRoom => {
            "The recipient's mailbox is full. The recipient or their administrators must make \
             room; then send the message again."
        }
        Remedy::FixRemoteServer => {
            "The administrators of the recipient's mail server must correct the problem. \
             Nothing is wrong with your message. If it lasts, reach the recipient by other \
             means and show them this report."
        }
        Remedy::FixRemoteDns => {
            "The administrators of the recipient's domain must correct its DNS records \
             (MX, A or AAAA) so that mail can find its server."
        }
        Remedy::FixRemoteCertificate => {
            "The administrators of the recipient's mail server must install a valid certificate."
        }
        Remedy::BreakLoop => {
            "The relay's administrators must correct the routing that sends this message round \
             in a loop. Forward this report to them."
        }
        Remedy::CheckRelay => {
            "The relay's administrators must look into the problem described below. Forward \
             this report to them."
        }
        Remedy::FixConnector { .. } => {
            "The relay's administrators must correct the connector this message goes through. \
             Forward this report to them."
        }
    }
}

fn connector_problem(problem: ConnectorProblem) -> &'static str {
    match problem {
        ConnectorProblem::NameDoesNotResolve => {
            "the name of the server it delivers to does not resolve in DNS. The name or its \
             DNS records must be corrected."
        }
        ConnectorProblem::ServerUnreachable => {
            "the server it delivers to does not accept connections. That server must be \
             running, listening for mail, and reachable through the firewalls."
        }
        ConnectorProblem::ServerRefuses => {
            "the server it delivers to refuses to take mail. Its state and its logs must be \
             checked."
        }
        ConnectorProblem::ConnectionDrops => {
            "the connection to its server breaks off during the conversation. That server and \
             the network in between must be checked."
        }
        ConnectorProblem::TlsUnavailable => {
            "a secure (TLS) connection to its server could not be set up as the connector \
             requires. STARTTLS must be enabled on that server, or the connector's TLS policy \
             changed."
        }
        ConnectorProblem::CertificateInvalid => {
            "its server's certificate does not pass the connector's TLS policy. The certificate \
             must be renewed or replaced, or the policy changed."
        }
    }
}
