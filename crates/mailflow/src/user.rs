//! `mailflow user add|remove|list`: the users who may log in with SMTP
//! AUTH after STARTTLS. `add` reads the password from the first line of
//! standard input; only an Argon2 hash of it is kept. With a node running
//! the change goes through its admin API (and is audited there); with none,
//! straight to the store, under the data directory's lock.

use crate::node_access::{Access, AccessError, NodeArgs};
use crate::text_table;
use clap::{Args, Subcommand};
use mailflow_admin::{UserList, UserSaved};
use mailflow_receive::{PasswordHashError, hash_password, user_name_problem};
use mailflow_store::{AuthStore, SqliteStore, StoreError};
use serde_json::json;
use std::io::BufRead;

#[derive(Debug, Args)]
pub struct UserArgs {
    #[command(flatten)]
    pub node: NodeArgs,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: UserCommand,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user, or set a new password for one; the password is read from stdin.
    Add { name: String },
    /// Remove a user: it can no longer log in.
    Remove { name: String },
    /// The users, by name.
    List,
}

#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error(transparent)]
    Access(#[from] AccessError),
    #[error("the user name {name:?} cannot be used: {problem}")]
    BadName { name: String, problem: &'static str },
    #[error("no password on standard input")]
    NoPassword,
    #[error("cannot read the password from standard input: {0}")]
    Stdin(std::io::Error),
    #[error(transparent)]
    Hash(#[from] PasswordHashError),
    #[error("the store failed: {0}")]
    Store(#[from] StoreError),
    #[error("no user named {0:?}")]
    NoSuchUser(String),
}

impl From<crate::queue::ClientError> for UserError {
    fn from(error: crate::queue::ClientError) -> Self {
        UserError::Access(AccessError::Api(error))
    }
}

pub async fn run(args: UserArgs, stdin: impl BufRead) -> Result<String, UserError> {
    let password = match &args.command {
        UserCommand::Add { name } => {
            check_name(name)?;
            Some(read_password(stdin)?)
        }
        _ => None,
    };
    let access = Access::open(&args.node).await?;
    let result = act(&access, &args.command, password, args.json).await;
    access.close().await?;
    result
}

async fn act(
    access: &Access,
    command: &UserCommand,
    password: Option<String>,
    json: bool,
) -> Result<String, UserError> {
    let actor = crate::queue::cli_actor();
    match (command, access) {
        (UserCommand::Add { name }, Access::Api(client)) => {
            let body = json!({ "password": password.unwrap_or_default() });
            let path = format!("/api/v1/users/{name}");
            let saved: UserSaved = client
                .send_json(reqwest::Method::PUT, &path, &actor, Some(&body))
                .await?;
            Ok(saved_text(name, saved.created))
        }
        (UserCommand::Add { name }, Access::Offline { store, org }) => {
            let created = add(store, org, name, &password.unwrap_or_default()).await?;
            Ok(saved_text(name, created))
        }
        (UserCommand::Remove { name }, Access::Api(client)) => {
            client
                .delete::<()>(&format!("/api/v1/users/{name}"), &[], &actor)
                .await?;
            Ok(format!("user {name} removed"))
        }
        (UserCommand::Remove { name }, Access::Offline { store, org }) => {
            if !store.remove_submission_user(org, name).await? {
                return Err(UserError::NoSuchUser(name.clone()));
            }
            Ok(format!("user {name} removed"))
        }
        (UserCommand::List, Access::Api(client)) => {
            let list: UserList = client.get_json("/api/v1/users", &[]).await?;
            let names = list.users.into_iter().map(|u| u.name).collect();
            Ok(render_list(names, json))
        }
        (UserCommand::List, Access::Offline { store, org }) => {
            Ok(render_list(store.submission_users(org).await?, json))
        }
    }
}

fn saved_text(name: &str, created: bool) -> String {
    match created {
        true => format!("user {name} added; it may log in with SMTP AUTH over TLS"),
        false => format!("user {name}: new password saved"),
    }
}

fn render_list(names: Vec<String>, json: bool) -> String {
    if json {
        let users: Vec<_> = names.iter().map(|name| json!({ "name": name })).collect();
        return json!({ "users": users }).to_string();
    }
    if names.is_empty() {
        return "no users; add one with `mailflow user add NAME` (password on stdin)".to_string();
    }
    let mut rows = vec![["NAME".to_string()]];
    rows.extend(names.into_iter().map(|name| [name]));
    text_table::aligned(&rows)
}

fn check_name(name: &str) -> Result<(), UserError> {
    match user_name_problem(name) {
        Some(problem) => Err(UserError::BadName {
            name: name.to_string(),
            problem,
        }),
        None => Ok(()),
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

/// Hashes `password` and saves the user in `store`; true when it is new.
pub async fn add(
    store: &SqliteStore,
    org: &str,
    name: &str,
    password: &str,
) -> Result<bool, UserError> {
    check_name(name)?;
    let hash = hash_password(password)?;
    let existed = store.submission_user_hash(org, name).await?.is_some();
    store.save_submission_user(org, name, &hash).await?;
    Ok(!existed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DEFAULT_ORG;
    use mailflow_receive::password_matches;

    #[tokio::test]
    async fn an_added_user_is_stored_with_a_hash_of_its_password() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).await.unwrap();
        let password = read_password("s3cret pass\nrest\n".as_bytes()).unwrap();
        assert!(add(&store, DEFAULT_ORG, "alice", &password).await.unwrap());
        assert!(!add(&store, DEFAULT_ORG, "alice", "other").await.unwrap());
        let hash = store
            .submission_user_hash(DEFAULT_ORG, "alice")
            .await
            .unwrap()
            .expect("alice is stored");
        assert!(password_matches(&hash, "other"));
        assert!(!hash.contains("other"));
        store.close().await.unwrap();
    }

    #[tokio::test]
    async fn empty_passwords_and_bad_names_are_refused() {
        assert!(matches!(
            read_password("\n".as_bytes()),
            Err(UserError::NoPassword)
        ));
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).await.unwrap();
        let refused = add(&store, DEFAULT_ORG, "al ice", "pw").await;
        assert!(matches!(refused, Err(UserError::BadName { name, .. }) if name == "al ice"));
        store.close().await.unwrap();
    }
}
