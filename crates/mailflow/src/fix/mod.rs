//! `mailflow fix` and `mailflow connector`: fix actions and connector queue
//! actions on a running node, through its admin API. Every action is
//! recorded in the node's audit log under `cli:` and the local user's name.

mod render;
mod validate;

use crate::cli::{ApiArgs, ConnectorCommand, FixCommand};
use crate::queue::{ApiClient, ClientError};
use mailflow_admin::{AuditEntryView, FixView};

/// Runs one `fix` command and returns what to print.
pub async fn run_fix(
    api: &ApiArgs,
    command: FixCommand,
    json: bool,
) -> Result<String, ClientError> {
    let client = ApiClient::new(api)?;
    match command {
        FixCommand::List => {
            let fixes: Vec<FixView> = client.get_json("/api/v1/fixes", &[]).await?;
            Ok(if json {
                render::json(&fixes)
            } else {
                render::fixes(&fixes)
            })
        }
        FixCommand::Apply { id } => {
            let path = format!("/api/v1/fixes/{}/apply", path_segment(&id));
            let entry: AuditEntryView = client.post_json(&path).await?;
            Ok(if json {
                render::json(&entry)
            } else {
                render::applied(&entry)
            })
        }
        FixCommand::Undo { audit_id } => {
            let path = format!("/api/v1/fixes/{}/undo", path_segment(&audit_id));
            let entry: AuditEntryView = client.post_json(&path).await?;
            Ok(if json {
                render::json(&entry)
            } else {
                render::applied(&entry)
            })
        }
        FixCommand::Audit { limit } => {
            let limit = limit.map(|l| l.to_string());
            let query: Vec<(&str, &str)> = limit.iter().map(|l| ("limit", l.as_str())).collect();
            let entries: Vec<AuditEntryView> = client.get_json("/api/v1/audit", &query).await?;
            Ok(if json {
                render::json(&entries)
            } else {
                render::audit(&entries)
            })
        }
    }
}

/// What a command prints, and whether it exits with success.
pub struct Printed {
    pub text: String,
    pub success: bool,
}

impl From<String> for Printed {
    fn from(text: String) -> Self {
        Printed {
            text,
            success: true,
        }
    }
}

/// Runs one `connector` command and returns what to print; `validate`
/// fails when the connector does.
pub async fn run_connector(
    api: &ApiArgs,
    command: ConnectorCommand,
    json: bool,
) -> Result<Printed, ClientError> {
    let (name, action) = match &command {
        ConnectorCommand::List
        | ConnectorCommand::Show { .. }
        | ConnectorCommand::Add { .. }
        | ConnectorCommand::Edit { .. }
        | ConnectorCommand::Remove { .. }
        | ConnectorCommand::Enable { .. }
        | ConnectorCommand::Disable { .. } => {
            let client = crate::node_access::settings_client(api).await?;
            return Ok(crate::settings::connector::run(&client, command, json)
                .await?
                .into());
        }
        ConnectorCommand::Validate { name, domain } => {
            let client = ApiClient::new(api)?;
            let mut path = format!("/api/v1/connectors/{}/validate", path_segment(name));
            if let Some(domain) = domain {
                path.push_str(&format!("?domain={}", path_segment(domain)));
            }
            let checked = validate::run(&client, &path, json).await?;
            return Ok(Printed {
                text: checked.text,
                success: checked.passed,
            });
        }
        ConnectorCommand::Retry { name } => (name, "retry"),
        ConnectorCommand::Suspend { name } => (name, "suspend"),
        ConnectorCommand::Resume { name } => (name, "resume"),
        ConnectorCommand::Bounce { name } => (name, "bounce"),
    };
    let client = ApiClient::new(api)?;
    let path = format!("/api/v1/connectors/{}/{action}", path_segment(name));
    let entry: AuditEntryView = client.post_json(&path).await?;
    Ok(if json {
        render::json(&entry)
    } else {
        render::applied(&entry)
    }
    .into())
}

/// Percent-encodes what is not safe in one URL path segment.
pub(crate) fn path_segment(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~:@".contains(&byte) {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    #[test]
    fn path_segments_keep_fix_ids_and_escape_slashes_and_spaces() {
        assert_eq!(
            super::path_segment("stop-relaying:to-onprem"),
            "stop-relaying:to-onprem"
        );
        assert_eq!(super::path_segment("a/b c"), "a%2Fb%20c");
    }
}
