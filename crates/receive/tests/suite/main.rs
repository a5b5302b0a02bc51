//! Receiving's integration tests, in one test binary: a real receiver on a
//! loopback port with a real SQLite store (`common`), spoken to on the wire:
//! receiving and routing, the session's rules, STARTTLS and AUTH,
//! postmaster, hostile and malformed input, abuse limits, the memory budget
//! and the invalid-recipient quota.

mod common;

mod abuse_limits;
mod auth;
mod hostile_input;
mod hostile_input_more;
mod invalid_recipient_quota;
mod organisations;
mod postmaster;
mod receiving;
mod receiving_memory;
mod session_rules;
mod starttls;
