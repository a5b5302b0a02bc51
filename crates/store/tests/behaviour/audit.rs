//! The audit log: entries appended with increasing ids, listed newest
//! first, read back whole, and undone once only.

use crate::backends::every_backend;
use mailflow_store::AuditEntry;
use serde_json::json;
use time::OffsetDateTime;
use time::macros::datetime;

fn t0() -> OffsetDateTime {
    datetime!(2030-01-01 08:00:00.123456789 UTC)
}

fn audit(action: &str) -> AuditEntry {
    AuditEntry {
        id: 0,
        at: t0(),
        org: Some("acme".into()),
        actor: "ops@acme.test".into(),
        action: action.into(),
        target: "onprem".into(),
        before: json!({"tls": "verify_ca"}),
        after: json!({"tls": "required"}),
        undone_at: None,
    }
}

#[tokio::test]
async fn audit_entries_are_appended_listed_newest_first_and_undone_once() {
    for backend in every_backend().await {
        let (name, store) = (backend.name(), backend.audit());
        let first = store.append_audit(audit("lower-tls")).await.unwrap();
        let second = store.append_audit(audit("suspend")).await.unwrap();
        assert!(second > first, "{name}");

        let listed = store.audit_entries(None, 10).await.unwrap();
        let actions: Vec<_> = listed.iter().map(|e| (e.id, e.action.as_str())).collect();
        assert_eq!(
            actions,
            [(second, "suspend"), (first, "lower-tls")],
            "{name}"
        );
        assert_eq!(
            store.audit_entries(None, 1).await.unwrap().len(),
            1,
            "{name}"
        );
        assert_eq!(
            store.audit_entries(None, 0).await.unwrap().len(),
            2,
            "{name}: 0 is all"
        );

        let stored = store.audit_entry(first).await.unwrap().unwrap();
        let expected = AuditEntry {
            id: first,
            ..audit("lower-tls")
        };
        assert_eq!(stored, expected, "{name}");

        let later = t0() + time::Duration::minutes(5);
        assert!(store.mark_undone(first, later).await.unwrap(), "{name}");
        assert!(
            !store.mark_undone(first, later).await.unwrap(),
            "{name}: undone once only"
        );
        assert!(
            !store.mark_undone(999, later).await.unwrap(),
            "{name}: no such entry"
        );
        let undone = store.audit_entry(first).await.unwrap().unwrap();
        assert_eq!(undone.undone_at, Some(later), "{name}");
        assert!(store.audit_entry(999).await.unwrap().is_none(), "{name}");
    }
}
