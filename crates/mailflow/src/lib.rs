//! The mailflow binary's library: the config file, seeding the
//! organisation's settings, the admin token, `serve`, and the CLI commands
//! that talk to a running node's API.

pub mod alerts;
pub mod check_config;
pub mod cli;
pub mod config;
pub mod data_dir;
pub mod demo;
pub mod fix;
pub mod insights;
pub mod logging;
pub mod node_access;
pub mod nodes;
pub mod opened_store;
pub mod orgs;
pub mod queue;
pub mod reload;
pub mod seed;
pub mod serve;
pub mod settings;
pub mod text_table;
pub mod tls_identity;
pub mod token;
pub mod trace;
pub mod user;
