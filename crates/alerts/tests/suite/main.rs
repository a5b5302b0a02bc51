//! The alerts' integration tests, in one test binary: rules opening,
//! merging and resolving alerts against a real SQLite store and a manual
//! clock, the invalid-recipient quota's alert, and notifications (the
//! signed webhook and the alert e-mail). `common` holds the shared store,
//! organisation and queued messages.

mod common;

mod notifications;
mod quota;
mod rules;
