//! The SMTP wire, on top of `smtp-proto`.
//!
//! `server` reads what a client sends — command lines and DATA — refusing
//! what SMTP smuggling relies on (bare LF, bare CR), and writes replies.
//! `client` speaks to a next hop: greeting, EHLO, STARTTLS, MAIL, RCPT, DATA,
//! with PIPELINING where offered. Neither knows of queues, config or HTTP.

pub mod client;
pub mod server;
