//! The admin API token a node makes for itself when the config names none:
//! random, written once into the data directory with mode 0600, so only
//! the node's own user (and the CLI run as that user) can read it. The file
//! is the CLI's credential; the node itself keeps only the token's SHA-256
//! digest. Also `mailflow token hash`, which turns a token into the
//! `sha256:<hex>` form that `admin.token_hashes` takes.

use clap::{Args, Subcommand};
use mailflow_admin::TokenDigest;
use rand::RngCore;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

/// The token file's name in the data directory.
pub const TOKEN_FILE: &str = "admin-token";

/// Where the token the API accepts comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSource {
    /// `admin.token_hashes` and `admin.tokens` in the config file: this many.
    Config { tokens: usize },
    /// Generated into this file (now or on an earlier start).
    File { path: PathBuf, generated_now: bool },
}

/// The digest of the token in `data_dir`'s token file, making the file
/// first if there is none. The token itself is not kept.
pub fn ensure(data_dir: &Path) -> std::io::Result<(TokenDigest, TokenSource)> {
    let path = data_dir.join(TOKEN_FILE);
    if let Some(token) = read(&path)? {
        return Ok((
            TokenDigest::of(&token),
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
        TokenDigest::of(&token),
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

fn open_private(path: &Path) -> std::io::Result<std::fs::File> {
    mailflow_store::private_files::create_new(path)
}

#[derive(Debug, Args)]
pub struct TokenArgs {
    #[command(subcommand)]
    pub command: TokenCommand,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Read a token from stdin and print its hash for `admin.token_hashes`.
    Hash,
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("no token on standard input")]
    NoToken,
    #[error("the token on standard input holds spaces or control characters")]
    BadToken,
    #[error("cannot read the token from standard input: {0}")]
    Stdin(std::io::Error),
}

/// `mailflow token hash`: the `sha256:<hex>` digest of the token on the
/// first line of `input`.
pub fn run(args: TokenArgs, mut input: impl BufRead) -> Result<String, TokenError> {
    match args.command {
        TokenCommand::Hash => {
            let mut line = String::new();
            input.read_line(&mut line).map_err(TokenError::Stdin)?;
            let token = line.trim_end_matches(['\r', '\n']);
            if token.is_empty() {
                return Err(TokenError::NoToken);
            }
            if token.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err(TokenError::BadToken);
            }
            Ok(TokenDigest::of(token).to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_generated_once_and_then_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let (first, source) = ensure(dir.path()).unwrap();
        let written = read(&dir.path().join(TOKEN_FILE)).unwrap().unwrap();
        assert_eq!(written.len(), 64);
        assert_eq!(first, TokenDigest::of(&written));
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

    fn hash(input: &str) -> Result<String, TokenError> {
        let args = TokenArgs {
            command: TokenCommand::Hash,
        };
        run(args, input.as_bytes())
    }

    #[test]
    fn token_hash_prints_the_sha256_of_the_first_line() {
        // SHA-256 of "abc" (FIPS 180-2, appendix B.1).
        let abc = "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assert_eq!(hash("abc\n").unwrap(), abc);
        assert_eq!(hash("abc\r\nmore\n").unwrap(), abc);
        assert_eq!(hash("abc").unwrap(), abc);
    }

    #[test]
    fn token_hash_refuses_an_empty_token_or_one_with_spaces() {
        assert!(matches!(hash(""), Err(TokenError::NoToken)));
        assert!(matches!(hash("\n"), Err(TokenError::NoToken)));
        assert!(matches!(hash("a b\n"), Err(TokenError::BadToken)));
        assert!(matches!(hash("ab\t\n"), Err(TokenError::BadToken)));
    }
}
