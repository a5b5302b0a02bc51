//! The mailflow binary's library: the config file, seeding the
//! organisation's settings, the admin token, `serve`, and the CLI commands
//! that talk to a running node's API.

pub mod config;
