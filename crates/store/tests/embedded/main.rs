//! The embedded store's own tests (SQLite): the queue, its schedule and
//! claims, records and events, owed reports, retention, operator actions,
//! the body spool and its files, and what a reopen keeps. A role's tests
//! move to `tests/behaviour`, which runs them against every back end, once
//! PostgreSQL implements that role.

#[path = "../common/mod.rs"]
mod common;

mod accept;
mod batched_writes;
mod insight;
mod message_retention;
mod operator;
mod private_files;
mod queries;
mod queue_operations;
mod schedule;
mod spool;
mod stored_body;
