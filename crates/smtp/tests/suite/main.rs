//! The SMTP crate's integration tests, in one test binary: property tests
//! that the server-side readers never panic on hostile input, and that every
//! address the server takes is written back to the same mailbox.

mod address_round_trip;
mod server_input_never_panics;
