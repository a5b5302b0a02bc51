//! The admin API token a node makes for itself when the config names none:
//! random, written once into the data directory with mode 0600, so only
//! the node's own user (and the CLI run as that user) can read it. The file
//! is the CLI's credential; the node itself keeps only the token's SHA-256
//! digest. Also `mailflow token hash`, which turns a token into the
//! `sha256:<hex>` form that `admin.token_hashes` takes.

use crate::node_access::{Access, AccessError, NodeArgs};
use clap::{Args, Subcommand};
use mailflow_admin::{CreatedToken, TokenDigest, TokenList, TokenView};
use mailflow_core::time_format::text_from_json;
use mailflow_store::{AdminToken, AuthStore, SettingsStore, TokenScope};
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
    #[command(flatten)]
    pub node: NodeArgs,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: TokenCommand,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Read a token from stdin and print its hash for `admin.token_hashes`.
    Hash,
    /// Make a named token for the admin API; it is shown this once.
    Create {
        name: String,
        /// `admin` (may change things) or `read` (may only look).
        #[arg(long, default_value = "admin")]
        scope: String,
        /// The organisation the token is for; without it, every
        /// organisation.
        #[arg(long)]
        org: Option<String>,
    },
    /// The tokens made with `create`: name, scope, made when and by whom, last used.
    List,
    /// Revoke a token made with `create`: it no longer opens the API.
    Revoke {
        name: String,
        /// The organisation of the token; without it, a token of every
        /// organisation.
        #[arg(long)]
        org: Option<String>,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error(transparent)]
    Access(#[from] AccessError),
    #[error("the store failed: {0}")]
    Store(#[from] mailflow_store::StoreError),
    #[error("{0}")]
    BadScope(String),
    #[error("a token named {0:?} exists already")]
    Exists(String),
    #[error("no token named {0:?}")]
    NoSuchToken(String),
    #[error("no organisation named {0:?}")]
    NoSuchOrg(String),
    #[error("no token on standard input")]
    NoToken,
    #[error("the token on standard input holds spaces or control characters")]
    BadToken,
    #[error("cannot read the token from standard input: {0}")]
    Stdin(std::io::Error),
}

impl From<crate::queue::ClientError> for TokenError {
    fn from(error: crate::queue::ClientError) -> Self {
        TokenError::Access(AccessError::Api(error))
    }
}

/// `mailflow token …`: `hash` works alone; the others reach the node
/// (its API when it runs, its store when it does not).
pub async fn run(args: TokenArgs, input: impl BufRead) -> Result<String, TokenError> {
    if let TokenCommand::Hash = args.command {
        return hash(input);
    }
    let access = Access::open(&args.node).await?;
    let result = act(&access, &args.command, args.json).await;
    access.close().await?;
    result
}

async fn act(access: &Access, command: &TokenCommand, json: bool) -> Result<String, TokenError> {
    let actor = crate::queue::cli_actor();
    match (command, access) {
        (TokenCommand::Hash, _) => unreachable!("`token hash` needs no node"),
        (TokenCommand::Create { name, scope, org }, Access::Api(client)) => {
            let body = serde_json::json!({ "name": name, "scope": scope, "org": org });
            let created: CreatedToken = client
                .send_json(reqwest::Method::POST, "/api/v1/tokens", &actor, Some(&body))
                .await?;
            Ok(created_text(&created, json))
        }
        (
            TokenCommand::Create { name, scope, org },
            Access::Offline {
                store,
                org: own_org,
            },
        ) => {
            let scope: TokenScope = scope.parse().map_err(TokenError::BadScope)?;
            if let Some(org) = org
                && org != own_org
                && !store.org_names().await?.contains(org)
            {
                return Err(TokenError::NoSuchOrg(org.clone()));
            }
            let token = mailflow_admin::new_token();
            let now = time::OffsetDateTime::now_utc();
            let stored = AdminToken {
                org: org.clone(),
                name: name.clone(),
                scope,
                digest: TokenDigest::of(&token).to_string(),
                created_at: now,
                created_by: actor,
                last_used_at: None,
            };
            let view = TokenView::from(&stored);
            if !store.create_admin_token(stored).await? {
                return Err(TokenError::Exists(name.clone()));
            }
            let created = CreatedToken {
                name: view.name,
                scope: view.scope,
                org: view.org,
                token,
                created_at: view.created_at,
            };
            Ok(created_text(&created, json))
        }
        (TokenCommand::List, Access::Api(client)) => {
            let list: TokenList = client.get_json("/api/v1/tokens", &[]).await?;
            Ok(render_list(&list, json))
        }
        (TokenCommand::List, Access::Offline { store, .. }) => {
            let tokens = store.admin_tokens().await?;
            let list = TokenList {
                tokens: tokens.iter().map(TokenView::from).collect(),
            };
            Ok(render_list(&list, json))
        }
        (TokenCommand::Revoke { name, org }, Access::Api(client)) => {
            let query: Vec<(&str, &str)> = org.iter().map(|org| ("org", org.as_str())).collect();
            client
                .delete::<()>(&format!("/api/v1/tokens/{name}"), &query, &actor)
                .await?;
            Ok(format!("token {name} revoked"))
        }
        (TokenCommand::Revoke { name, org }, Access::Offline { store, .. }) => {
            if !store.revoke_admin_token(org.as_deref(), name).await? {
                return Err(TokenError::NoSuchToken(name.clone()));
            }
            Ok(format!("token {name} revoked"))
        }
    }
}

fn created_text(created: &CreatedToken, json: bool) -> String {
    if json {
        return serde_json::to_string(created).expect("a token view serializes");
    }
    let org = match &created.org {
        Some(org) => format!(", for the organisation {org}"),
        None => String::new(),
    };
    format!(
        "token {} (scope {}{org}) created; it is shown this once, keep it now:\n{}",
        created.name, created.scope, created.token
    )
}

fn render_list(list: &TokenList, json: bool) -> String {
    if json {
        return serde_json::to_string(list).expect("a token list serializes");
    }
    if list.tokens.is_empty() {
        return "no tokens; make one with `mailflow token create NAME`".to_string();
    }
    let mut rows = vec![[
        "NAME".to_string(),
        "ORGANISATION".to_string(),
        "SCOPE".to_string(),
        "CREATED".to_string(),
        "BY".to_string(),
        "LAST USED".to_string(),
    ]];
    rows.extend(list.tokens.iter().map(|t| {
        [
            t.name.clone(),
            t.org.clone().unwrap_or_else(|| "(all)".to_string()),
            t.scope.clone(),
            text_from_json(&t.created_at),
            t.created_by.clone(),
            t.last_used_at
                .as_deref()
                .map_or_else(|| "never".to_string(), text_from_json),
        ]
    }));
    crate::text_table::aligned(&rows)
}

/// `mailflow token hash`: the `sha256:<hex>` digest of the token on the
/// first line of `input`.
fn hash(mut input: impl BufRead) -> Result<String, TokenError> {
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
        super::hash(input.as_bytes())
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
