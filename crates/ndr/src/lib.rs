//! Non-delivery reports and delay notices (SPEC section 5, RFC 3464).
//!
//! `build_report` turns plain data about one message and some of its
//! recipients into a complete `multipart/report; report-type=delivery-status`
//! message: a part for people (what happened, why, who has to act and how,
//! and the evidence for administrators), a `message/delivery-status` part for
//! bounce handlers, and the original's headers or, with `RET=FULL`, the
//! original itself.
//!
//! The report must be sent from the null sender `<>`; that, and never
//! reporting on a message that came from `<>`, is the scheduler's job.
//! All human text lives in `catalogue`, one implementation per language;
//! `explain` gives any other part of mailflow the same words about a
//! diagnosis.

pub mod accept_language;
pub mod advice;
mod builder;
pub mod catalogue;
mod clean;
mod delivery_status;
pub mod explain;
mod human;
mod original;
mod page;
mod report;
pub mod topic;

pub use advice::{Actor, Advice, ConnectorProblem, Remedy, advise};
pub use builder::{build_report, build_report_with_id};
pub use catalogue::{
    AdminCatalogue, AlertLabel, AlertSituation, AuditAction, Catalogue, FixChange, FixWords,
    Language, OperationsCatalogue, action_name,
};
pub use explain::{Explanation, explain};
pub use report::{
    Action, AttemptNote, Audience, BuiltReport, ReportInput, ReportKind, ReportRecipient,
    ReportedRecipient, Returned,
};
pub use topic::Topic;
