//! The vocabulary every part of mailflow shares: the one diagnosis type, the
//! organisation's settings (accepted domains, connectors, directory), the
//! states of a recipient, DSN parameters and the injected clock.
//!
//! Nothing here does I/O; it is the typed language the rooms of the house use
//! to hand values to each other.

pub mod action_names;
pub mod clock;
pub mod diagnosis;
pub mod directory_csv;
pub mod dsn;
pub mod event;
pub mod ids;
pub mod mailbox;
pub mod message_bytes;
pub mod org;
pub mod org_check;
pub mod org_diff;
pub mod orgs;
pub mod recipient;
pub mod time_format;

pub use clock::{Clock, ManualClock, SystemClock};
pub use diagnosis::{
    Category, CertProblem, CertificateSummary, Diagnosis, DnsOutcome, DnsRecordType, DropKind,
    DropStage, EnhancedCode, RemoteReply, ServerRefusal, Stage,
};
pub use dsn::{DsnEnvelope, DsnRecipient, Notify, Ret};
pub use event::{AddressResult, Event, EventKind};
pub use ids::MessageId;
pub use mailbox::{AddressError, Mailbox, SmtpForm};
pub use message_bytes::MessageBytes;
pub use org::{
    AcceptedDomain, Connector, ConnectorKind, Directory, DomainType, OrgSettings, SmartHost,
    TlsPolicy,
};
pub use org_check::{FieldPath, FieldSegment, OrgProblem, OrgWarning};
pub use org_diff::OrgDiff;
pub use orgs::Orgs;
pub use recipient::{RecipientState, Route, RouteReason};
pub use time_format::{TextTime, json_time, text_time};
