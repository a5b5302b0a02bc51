//! One owner of a data directory at a time: an exclusive advisory lock on
//! `<data dir>/lock`, taken before anything in the directory is opened,
//! created or cleaned up, and held for as long as the store is open.
//!
//! Without it a second process (a CLI command, a second `serve`) opening
//! the store would treat the running node's spool segment as finished and
//! delete it, and every message accepted after that would be lost. The lock
//! is `flock(2)`: the kernel releases it when the holder exits, however it
//! exits, so a crash never leaves a directory locked. The holder writes its
//! pid into the file, so a refused process can say who holds it, and a
//! running node adds its admin API's address, so the CLI can reach it.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// The lock file's name in the data directory.
pub const LOCK_FILE: &str = "lock";

/// Why a data directory could not be locked.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "the data directory {dir} is in use by another mailflow process{}; nothing was changed \
         (stop that process first, or use the CLI commands that talk to the running node)",
        holder.map(|pid| format!(" (pid {pid})")).unwrap_or_default(),
        dir = dir.display()
    )]
    Held { dir: PathBuf, holder: Option<u32> },
    #[error("cannot lock the data directory {dir}: {source}", dir = dir.display())]
    Io { dir: PathBuf, source: io::Error },
}

/// The held lock on a data directory; dropping it releases the lock.
#[derive(Debug)]
pub struct DataDirLock {
    dir: PathBuf,
    /// Kept open: the lock lives as long as this open file description.
    _file: File,
}

impl DataDirLock {
    /// Takes the lock on `dir` (which must exist), or says who holds it.
    /// Never waits: a directory in use is an answer, not a queue.
    pub fn acquire(dir: &Path) -> Result<DataDirLock, LockError> {
        let io_error = |source| LockError::Io {
            dir: dir.to_path_buf(),
            source,
        };
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(crate::private_files::FILE_MODE)
            .open(dir.join(LOCK_FILE))
            .map_err(io_error)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(LockError::Held {
                    dir: dir.to_path_buf(),
                    holder: holder_pid(&mut file),
                });
            }
            Err(TryLockError::Error(error)) => return Err(io_error(error)),
        }
        write_pid(&mut file).map_err(io_error)?;
        Ok(DataDirLock {
            dir: dir.to_path_buf(),
            _file: file,
        })
    }

    /// Whether some process holds the lock on `dir` now (without taking
    /// it): the CLI asks this to choose between the node's API and the
    /// store itself. `None` when the directory has never been locked.
    pub fn holder(dir: &Path) -> Result<Option<Holder>, LockError> {
        match DataDirLock::acquire(dir) {
            Ok(_released_at_once) => Ok(None),
            Err(LockError::Held { holder, .. }) => Ok(Some(Holder {
                pid: holder,
                api: read_api(dir),
            })),
            Err(LockError::Io { source, .. }) if source.kind() == io::ErrorKind::NotFound => {
                Ok(None)
            }
            Err(error) => Err(error),
        }
    }

    /// The locked directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Records where the holder's admin API answers, beside its pid.
    pub fn announce_api(&self, url: &str) -> io::Result<()> {
        let mut file = OpenOptions::new()
            .write(true)
            .open(self.dir.join(LOCK_FILE))?;
        file.set_len(0)?;
        writeln!(file, "{}\n{API_PREFIX}{url}", std::process::id())?;
        file.flush()
    }
}

/// How the lock file names the holder's admin API.
const API_PREFIX: &str = "api=";

fn read_api(dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join(LOCK_FILE)).ok()?;
    text.lines()
        .find_map(|line| line.strip_prefix(API_PREFIX))
        .map(str::to_string)
}

/// A process holding a data directory's lock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    /// Its pid, as it wrote it (absent if it could not be read).
    pub pid: Option<u32>,
    /// Its admin API's base URL, once a node announced it.
    pub api: Option<String>,
}

fn write_pid(file: &mut File) -> io::Result<()> {
    file.set_len(0)?;
    file.seek(SeekFrom::Start(0))?;
    writeln!(file, "{}", std::process::id())?;
    file.flush()
}

fn holder_pid(file: &mut File) -> Option<u32> {
    let mut text = String::new();
    file.seek(SeekFrom::Start(0)).ok()?;
    file.read_to_string(&mut text).ok()?;
    text.lines().next()?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_the_same_directory_is_refused_with_the_holders_pid() {
        let dir = tempfile::tempdir().unwrap();
        let first = DataDirLock::acquire(dir.path()).unwrap();
        match DataDirLock::acquire(dir.path()) {
            Err(LockError::Held { dir: named, holder }) => {
                assert_eq!(named, dir.path());
                assert_eq!(holder, Some(std::process::id()));
            }
            other => panic!("a second lock was not refused: {other:?}"),
        }
        let message = DataDirLock::acquire(dir.path()).unwrap_err().to_string();
        assert!(
            message.contains(&dir.path().display().to_string()),
            "{message}"
        );
        assert!(
            message.contains(&format!("pid {}", std::process::id())),
            "{message}"
        );
        drop(first);
        DataDirLock::acquire(dir.path()).expect("the lock is free once released");
    }

    #[test]
    fn holder_reports_a_held_lock_and_takes_none() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(DataDirLock::holder(dir.path()).unwrap(), None);
        let held = DataDirLock::acquire(dir.path()).unwrap();
        let holder = DataDirLock::holder(dir.path()).unwrap().unwrap();
        assert_eq!(holder.pid, Some(std::process::id()));
        assert_eq!(holder.api, None);
        held.announce_api("http://127.0.0.1:8025").unwrap();
        let holder = DataDirLock::holder(dir.path()).unwrap().unwrap();
        assert_eq!(holder.pid, Some(std::process::id()));
        assert_eq!(holder.api.as_deref(), Some("http://127.0.0.1:8025"));
        drop(held);
        assert_eq!(DataDirLock::holder(dir.path()).unwrap(), None);
    }

    #[test]
    fn holder_of_a_missing_directory_is_none() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("not-made");
        assert_eq!(DataDirLock::holder(&missing).unwrap(), None);
        assert!(!missing.exists(), "asking must not create the directory");
    }
}
