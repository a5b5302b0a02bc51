//! The store's behaviour, the same whichever back end keeps it: each test
//! here runs against the embedded store (SQLite) and against PostgreSQL,
//! the latter in a schema of its own on the server `DATABASE_URL` names
//! (`postgres://postgres@127.0.0.1:5432/test` when unset; `scripts/test.sh`
//! makes it ready).
//!
//! Every role is here; what is the embedded store's own (its files, its
//! writer, its plans) is tested in `tests/embedded`.

#[path = "../common/mod.rs"]
mod common;

mod accept;
mod alerts;
mod audit;
mod auth;
mod backends;
mod cluster;
mod insight;
mod message_retention;
mod next_hop_keys;
mod nodes;
mod operator;
mod organisations;
mod postgres_connect;
mod queries;
mod queue_cycle;
mod queue_operations;
mod reports_owed;
mod schedule;
mod settings;
mod stored_body;
mod two_nodes;
