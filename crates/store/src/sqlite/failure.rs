//! Which SQLite failures mean "the disk is full".
//!
//! The receiver answers `452 4.3.1` to `StoreError::Full` and `451` to
//! anything else, so a write that could not get space must say so: SQLite
//! reports it as `SQLITE_FULL`, as an I/O error while writing, or the
//! operating system as `ENOSPC`.

/// SQLite's primary result codes (the low byte of an extended code).
const SQLITE_IOERR: i64 = 10;
const SQLITE_FULL: i64 = 13;
/// `ENOSPC` on Linux and the BSDs.
const ENOSPC: i32 = 28;

/// Whether SQLite (or the system under it) said the disk is full.
pub(crate) fn is_out_of_space(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Database(db) => db
            .code()
            .and_then(|code| code.parse::<i64>().ok())
            .is_some_and(|code| matches!(code & 0xff, SQLITE_FULL | SQLITE_IOERR)),
        sqlx::Error::Io(io) => is_out_of_space_io(io),
        _ => false,
    }
}

/// Whether an I/O error (SQLite's, or the body spool's) is a full disk.
pub fn is_out_of_space_io(io: &std::io::Error) -> bool {
    io.raw_os_error() == Some(ENOSPC) || io.kind() == std::io::ErrorKind::StorageFull
}

pub(crate) use crate::error::on_write;
