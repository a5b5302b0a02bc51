//! Seeding the organisation's settings from the config into the store.
//!
//! The config is where an organisation starts; the store is where it lives.
//! At start-up the config's organisation part (accepted domains,
//! connectors, directory) is saved to the store only when it differs from
//! the part applied last time; otherwise the store's settings are kept, so
//! that fix actions and API edits made since survive a restart. The
//! fingerprint of the last seed applied is kept in the data directory.

use mailflow_core::OrgSettings;
use mailflow_store::{AlertSettings, Store, StoreError};
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
}

/// Saves `seed` as the organisation's settings when it is new or changed.
pub async fn apply(
    store: &dyn Store,
    org: &str,
    seed: &OrgSettings,
    data_dir: &Path,
) -> Result<SeedOutcome, SeedError> {
    let fingerprint_path = data_dir.join(SEED_FILE);
    let fingerprint = fingerprint_of(seed);
    let last = std::fs::read_to_string(&fingerprint_path).ok();
    let outcome = match store.org_settings(org).await? {
        None => SeedOutcome::AppliedFirst,
        Some(_) if last.as_deref().map(str::trim) != Some(fingerprint.as_str()) => {
            SeedOutcome::AppliedChanged
        }
        Some(_) => return Ok(SeedOutcome::Kept),
    };
    store.save_org_settings(org, seed).await?;
    write_atomically(&fingerprint_path, &format!("{fingerprint}\n")).map_err(|source| {
        SeedError::Fingerprint {
            path: fingerprint_path,
            source,
        }
    })?;
    Ok(outcome)
}

/// A stable fingerprint of the settings: FNV-1a (64 bits) over their JSON.
/// It only has to notice that the config changed, not resist anyone.
fn fingerprint_of(settings: &OrgSettings) -> String {
    let json = serde_json::to_vec(settings).expect("organisation settings serialize to JSON");
    let hash = json.iter().fold(0xcbf2_9ce4_8422_2325u64, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    format!("fnv1a64:{hash:016x}")
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
    let fingerprint_path = data_dir.join(ALERTS_SEED_FILE);
    let json = serde_json::to_vec(seed).expect("alert settings serialize to JSON");
    let fingerprint = fnv1a64(&json);
    let last = std::fs::read_to_string(&fingerprint_path).ok();
    let outcome = match store.alert_settings(org).await? {
        None => SeedOutcome::AppliedFirst,
        Some(_) if last.as_deref().map(str::trim) != Some(fingerprint.as_str()) => {
            SeedOutcome::AppliedChanged
        }
        Some(_) => return Ok(SeedOutcome::Kept),
    };
    store.save_alert_settings(org, seed).await?;
    write_atomically(&fingerprint_path, &format!("{fingerprint}\n")).map_err(|source| {
        SeedError::Fingerprint {
            path: fingerprint_path,
            source,
        }
    })?;
    Ok(outcome)
}

fn fnv1a64(bytes: &[u8]) -> String {
    let hash = bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    format!("fnv1a64:{hash:016x}")
}

fn write_atomically(path: &Path, contents: &str) -> std::io::Result<()> {
    let temporary = path.with_extension("tmp");
    std::fs::write(&temporary, contents)?;
    std::fs::rename(&temporary, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fingerprint_changes_with_the_settings_and_only_then() {
        let mut settings = OrgSettings::default();
        let empty = fingerprint_of(&settings);
        assert_eq!(empty, fingerprint_of(&OrgSettings::default()));
        settings.directory.insert("alice@contoso.test");
        assert_ne!(empty, fingerprint_of(&settings));
    }
}
