//! `mailflow connector list|show|add|edit|remove|enable|disable`.

use super::cli::ConnectorFields;
use super::render;
use crate::cli::ConnectorCommand;
use crate::fix::path_segment;
use crate::queue::cli_actor as actor;
use crate::queue::{ApiClient, ClientError};
use mailflow_admin::ConnectorView;
use reqwest::Method;
use serde_json::{Map, Value, json};

/// Runs one of the connector settings commands and returns what to print.
pub async fn run(
    client: &ApiClient,
    command: ConnectorCommand,
    json: bool,
) -> Result<String, ClientError> {
    let one = |name: &str| format!("/api/v1/connectors/{}", path_segment(name));
    let (connector, done): (ConnectorView, String) = match command {
        ConnectorCommand::List => {
            let list: Vec<ConnectorView> = client.get_json("/api/v1/connectors", &[]).await?;
            return Ok(if json {
                render::json(&list)
            } else {
                render::connectors(&list)
            });
        }
        ConnectorCommand::Show { name } => {
            (client.get_json(&one(&name), &[]).await?, String::new())
        }
        ConnectorCommand::Add {
            name,
            fields,
            disabled,
        } => {
            let mut body = patch_of(&fields);
            body.insert("name".into(), json!(name));
            if disabled {
                body.insert("enabled".into(), json!(false));
            }
            let body = Value::Object(body);
            let added = client
                .send_json(Method::POST, "/api/v1/connectors", &actor(), Some(&body))
                .await?;
            (added, format!("Added connector {name}; in force now."))
        }
        ConnectorCommand::Edit { name, fields } => {
            let body = Value::Object(patch_of(&fields));
            let changed = client
                .send_json(Method::PATCH, &one(&name), &actor(), Some(&body))
                .await?;
            (changed, format!("Changed connector {name}; in force now."))
        }
        ConnectorCommand::Remove { name } => {
            let removed = client
                .send_json::<_, Value>(Method::DELETE, &one(&name), &actor(), None)
                .await?;
            (removed, format!("Removed connector {name}. It was:"))
        }
        ConnectorCommand::Enable { name } => {
            let path = format!("{}/enable", one(&name));
            let changed = client.post_json(&path).await?;
            (changed, format!("Enabled connector {name}."))
        }
        ConnectorCommand::Disable { name } => {
            let path = format!("{}/disable", one(&name));
            let changed = client.post_json(&path).await?;
            (
                changed,
                format!("Disabled connector {name}: its mail waits in the queue."),
            )
        }
        other => unreachable!("{other:?} is a queue action, run by `fix::run_connector`"),
    };
    if !done.is_empty() {
        super::print_warnings(client).await;
    }
    Ok(if json {
        render::json(&connector)
    } else if done.is_empty() {
        render::connector(&connector)
    } else {
        format!("{done}\n{}", render::connector(&connector))
    })
}

/// The fields given on the command line, as the API's JSON (a merge patch
/// for `edit`, the new connector for `add`). Hyphens in values read as the
/// config's underscores: `--tls verify-name` is `verify_name`.
fn patch_of(fields: &ConnectorFields) -> Map<String, Value> {
    let word = |text: &str| text.trim().replace('-', "_");
    let mut body = Map::new();
    if let Some(kind) = &fields.kind {
        body.insert("kind".into(), json!(word(kind)));
    }
    if !fields.domains.is_empty() {
        body.insert("recipient_domains".into(), json!(fields.domains));
    }
    if !fields.smart_hosts.is_empty() || fields.mx {
        body.insert("smart_hosts".into(), json!(fields.smart_hosts));
    }
    if let Some(tls) = &fields.tls {
        body.insert("tls".into(), json!(word(tls)));
    }
    if let Some(name) = &fields.tls_name {
        body.insert("tls_name".into(), json!(name));
    }
    if let Some(max) = fields.max_connections {
        body.insert("max_connections".into(), json!(max));
    }
    if let Some(timeout) = &fields.connect_timeout {
        body.insert("connect_timeout".into(), json!(timeout));
    }
    if let Some(timeout) = &fields.command_timeout {
        body.insert("command_timeout".into(), json!(timeout));
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_flags_given_are_sent_with_the_configs_words() {
        let fields = ConnectorFields {
            tls: Some("verify-name".into()),
            smart_hosts: vec!["a.test:25".into(), "b.test".into()],
            ..Default::default()
        };
        let body = Value::Object(patch_of(&fields));
        assert_eq!(
            body,
            json!({"tls": "verify_name", "smart_hosts": ["a.test:25", "b.test"]})
        );
        let mx = ConnectorFields {
            mx: true,
            kind: Some("on-premises".into()),
            ..Default::default()
        };
        assert_eq!(
            Value::Object(patch_of(&mx)),
            json!({"kind": "on_premises", "smart_hosts": []})
        );
    }
}
