//! `mailflow user add NAME`: adds (or re-keys) a user who may log in with
//! SMTP AUTH after STARTTLS. The password is read from the first line of
//! standard input, hashed with Argon2 and written to the store of the data
//! directory directly; only the hash is kept.

use crate::config::{Config, ConfigError, DEFAULT_ORG};
use clap::{Args, Subcommand};
use mailflow_receive::{PasswordHashError, hash_password};
use mailflow_store::{SqliteStore, Store, StoreError};
use std::io::BufRead;
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
pub struct UserArgs {
    #[command(subcommand)]
    pub command: UserCommand,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user, or set a new password for one; the password is read from stdin.
    Add {
        name: String,
        /// The node's config file, for its data directory; without it the default one.
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("the user name {0:?} is empty or holds spaces or control characters")]
    BadName(String),
    #[error("no password on standard input")]
    NoPassword,
    #[error("cannot read the password from standard input: {0}")]
    Stdin(std::io::Error),
    #[error(transparent)]
    Hash(#[from] PasswordHashError),
    #[error("cannot use the store in {path}: {source}", path = path.display())]
    Store { path: PathBuf, source: StoreError },
}

pub async fn run(args: UserArgs, stdin: impl BufRead) -> Result<String, UserError> {
    match args.command {
        UserCommand::Add { name, config } => {
            let config = match config {
                Some(path) => Config::load(&path)?,
                None => Config::embedded_defaults(),
            };
            let password = read_password(stdin)?;
            add(&config.store_path, &name, &password).await?;
            Ok(format!(
                "user {name} saved; it may log in with SMTP AUTH over TLS"
            ))
        }
    }
}

/// The first line of `input`, without its line ending.
pub fn read_password(mut input: impl BufRead) -> Result<String, UserError> {
    let mut line = String::new();
    input.read_line(&mut line).map_err(UserError::Stdin)?;
    let password = line.trim_end_matches(['\r', '\n']).to_string();
    if password.is_empty() {
        return Err(UserError::NoPassword);
    }
    Ok(password)
}

/// Hashes `password` and saves the user in the store in `data_dir`.
pub async fn add(data_dir: &Path, name: &str, password: &str) -> Result<(), UserError> {
    if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(UserError::BadName(name.to_string()));
    }
    let hash = hash_password(password)?;
    let store_error = |source| UserError::Store {
        path: data_dir.to_path_buf(),
        source,
    };
    mailflow_store::private_files::create_dir_all(data_dir)
        .map_err(|e| store_error(StoreError::Io(e)))?;
    let store = SqliteStore::open(data_dir).await.map_err(store_error)?;
    let saved = store.save_submission_user(DEFAULT_ORG, name, &hash).await;
    let closed = store.close().await;
    saved.and(closed).map_err(store_error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use mailflow_receive::password_matches;

    #[tokio::test]
    async fn an_added_user_is_stored_with_a_hash_of_its_password() {
        let dir = tempfile::tempdir().unwrap();
        let password = read_password("s3cret pass\nrest\n".as_bytes()).unwrap();
        add(dir.path(), "alice", &password).await.unwrap();
        let store = SqliteStore::open(dir.path()).await.unwrap();
        let hash = store
            .submission_user_hash(DEFAULT_ORG, "alice")
            .await
            .unwrap()
            .expect("alice is stored");
        assert!(password_matches(&hash, "s3cret pass"));
        store.close().await.unwrap();
    }

    #[tokio::test]
    async fn empty_passwords_and_bad_names_are_refused() {
        assert!(matches!(
            read_password("\n".as_bytes()),
            Err(UserError::NoPassword)
        ));
        let dir = tempfile::tempdir().unwrap();
        let refused = add(dir.path(), "al ice", "pw").await;
        assert!(matches!(refused, Err(UserError::BadName(name)) if name == "al ice"));
    }
}
