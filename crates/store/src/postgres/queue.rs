//! The queue on the shared database: accepting, claiming, recording,
//! holds, expiry, notices and owed reports, and reading messages and
//! bodies. See `docs/postgres-store.md` for how nodes share it.

pub mod accept;
pub mod batcher;
pub mod claim;
pub mod counts;
pub mod due;
pub mod events;
pub mod holds;
pub mod notices;
pub mod reads;
pub mod record;
pub mod waiting;
