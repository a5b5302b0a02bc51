//! DSN parameters (RFC 3461) that come with a message and decide which
//! notices its sender gets.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ret {
    Full,
    Headers,
}

/// `NOTIFY=`: when absent, the default is failure and delay notices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notify {
    pub success: bool,
    pub failure: bool,
    pub delay: bool,
}

impl Default for Notify {
    fn default() -> Self {
        Notify {
            success: false,
            failure: true,
            delay: true,
        }
    }
}

impl Notify {
    pub const NEVER: Notify = Notify {
        success: false,
        failure: false,
        delay: false,
    };
}

/// The message-wide DSN parameters from `MAIL FROM`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DsnEnvelope {
    pub ret: Option<Ret>,
    pub envid: Option<String>,
}

/// The per-recipient DSN parameters from `RCPT TO`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DsnRecipient {
    /// `None` when the client gave no NOTIFY (the default applies, and none
    /// is passed on).
    pub notify: Option<Notify>,
    /// `ORCPT=`, as `addr-type;address` decoded (e.g. `rfc822;alice@example.test`).
    pub orcpt: Option<String>,
}

impl DsnRecipient {
    pub fn effective_notify(&self) -> Notify {
        self.notify.unwrap_or_default()
    }
}
