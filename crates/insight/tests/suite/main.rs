//! The insights' integration tests, in one test binary: insights computed
//! from a real SQLite store and a manual clock.

mod insight;
