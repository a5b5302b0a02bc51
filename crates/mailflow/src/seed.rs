//! Seeding the organisation's settings from the config into the store.
//!
//! The config is where an organisation starts; the store is where it lives.
//! At start-up the config's organisation part (accepted domains,
//! connectors, directory) is saved to the store only when it differs from
//! the part applied last time; otherwise the store's settings are kept, so
//! that fix actions and API edits made since survive a restart. The
//! fingerprint of the last seed applied is kept in the data directory, with
//! a copy of that seed, so that when a changed config does replace the
//! store's settings, the edits it replaces can be named.

use mailflow_core::{OrgDiff, OrgSettings};
use mailflow_store::{AlertSettings, Store, StoreError};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The file in the data directory holding the fingerprint of the last seed.
pub const SEED_FILE: &str = "org-seed";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeedOutcome {
    /// The store had no settings for the organisation yet.
    AppliedFirst,
    /// The config's organisation part changed since the last seed.
    AppliedChanged,
    /// Same seed as last time: the store's settings (with any edits) stay.
    Kept,
    /// This node's first start on a store the nodes of a cluster share,
    /// which holds settings already: they stay (with the edits made
    /// through any node), and a later change to this node's config is
    /// applied as a change.
    JoinedCluster,
}

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("cannot read or save the organisation's settings: {0}")]
    Store(#[from] StoreError),
    #[error("cannot write {path}: {source}", path = path.display())]
    Fingerprint {
        path: PathBuf,
        source: std::io::Error,
    },
    /// An accepted domain of the config that another organisation accepts
    /// already: a domain's mail belongs to one organisation.
    #[error(
        "accepted_domains: {domain} is an accepted domain of the organisation {owner} already; remove it there first (mailflow domain remove {domain} --org {owner})"
    )]
    DomainOfAnother { domain: String, owner: String },
}

/// The copy of the last seed applied, in the data directory.
pub const SEED_COPY_FILE: &str = "org-seed.json";

/// What seeding did, and the store's edits a changed config replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seeded {
    pub outcome: SeedOutcome,
    /// From the store's settings to the config's, for the settings edited
    /// in the store (through the API or fixes) since the last seed. Without
    /// a copy of the last seed (a data directory from before it was kept),
    /// every difference between the store and the config.
    pub replaced: OrgDiff,
}

/// Saves `seed` as the organisation's settings when it is new or changed.
pub async fn apply(
    store: &dyn Store,
    org: &str,
    seed: &OrgSettings,
    data_dir: &Path,
) -> Result<SeedOutcome, SeedError> {
    Ok(apply_reporting(store, org, seed, data_dir).await?.outcome)
}

/// As `apply`, and when a changed config replaces settings edited in the
/// store since the last seed, logs each replaced edit and returns them.
pub async fn apply_reporting(
    store: &dyn Store,
    org: &str,
    seed: &OrgSettings,
    data_dir: &Path,
) -> Result<Seeded, SeedError> {
    let fingerprints = Fingerprints::read(data_dir.join(SEED_FILE), seed);
    let stored = store.org_settings(org).await?;
    let outcome = fingerprints.outcome(stored.is_some(), is_shared(store));
    if outcome == SeedOutcome::JoinedCluster {
        tracing::info!(
            "the shared store's settings are kept; this node's config applies from its next change"
        );
        fingerprints.record()?;
        return Ok(Seeded {
            outcome,
            replaced: OrgDiff::default(),
        });
    }
    let mut replaced = OrgDiff::default();
    if outcome != SeedOutcome::Kept {
        if let Some(stored) = &stored {
            let last_seed = read_seed_copy(&data_dir.join(SEED_COPY_FILE));
            replaced = replaced_edits(last_seed.as_ref(), stored, seed);
            for change in &replaced.changes {
                tracing::warn!(
                    change = %change.to_string().replace("\n    ", "; "),
                    "the changed config replaces a setting edited in the store since the last start"
                );
            }
        }
        refuse_others_domains(store, org, seed).await?;
        store.save_org_settings(org, seed).await?;
        let copy = serde_json::to_string(seed).expect("settings serialize to JSON");
        let copy_path = data_dir.join(SEED_COPY_FILE);
        write_atomically(&copy_path, &copy).map_err(|source| SeedError::Fingerprint {
            path: copy_path,
            source,
        })?;
        fingerprints.record()?;
    }
    Ok(Seeded { outcome, replaced })
}

/// The config's accepted domains must not be another organisation's.
async fn refuse_others_domains(
    store: &dyn Store,
    org: &str,
    seed: &OrgSettings,
) -> Result<(), SeedError> {
    for other in store.org_names().await? {
        if other == org {
            continue;
        }
        let theirs = store.org_settings(&other).await?.unwrap_or_default();
        if let Some(domain) = seed
            .accepted_domains
            .iter()
            .find(|domain| theirs.accepted_domain(&domain.name).is_some())
        {
            return Err(SeedError::DomainOfAnother {
                domain: domain.name.clone(),
                owner: other,
            });
        }
    }
    Ok(())
}

fn read_seed_copy(path: &Path) -> Option<OrgSettings> {
    let text = std::fs::read_to_string(path).ok()?;
    serde_json::from_str(&text).ok()
}

/// The changes from `stored` to `seed` of the settings that were edited
/// since `last_seed` (all of them when the last seed is not known).
fn replaced_edits(
    last_seed: Option<&OrgSettings>,
    stored: &OrgSettings,
    seed: &OrgSettings,
) -> OrgDiff {
    let all = OrgDiff::between(stored, seed);
    let Some(last_seed) = last_seed else {
        return all;
    };
    let edits = OrgDiff::between(last_seed, stored);
    let edited: Vec<_> = edits.changes.iter().map(|c| c.subject()).collect();
    OrgDiff {
        changes: all
            .changes
            .into_iter()
            .filter(|change| edited.contains(&change.subject()))
            .collect(),
    }
}

/// What the next start will do with `seed`, as far as the data directory
/// tells without opening the store (which a running node holds): seed it
/// for the first time, replace the store's settings because the config's
/// organisation part changed, or keep the store's settings.
pub fn next_start(data_dir: &Path, seed: &OrgSettings) -> SeedOutcome {
    let fingerprints = Fingerprints::read(data_dir.join(SEED_FILE), seed);
    let seeded_before = fingerprints.last.is_some();
    fingerprints.outcome(seeded_before, false)
}

/// Whether other nodes share the store (a node joining them keeps their
/// settings rather than seeding its own).
fn is_shared(store: &dyn Store) -> bool {
    store.changes().is_some()
}

/// The file in the data directory holding the fingerprint of the last
/// alert settings seeded (`[alerts]`), kept apart from the organisation's.
pub const ALERTS_SEED_FILE: &str = "alerts-seed";

/// Saves the config's `[alerts]` as the organisation's alert settings when
/// they are new or changed since the last seed, as `apply` does for the rest.
pub async fn apply_alerts(
    store: &dyn Store,
    org: &str,
    seed: &AlertSettings,
    data_dir: &Path,
) -> Result<SeedOutcome, SeedError> {
    let fingerprints = Fingerprints::read(data_dir.join(ALERTS_SEED_FILE), seed);
    let stored = store.alert_settings(org).await?.is_some();
    let outcome = fingerprints.outcome(stored, is_shared(store));
    match outcome {
        SeedOutcome::Kept => {}
        SeedOutcome::JoinedCluster => fingerprints.record()?,
        SeedOutcome::AppliedFirst | SeedOutcome::AppliedChanged => {
            store.save_alert_settings(org, seed).await?;
            fingerprints.record()?;
        }
    }
    Ok(outcome)
}

/// A seed's fingerprint, the one recorded at the last seed, and the file
/// that records it.
struct Fingerprints {
    path: PathBuf,
    seed: String,
    last: Option<String>,
}

impl Fingerprints {
    fn read<T: Serialize>(path: PathBuf, seed: &T) -> Self {
        let last = std::fs::read_to_string(&path).ok();
        Fingerprints {
            seed: fingerprint_of(seed),
            last,
            path,
        }
    }

    /// Whether the seed is saved, given whether the store holds settings
    /// and whether other nodes share it.
    fn outcome(&self, stored: bool, shared: bool) -> SeedOutcome {
        if !stored {
            SeedOutcome::AppliedFirst
        } else if shared && self.last.is_none() {
            SeedOutcome::JoinedCluster
        } else if self.last.as_deref().map(str::trim) != Some(self.seed.as_str()) {
            SeedOutcome::AppliedChanged
        } else {
            SeedOutcome::Kept
        }
    }

    /// Records the seed's fingerprint as the last one applied.
    fn record(self) -> Result<(), SeedError> {
        write_atomically(&self.path, &format!("{}\n", self.seed)).map_err(|source| {
            SeedError::Fingerprint {
                path: self.path,
                source,
            }
        })
    }
}

/// A stable fingerprint of settings: FNV-1a (64 bits) over their JSON.
/// It only has to notice that the config changed, not resist anyone.
fn fingerprint_of<T: Serialize>(settings: &T) -> String {
    let json = serde_json::to_vec(settings).expect("mailflow settings serialize to JSON");
    let hash = json.iter().fold(0xcbf2_9ce4_8422_2325u64, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    format!("fnv1a64:{hash:016x}")
}

fn write_atomically(path: &Path, contents: &str) -> std::io::Result<()> {
    let temporary = path.with_extension("tmp");
    mailflow_store::private_files::write(&temporary, contents.as_bytes())?;
    std::fs::rename(&temporary, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_settings_edited_since_the_last_seed_count_as_replaced() {
        let mut last_seed = OrgSettings::default();
        last_seed.directory.insert("alice@contoso.test");
        // Edited in the store: bob added.
        let mut stored = last_seed.clone();
        stored.directory.insert("bob@contoso.test");
        // The new config adds carol, and does not know bob.
        let mut seed = last_seed.clone();
        seed.directory.insert("carol@contoso.test");
        let replaced = replaced_edits(Some(&last_seed), &stored, &seed);
        assert_eq!(replaced.to_string(), "- directory entry bob@contoso.test");
        let unknown = replaced_edits(None, &stored, &seed);
        assert_eq!(unknown.changes.len(), 2);
    }

    #[test]
    fn the_fingerprint_changes_with_the_settings_and_only_then() {
        let mut settings = OrgSettings::default();
        let empty = fingerprint_of(&settings);
        assert_eq!(empty, fingerprint_of(&OrgSettings::default()));
        settings.directory.insert("alice@contoso.test");
        assert_ne!(empty, fingerprint_of(&settings));
    }
}
