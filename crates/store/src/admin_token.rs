//! Admin API tokens kept in the store: made through the API or the CLI,
//! listed, revoked by organisation and name. Only a token's digest is kept.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use time::OffsetDateTime;

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenScope {
    /// Everything: read, change settings, act on the queue.
    Admin,
    /// Read only: `GET` requests.
    Read,
}

impl TokenScope {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenScope::Admin => "admin",
            TokenScope::Read => "read",
        }
    }
}

impl fmt::Display for TokenScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TokenScope {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "admin" => Ok(TokenScope::Admin),
            "read" => Ok(TokenScope::Read),
            other => Err(format!(
                "unknown token scope {other:?}; expected admin or read"
            )),
        }
    }
}

/// One stored admin token, without the token itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminToken {
    /// The organisation the token is for; `None`: every organisation (the
    /// cluster's token). Two organisations may each have a token of the
    /// same name.
    pub org: Option<String>,
    pub name: String,
    pub scope: TokenScope,
    /// `sha256:<hex>` of the token.
    pub digest: String,
    pub created_at: OffsetDateTime,
    /// Who made it (the audit actor).
    pub created_by: String,
    pub last_used_at: Option<OffsetDateTime>,
}
