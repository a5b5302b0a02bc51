//! What an insight or an alert has to explain to the relay's own
//! administrators: one topic per kind of trouble a connector can be in.
//!
//! A report speaks to senders about one recipient; an insight or an alert
//! speaks to administrators about a connector. Both read the same typed
//! diagnosis; the topic only decides which likely causes and actions of
//! `catalogue::AdminCatalogue` apply.

use mailflow_core::{Category, CertProblem, Diagnosis, DropStage, ServerRefusal};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Topic {
    DnsFailed,
    ConnectTimedOut,
    ConnectionRefused,
    /// The server greeted with an error or rejected EHLO and HELO.
    ServerRefuses,
    /// TLS is required and the server did not offer or refused STARTTLS.
    StartTlsMissing,
    TlsHandshakeFailed,
    ConnectionDropped,
    /// Dropped after the final dot: the message may have arrived twice.
    DroppedAfterFinalDot,
    /// One message (or a few) makes the server drop the connection during
    /// its data while other mail goes through: the message, not the
    /// connector, is the trouble. Chosen by the insight that names it.
    MessageDropsConnection,
    CertificateExpired,
    CertificateNameMismatch,
    CertificateUntrusted,
    CertificateOther,
    RemoteTransient,
    RemotePermanent,
    /// Recipients refused as unknown (`5.1.10`), as counted by the quota.
    UnknownRecipients,
    /// The store lost the bodies of accepted messages.
    LostBodies,
    /// Mail waits but no attempt has failed yet.
    NotTriedYet,
    /// Anything else (expiry, loops, local errors).
    Other,
}

impl Topic {
    /// The topic of a diagnosis, down to its detail where that changes
    /// what to do (which certificate problem, which refusal).
    pub fn of(diagnosis: &Diagnosis) -> Topic {
        match diagnosis {
            Diagnosis::RemoteServerError { refusal } => match refusal {
                ServerRefusal::Greeting { .. } | ServerRefusal::Ehlo { .. } => Topic::ServerRefuses,
                ServerRefusal::StartTlsNotOffered | ServerRefusal::StartTlsRefused { .. } => {
                    Topic::StartTlsMissing
                }
                ServerRefusal::TlsHandshake { .. } => Topic::TlsHandshakeFailed,
            },
            Diagnosis::ConnectionDropped {
                stage: DropStage::AfterFinalDot,
                ..
            } => Topic::DroppedAfterFinalDot,
            Diagnosis::CertificateInvalid { problem, .. } => match problem {
                CertProblem::Expired | CertProblem::NotYetValid => Topic::CertificateExpired,
                CertProblem::NameMismatch { .. } => Topic::CertificateNameMismatch,
                CertProblem::UntrustedIssuer => Topic::CertificateUntrusted,
                _ => Topic::CertificateOther,
            },
            other => Topic::of_category(other.category()),
        }
    }

    /// The topic when only the category is known (an alert whose code no
    /// recent failure carries).
    pub fn of_category(category: Category) -> Topic {
        match category {
            Category::DnsQueryFailed => Topic::DnsFailed,
            Category::ConnectionTimedOut => Topic::ConnectTimedOut,
            Category::ConnectionRefused => Topic::ConnectionRefused,
            Category::RemoteServerError => Topic::ServerRefuses,
            Category::ConnectionDropped => Topic::ConnectionDropped,
            Category::CertificateInvalid => Topic::CertificateOther,
            Category::RemoteTransient => Topic::RemoteTransient,
            Category::RemotePermanent => Topic::RemotePermanent,
            Category::RecipientNotFound => Topic::UnknownRecipients,
            Category::Expired
            | Category::LoopDetected
            | Category::DomainNotFound
            | Category::NullMx
            | Category::LocalError => Topic::Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_refusal_keeps_what_was_refused() {
        let no_tls = Diagnosis::RemoteServerError {
            refusal: ServerRefusal::StartTlsNotOffered,
        };
        assert_eq!(Topic::of(&no_tls), Topic::StartTlsMissing);
    }

    #[test]
    fn an_unknown_recipient_is_its_own_topic() {
        let unknown = Diagnosis::RecipientNotFound {
            address: "x@contoso.test".into(),
        };
        assert_eq!(Topic::of(&unknown), Topic::UnknownRecipients);
    }
}
