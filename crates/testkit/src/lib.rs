//! Real loopback peers for tests.
