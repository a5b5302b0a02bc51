//! `mailflow domain list|show|add|edit|remove`.

use super::cli::{DomainArgs, DomainCommand};
use super::render;
use crate::fix::path_segment;
use crate::queue::ClientError;
use crate::queue::cli_actor as actor;
use mailflow_admin::DomainView;
use reqwest::Method;
use serde_json::{Value, json};

/// Runs one `domain` command and returns what to print.
pub async fn run(args: &DomainArgs) -> Result<String, ClientError> {
    let client = crate::node_access::settings_client(&args.api).await?;
    let one = |name: &str| format!("/api/v1/accepted-domains/{}", path_segment(name));
    let kind = |text: &str| text.trim().replace('-', "_");
    let (domain, done): (DomainView, String) = match &args.command {
        DomainCommand::List => {
            let list: Vec<DomainView> = client.get_json("/api/v1/accepted-domains", &[]).await?;
            return Ok(if args.json {
                render::json(&list)
            } else {
                render::domains(&list)
            });
        }
        DomainCommand::Show { name } => (client.get_json(&one(name), &[]).await?, String::new()),
        DomainCommand::Add { name, kind: type_ } => {
            let body = json!({"name": name, "type": kind(type_)});
            let added = client
                .send_json(
                    Method::POST,
                    "/api/v1/accepted-domains",
                    &actor(),
                    Some(&body),
                )
                .await?;
            (added, format!("Accepting mail for {name}; in force now."))
        }
        DomainCommand::Edit { name, kind: type_ } => {
            let body = json!({"type": kind(type_)});
            let changed = client
                .send_json(Method::PUT, &one(name), &actor(), Some(&body))
                .await?;
            (changed, format!("Changed {name}; in force now."))
        }
        DomainCommand::Remove { name } => {
            let removed = client
                .send_json::<_, Value>(Method::DELETE, &one(name), &actor(), None)
                .await?;
            (
                removed,
                format!("No longer accepting mail for {name}. It was:"),
            )
        }
    };
    if !done.is_empty() {
        super::print_warnings(&client).await;
    }
    Ok(if args.json {
        render::json(&domain)
    } else if done.is_empty() {
        render::domains(std::slice::from_ref(&domain))
    } else {
        format!("{done}\n{}", render::domains(std::slice::from_ref(&domain)))
    })
}
