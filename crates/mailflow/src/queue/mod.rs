//! `mailflow queue`: the queue of a running node, through its admin API —
//! a table for people, or the API's own JSON for scripts — and the
//! operations on it (retry, suspend, resume, bounce, delete).

mod act;
mod client;
mod render;

pub use client::{ApiClient, ClientError, cli_actor, org_header};

use crate::cli::{ApiArgs, QueueCommand};

/// Runs one `queue` command and returns what to print.
pub async fn run(api: &ApiArgs, command: QueueCommand) -> Result<String, ClientError> {
    let client = ApiClient::new(api)?;
    match command {
        QueueCommand::List {
            state,
            connector,
            code,
            sender,
            recipient,
            older_than,
            newer_than,
            cursor,
            limit,
            json,
        } => {
            let limit = limit.map(|l| l.to_string());
            let filters = [
                ("state", state.as_deref()),
                ("connector", connector.as_deref()),
                ("code", code.as_deref()),
                ("sender", sender.as_deref()),
                ("recipient", recipient.as_deref()),
                ("older_than", older_than.as_deref()),
                ("newer_than", newer_than.as_deref()),
                ("cursor", cursor.as_deref()),
                ("limit", limit.as_deref()),
            ];
            let page = client.list(&filters).await?;
            Ok(if json {
                render::json(&page)
            } else {
                render::page(&page)
            })
        }
        QueueCommand::Show { id, json } => {
            let message = client.show(&id).await?;
            Ok(if json {
                render::json(&message)
            } else {
                render::message(&message)
            })
        }
        QueueCommand::Retry(args) => act::run(&client, act::verb("retry"), args, &actor()).await,
        QueueCommand::Suspend(args) => {
            act::run(&client, act::verb("suspend"), args, &actor()).await
        }
        QueueCommand::Resume(args) => act::run(&client, act::verb("resume"), args, &actor()).await,
        QueueCommand::Bounce(args) => act::run(&client, act::verb("bounce"), args, &actor()).await,
        QueueCommand::Delete(args) => act::run(&client, act::verb("delete"), args, &actor()).await,
    }
}

fn actor() -> String {
    cli_actor()
}
