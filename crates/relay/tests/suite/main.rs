//! The relay's integration tests, in one test binary: whole nodes on
//! loopback with scripted next hops: the delivery flow, reports, reloads,
//! operator actions, validation, heartbeats and draining, and the fault
//! tests (a stalled or dead next hop, DNS going silent, a message that drops
//! the connection, lost bodies, envelope injection, recording a delivery as
//! soon as it is made).

mod cluster_locks;
mod dead_next_hop_backlog;
mod delivery_flow;
mod dns_goes_silent;
mod draining;
mod early_record;
mod envelope_injection;
mod heartbeat;
mod lease_renewal;
mod lost_bodies;
mod message_drops_connection;
mod operator;
mod organisations;
mod reload;
mod reports;
mod stalled_next_hop;
mod validate;
