//! What the store writes in its data directory is the node's own: the
//! database, SQLite's `-wal` and `-shm` beside it, `spool/` and its
//! segments. (The process umask is left as it is: the binary's tests run
//! the node under `umask 000`.)

use crate::common::*;
use mailflow_store::{QueueStore, SqliteStore};
use std::os::unix::fs::PermissionsExt;

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test]
async fn the_database_its_wal_and_the_spool_are_private() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let store = SqliteStore::open(&data).await.unwrap();
    store
        .accept_message(onprem_message(t0(), "dave@acme.test"))
        .await
        .unwrap();

    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join("spool")), 0o700);
    for name in ["mailflow.db", "mailflow.db-wal", "mailflow.db-shm"] {
        assert_eq!(mode(&data.join(name)), 0o600, "{name}");
    }
    let segments: Vec<_> = std::fs::read_dir(data.join("spool"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    assert!(!segments.is_empty());
    for segment in segments {
        assert_eq!(mode(&segment), 0o600, "{}", segment.display());
    }
    store.close().await.unwrap();
}
