//! The testkit's own integration tests, in one test binary: its
//! certificates, DNS server, scripted SMTP server, refused and black-hole
//! addresses, and the `mailflow-test-sink` binary.

mod certs;
mod dns_server;
mod ports;
mod smtp_server;
mod test_sink_cli;
