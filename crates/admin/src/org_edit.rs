//! One change to the organisation's settings through the API: read the
//! settings in force, change them, check them whole as the config is
//! checked, save them and put them in force (`NodeHandle::update_org`), and
//! write the audit entry with before and after. Changes are made one at a
//! time (`NodeHandle::lock_org_edits`, which fix actions hold too), so that
//! two at once cannot each overwrite the other's.

use crate::AdminState;
use crate::caller::OrgScope;
use crate::error::ApiError;
use crate::fixes::actor;
use crate::org_views::invalid;
use axum::http::HeaderMap;
use mailflow_core::{FieldPath, OrgSettings, Orgs, org_check};
use mailflow_store::AuditEntry;
/// What a change did, for the audit log.
pub(crate) struct Edit {
    /// E.g. `connector-add`, `domain-remove`.
    pub action: &'static str,
    /// The connector, domain or address changed.
    pub target: String,
    pub before: serde_json::Value,
    pub after: serde_json::Value,
    /// The setting being edited (`connectors[2]`): problems inside it are
    /// named from there (`smart_hosts`), others from the top.
    pub scope: Option<FieldPath>,
}

/// Runs `change` on the settings in force and, if they then pass the
/// checks, saves them, puts them in force and audits the change. Returns
/// what `change` returned and the settings now in force. A change that
/// changes nothing (`None` edit) is neither saved nor audited.
pub(crate) async fn edit_org<T>(
    state: &AdminState,
    scope: &OrgScope,
    headers: &HeaderMap,
    change: impl FnOnce(&mut OrgSettings) -> Result<(Option<Edit>, T), ApiError>,
) -> Result<(T, OrgSettings), ApiError> {
    let node = state.node.get();
    let _one = match node {
        Some(node) => Some(node.lock_org_edits().await?),
        None => None,
    };
    let before = current(state, scope).await?;
    let mut settings = (*before).clone();
    let (edit, answer) = change(&mut settings)?;
    let Some(edit) = edit else {
        return Ok((answer, settings));
    };
    let settings =
        org_check::org(settings).map_err(|problem| invalid(problem, edit.scope.as_ref()))?;
    claimed_elsewhere(state, scope, &before, &settings).await?;
    match node {
        Some(node) => node.update_org_of(&scope.name, settings.clone()).await?,
        // No node: the CLI holds the data directory; the next start reads it.
        None => {
            state
                .store
                .save_org_settings(&scope.name, &settings)
                .await?
        }
    }
    state
        .store
        .append_audit(AuditEntry {
            id: 0,
            at: state.clock.now(),
            org: Some(scope.name.clone()),
            actor: actor(headers),
            action: edit.action.to_string(),
            target: edit.target,
            before: edit.before,
            after: edit.after,
            undone_at: None,
        })
        .await?;
    Ok((answer, settings))
}

/// Refuses an accepted domain that another organisation accepts already: a
/// domain's mail belongs to one organisation. Only a caller of every
/// organisation is told which one has it.
async fn claimed_elsewhere(
    state: &AdminState,
    scope: &OrgScope,
    before: &OrgSettings,
    after: &OrgSettings,
) -> Result<(), ApiError> {
    let added: Vec<&str> = after
        .accepted_domains
        .iter()
        .map(|domain| domain.name.as_str())
        .filter(|name| before.accepted_domain(name).is_none())
        .collect();
    if added.is_empty() {
        return Ok(());
    }
    let others = match state.node.get() {
        Some(node) => node.orgs(),
        None => {
            let mut orgs = Vec::new();
            for name in state.store.org_names().await? {
                let settings = state.store.org_settings(&name).await?.unwrap_or_default();
                orgs.push((name, settings));
            }
            std::sync::Arc::new(Orgs::new(orgs))
        }
    };
    for domain in added {
        let owner = others
            .iter()
            .find(|(name, org)| *name != scope.name && org.accepted_domain(domain).is_some());
        if let Some((owner, _)) = owner {
            let message = match scope.all_organisations {
                true => {
                    format!("{domain} is an accepted domain of the organisation {owner} already")
                }
                false => format!("{domain} is an accepted domain of another organisation already"),
            };
            return Err(ApiError::Conflict {
                id: domain.to_string(),
                message,
            });
        }
    }
    Ok(())
}

/// The organisation's settings in force on the running node (or, without
/// one, in the store).
pub(crate) async fn current(
    state: &AdminState,
    scope: &OrgScope,
) -> Result<std::sync::Arc<OrgSettings>, ApiError> {
    if let Some(settings) = state.node.get().and_then(|node| node.org_of(&scope.name)) {
        return Ok(settings);
    }
    let stored = state
        .store
        .org_settings(&scope.name)
        .await?
        .unwrap_or_default();
    Ok(std::sync::Arc::new(stored))
}
