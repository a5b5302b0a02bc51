//! `mailflow export`: a running node's organisation settings in the
//! config's format (`[[accepted_domains]]`, `[[connectors]]`,
//! `[directory]`), so that `mailflow export | mailflow apply -f - --yes`
//! changes nothing, and a file exported can be edited and applied.

use super::SettingsError;
use super::cli::ExportArgs;
use crate::queue::{ApiClient, ClientError};
use mailflow_admin::OrgView;

/// Fetches the settings and returns them as TOML.
pub async fn run(args: &ExportArgs) -> Result<String, SettingsError> {
    let client = ApiClient::new(&args.api)?;
    let view: OrgView = client.get_json("/api/v1/org", &[]).await?;
    let body = to_toml(&view)?;
    Ok(format!(
        "# The organisation settings of the node at {}, as `mailflow export` printed them.\n\
         # Change them and run `mailflow apply -f FILE` to make the node match.\n\n{}",
        args.api.api,
        body.trim_end()
    ))
}

/// The settings in the config's TOML.
pub fn to_toml(view: &OrgView) -> Result<String, SettingsError> {
    toml::to_string(view).map_err(|error| {
        SettingsError::Api(ClientError::Unexpected(format!(
            "the settings cannot be written as TOML: {error}"
        )))
    })
}
