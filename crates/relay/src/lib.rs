//! The engine: scheduling, retry, expiry and notices.
