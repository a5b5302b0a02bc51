//! `mailflow org`: the organisations, through the admin API — `list` them,
//! `create NAME`, `rename NAME NEW`, `remove NAME`. It needs a token of
//! every organisation. Without a running node it works on the data
//! directory's store, as the settings commands do.

mod render;

use crate::cli::{OrgArgs, OrgCommand};
use crate::fix::path_segment;
use crate::queue::ClientError;
use crate::queue::cli_actor as actor;
use mailflow_admin::OrganisationView;
use reqwest::Method;
use serde_json::json;

/// Runs one `org` command and returns what to print.
pub async fn run(args: &OrgArgs) -> Result<String, ClientError> {
    let client = crate::node_access::settings_client(&args.api).await?;
    let one = |name: &str| format!("/api/v1/orgs/{}", path_segment(name));
    let (org, done) = match &args.command {
        OrgCommand::List => {
            let orgs: Vec<OrganisationView> = client.get_json("/api/v1/orgs", &[]).await?;
            return Ok(match args.json {
                true => render::json(&orgs),
                false => render::table(&orgs),
            });
        }
        OrgCommand::Create { name } => {
            let body = json!({ "name": name });
            let made: OrganisationView = client
                .send_json(Method::POST, "/api/v1/orgs", &actor(), Some(&body))
                .await?;
            let done = render::created(&made);
            (made, done)
        }
        OrgCommand::Rename { name, new_name } => {
            let body = json!({ "name": new_name });
            let renamed: OrganisationView = client
                .send_json(Method::PATCH, &one(name), &actor(), Some(&body))
                .await?;
            let done = render::renamed(name, &renamed);
            (renamed, done)
        }
        OrgCommand::Remove { name } => {
            // What it was, for `--json` (the API answers `204`, no body).
            let was: OrganisationView = client.get_json(&one(name), &[]).await?;
            client
                .send_json::<(), ()>(Method::DELETE, &one(name), &actor(), None)
                .await?;
            let done = render::removed(&was);
            (was, done)
        }
    };
    Ok(match args.json {
        true => render::json(&org),
        false => done,
    })
}
