//! Delivery's integration tests, in one test binary, against the testkit's
//! scripted SMTP and DNS servers on loopback: next-hop resolution, connection
//! failures, server refusals, broken conversations, certificates under each
//! TLS policy, per-recipient answers, streamed bodies and connector
//! validation. `common` holds the shared settings, plans and messages.

mod common;

mod certificates;
mod connection_failures;
mod dns;
mod drops;
mod mx;
mod server_refusals;
mod streaming;
mod transactions;
mod validate;
