//! The embedded store's own tests (SQLite): the queue, its schedule and
//! claims, records and events, owed reports, the body spool and its files,
//! batched writes, what a reopen keeps and the plans of its reads. A role's
//! tests move to `tests/behaviour`, which runs them against every back end,
//! once PostgreSQL implements that role.

#[path = "../common/mod.rs"]
mod common;

mod accept;
mod batched_writes;
mod plans;
mod private_files;
mod reopen;
mod schedule;
mod spool;
mod stored_body;
