//! The admin API's integration tests, one module per area, all in one test
//! binary: the API served over real HTTP on loopback in front of a SQLite
//! store and, for most tests, a whole running node (`common`). They cover
//! the queue, its operations and lists, insights and traces, fixes and the
//! audit log, alerts and their settings, organisation settings, users and
//! tokens, the organisations, the nodes sharing the store, `?lang=`,
//! `/metrics`, the token every route asks for, the error bodies and the
//! HTTP server's limits.
//!
//! The modules' tests run side by side in this one process: every node they
//! start counts into the one process-wide metrics recorder, which is why
//! `metrics_endpoint` asserts only on series of connectors named after its
//! own tests.

mod common;

mod alert_settings_api;
mod alerts_api;
mod every_route_needs_a_token;
mod fixes_api;
mod index_and_errors;
mod insight_api;
mod languages_api;
mod list_limits;
mod message_drops_insight;
mod metrics_endpoint;
mod nodes_api;
mod org_isolation;
mod organisations_api;
mod queue_api;
mod queue_operations;
mod serve_limits;
mod settings_api;
mod users_tokens_api;
