//! Files and directories only the node's own user can read: the data
//! directory holds every queued message, the users' password hashes, the
//! admin token and the TLS key. Everything mailflow creates under it is
//! `0700` (directories) or `0600` (files), set explicitly after creation so
//! that it holds whatever the process umask is (a umask of `000` would
//! otherwise leave `0777` directories).
//!
//! SQLite creates the database's `-wal` and `-shm` files itself, but it
//! gives them the database file's own mode (`robust_open` copies it with
//! `fchmod`, ignoring the umask): so the database file is created here,
//! `0600`, before SQLite opens it.

use std::fs::{DirBuilder, File, OpenOptions, Permissions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// The mode of every directory mailflow creates in its data directory.
pub const DIR_MODE: u32 = 0o700;
/// The mode of every file mailflow creates in its data directory.
pub const FILE_MODE: u32 = 0o600;

/// `create_dir_all`, with every directory it creates (and only those) set
/// to `0700`.
pub fn create_dir_all(path: &Path) -> io::Result<()> {
    if path.is_dir() {
        return Ok(());
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        create_dir_all(parent)?;
    }
    match DirBuilder::new().mode(DIR_MODE).create(path) {
        Ok(()) => std::fs::set_permissions(path, Permissions::from_mode(DIR_MODE)),
        Err(error) if error.kind() == io::ErrorKind::AlreadyExists && path.is_dir() => Ok(()),
        Err(error) => Err(error),
    }
}

/// Creates `path` as a new, empty `0600` file; `AlreadyExists` if it is there.
pub fn create_new(path: &Path) -> io::Result<File> {
    open_new(path, OpenOptions::new().write(true).create_new(true))
}

/// [`create_new`] for appending.
pub fn create_new_append(path: &Path) -> io::Result<File> {
    open_new(path, OpenOptions::new().append(true).create_new(true))
}

/// Creates `path` as an empty `0600` file unless something is there already
/// (which keeps its mode: the start-up check warns about a loose one).
pub fn create_if_missing(path: &Path) -> io::Result<()> {
    match create_new(path) {
        Ok(_) => Ok(()),
        Err(error) if error.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(error) => Err(error),
    }
}

/// Writes `contents` to `path`, replacing what was there; the file is
/// `0600` afterwards even if an older one was not.
pub fn write(path: &Path, contents: &[u8]) -> io::Result<()> {
    let mut file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(FILE_MODE)
        .open(path)?;
    file.set_permissions(Permissions::from_mode(FILE_MODE))?;
    file.write_all(contents)
}

fn open_new(path: &Path, options: &mut OpenOptions) -> io::Result<File> {
    let file = options.mode(FILE_MODE).open(path)?;
    file.set_permissions(Permissions::from_mode(FILE_MODE))?;
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn created_directories_are_0700_and_existing_ones_are_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), Permissions::from_mode(0o755)).unwrap();
        let nested = dir.path().join("a").join("b");
        create_dir_all(&nested).unwrap();
        assert_eq!(mode(&dir.path().join("a")), 0o700);
        assert_eq!(mode(&nested), 0o700);
        assert_eq!(mode(dir.path()), 0o755);
        create_dir_all(&nested).unwrap();
    }

    #[test]
    fn written_files_are_0600_even_over_a_looser_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, "old").unwrap();
        std::fs::set_permissions(&path, Permissions::from_mode(0o644)).unwrap();
        write(&path, b"new").unwrap();
        assert_eq!(mode(&path), 0o600);
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        let fresh = dir.path().join("g");
        create_if_missing(&fresh).unwrap();
        assert_eq!(mode(&fresh), 0o600);
    }
}
