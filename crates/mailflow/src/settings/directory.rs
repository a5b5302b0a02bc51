//! `mailflow directory list|add|remove|import FILE`.

use super::cli::{DirectoryArgs, DirectoryCommand};
use super::{SettingsError, render};
use crate::queue::cli_actor as actor;
use mailflow_admin::{DirectoryAdded, DirectoryImport, DirectoryRemoved, DirectoryView};
use reqwest::Method;
use std::io::Read;

/// Runs one `directory` command and returns what to print.
pub async fn run(args: &DirectoryArgs) -> Result<String, SettingsError> {
    let client = crate::node_access::settings_client(&args.api).await?;
    let path = "/api/v1/directory";
    let json = args.json;
    let changes = !matches!(args.command, DirectoryCommand::List);
    let output = match &args.command {
        DirectoryCommand::List => {
            let view: DirectoryView = client.get_json(path, &[]).await?;
            if json {
                render::json(&view)
            } else if view.recipients.is_empty() {
                "The directory is empty.".into()
            } else {
                view.recipients.join("\n")
            }
        }
        DirectoryCommand::Add { addresses } => {
            let added: DirectoryAdded = client
                .send_json(Method::POST, path, &actor(), Some(addresses))
                .await?;
            if json {
                render::json(&added)
            } else {
                format!(
                    "Added {}, unchanged {} (listed already).",
                    added.added.len(),
                    added.unchanged.len()
                )
            }
        }
        DirectoryCommand::Remove { addresses } => {
            let removed: DirectoryRemoved = client
                .send_json(Method::DELETE, path, &actor(), Some(addresses))
                .await?;
            if json {
                render::json(&removed)
            } else {
                format!(
                    "Removed {}, not listed {}.",
                    removed.removed.len(),
                    removed.absent.len()
                )
            }
        }
        DirectoryCommand::Import { file } => {
            let text = read_text(file)?;
            let import: DirectoryImport = client
                .post_text("/api/v1/directory/import", &actor(), "text/csv", text)
                .await?;
            if json {
                render::json(&import)
            } else {
                render::import(&import)
            }
        }
    };
    if changes {
        super::print_warnings(&client).await;
    }
    Ok(output)
}

/// A file's text, or stdin's for `-`.
pub(crate) fn read_text(file: &std::path::Path) -> Result<String, SettingsError> {
    let shown = file.display().to_string();
    let mut text = String::new();
    let read = if shown == "-" {
        std::io::stdin().read_to_string(&mut text).map(|_| ())
    } else {
        std::fs::read_to_string(file).map(|t| text = t)
    };
    read.map_err(|source| SettingsError::Read {
        path: if shown == "-" { "stdin".into() } else { shown },
        source,
    })?;
    Ok(text)
}
