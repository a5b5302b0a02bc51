//! The store's behaviour, the same whichever back end keeps it: each test
//! here runs against the embedded store (SQLite) and against PostgreSQL,
//! the latter in a schema of its own on the server `DATABASE_URL` names
//! (`postgres://postgres@127.0.0.1:5432/test` when unset; `scripts/test.sh`
//! makes it ready).
//!
//! A role joins this suite when the PostgreSQL back end implements it; the
//! other tests of the store still run against the embedded store alone.

#[path = "../common/mod.rs"]
mod common;

mod accept;
mod alerts;
mod audit;
mod auth;
mod backends;
mod cluster;
mod nodes;
mod postgres_connect;
mod queue_cycle;
mod reports_owed;
mod schedule;
mod settings;
mod stored_body;
mod two_nodes;
