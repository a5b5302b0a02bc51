//! The embedded back end (SQLite).

pub struct SqliteStore;
