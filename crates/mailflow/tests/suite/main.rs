//! The `mailflow` binary's integration tests, in one test binary: each runs
//! the built `mailflow` (`common` starts `serve` on ephemeral loopback ports
//! and runs the CLI against it) and covers one command or contract: config
//! checks, the queue, fix, alerts, insights, settings, node and organisation
//! CLIs, admin tokens, reloads on `SIGHUP`, the data directory's modes and
//! single owner, the demo, seeding, and durability across `kill -9`
//! (`crash_recovery`, and `crash_loop`, whose long run is
//! `MAILFLOW_CRASH_ROUNDS=20 cargo test -p mailflow --test suite
//! crash_loop:: -- --nocapture`).

mod common;

mod admin_token;
mod alerts_cli;
mod check_config;
mod cluster;
mod crash_loop;
mod crash_recovery;
mod data_dir_modes;
mod demo;
mod fix_cli;
mod insights_cli;
mod nodes_cli;
mod one_owner;
mod orgs_cli;
mod queue_cli;
mod reload;
mod reload_certificate;
mod seed;
mod serve;
mod settings_cli;
