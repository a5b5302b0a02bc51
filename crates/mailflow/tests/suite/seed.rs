//! Organisation settings are seeded from the config only when the config's
//! part changed; edits made in the store in between survive restarts.

use mailflow::seed::{self, SeedOutcome};
use mailflow_core::{AcceptedDomain, DomainType, OrgSettings};
use mailflow_store::{SettingsStore, SqliteStore};

fn seed_with(domain: &str) -> OrgSettings {
    OrgSettings {
        accepted_domains: vec![AcceptedDomain {
            name: domain.into(),
            kind: DomainType::InternalRelay,
        }],
        ..Default::default()
    }
}

#[tokio::test]
async fn the_store_keeps_edits_until_the_config_itself_changes() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).await.unwrap();
    let config = seed_with("contoso.test");

    let first = seed::apply(&store, "default", &config, dir.path())
        .await
        .unwrap();
    assert_eq!(first, SeedOutcome::AppliedFirst);
    assert_eq!(
        store.org_settings("default").await.unwrap(),
        Some(config.clone())
    );

    // An edit through the API or a fix action: the domain becomes authoritative.
    let mut edited = config.clone();
    edited.accepted_domains[0].kind = DomainType::Authoritative;
    store.save_org_settings("default", &edited).await.unwrap();

    // A restart with the same config keeps the edit.
    let again = seed::apply(&store, "default", &config, dir.path())
        .await
        .unwrap();
    assert_eq!(again, SeedOutcome::Kept);
    assert_eq!(store.org_settings("default").await.unwrap(), Some(edited));

    // A changed config is applied.
    let changed = seed_with("fabrikam.test");
    let outcome = seed::apply(&store, "default", &changed, dir.path())
        .await
        .unwrap();
    assert_eq!(outcome, SeedOutcome::AppliedChanged);
    assert_eq!(store.org_settings("default").await.unwrap(), Some(changed));
    store.close().await.unwrap();
}

#[tokio::test]
async fn a_config_that_claims_another_organisations_domain_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).await.unwrap();
    assert!(
        store
            .create_org("globex", &seed_with("globex.test"))
            .await
            .unwrap()
    );
    let error = seed::apply(&store, "default", &seed_with("GLOBEX.test"), dir.path())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("GLOBEX.test is an accepted domain of the organisation globex"),
        "{error}"
    );
    assert_eq!(store.org_settings("default").await.unwrap(), None);
    // Its own domains it seeds.
    let outcome = seed::apply(&store, "default", &seed_with("contoso.test"), dir.path())
        .await
        .unwrap();
    assert_eq!(outcome, SeedOutcome::AppliedFirst);
    store.close().await.unwrap();
}
