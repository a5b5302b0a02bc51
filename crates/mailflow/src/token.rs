//! The admin API token a node makes for itself when the config names none:
//! random, written once into the data directory with mode 0600, so only
//! the node's own user (and the CLI run as that user) can read it.

use rand::RngCore;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The token file's name in the data directory.
pub const TOKEN_FILE: &str = "admin-token";

/// Where the token the API accepts comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSource {
    /// `admin.tokens` in the config file.
    Config,
    /// Generated into this file (now or on an earlier start).
    File { path: PathBuf, generated_now: bool },
}

/// Reads the token file in `data_dir`, making it first if there is none.
pub fn ensure(data_dir: &Path) -> std::io::Result<(String, TokenSource)> {
    let path = data_dir.join(TOKEN_FILE);
    if let Some(token) = read(&path)? {
        return Ok((
            token,
            TokenSource::File {
                path,
                generated_now: false,
            },
        ));
    }
    let token = generate();
    let mut file = open_private(&path)?;
    writeln!(file, "{token}")?;
    file.sync_all()?;
    Ok((
        token,
        TokenSource::File {
            path,
            generated_now: true,
        },
    ))
}

/// The token in a token file, if the file is there.
pub fn read(path: &Path) -> std::io::Result<Option<String>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text.trim().to_string()).filter(|t| !t.is_empty())),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(error),
    }
}

/// 32 random bytes, in hexadecimal.
fn generate() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(unix)]
fn open_private(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn open_private(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_generated_once_and_then_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let (first, source) = ensure(dir.path()).unwrap();
        assert_eq!(first.len(), 64);
        assert!(matches!(
            source,
            TokenSource::File {
                generated_now: true,
                ..
            }
        ));
        let (second, source) = ensure(dir.path()).unwrap();
        assert_eq!(first, second);
        assert!(matches!(
            source,
            TokenSource::File {
                generated_now: false,
                ..
            }
        ));
    }

    #[cfg(unix)]
    #[test]
    fn the_token_file_is_readable_by_its_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        ensure(dir.path()).unwrap();
        let mode = std::fs::metadata(dir.path().join(TOKEN_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
