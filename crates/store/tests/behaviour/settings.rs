//! The organisation's settings: one document, replaced whole by a save.

use crate::backends::every_backend;
use crate::common::org_settings;
use mailflow_core::DomainType;

#[tokio::test]
async fn org_settings_round_trip_and_are_replaced_by_a_save() {
    for backend in every_backend().await {
        let (name, store) = (backend.name(), backend.settings());
        assert_eq!(store.org_settings("acme").await.unwrap(), None, "{name}");
        let mut saved = org_settings();
        store.save_org_settings("acme", &saved).await.unwrap();
        assert_eq!(
            store.org_settings("acme").await.unwrap(),
            Some(saved.clone()),
            "{name}"
        );
        saved.accepted_domains[0].kind = DomainType::Authoritative;
        saved.connectors[0].enabled = false;
        store.save_org_settings("acme", &saved).await.unwrap();
        assert_eq!(
            store.org_settings("acme").await.unwrap(),
            Some(saved),
            "{name}"
        );
        assert_eq!(store.org_settings("other").await.unwrap(), None, "{name}");
    }
}
