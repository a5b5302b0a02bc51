//! Organisations as a whole: made once and listed by name; removed with
//! every row they own, in every table, but only once none of their mail
//! waits and no report is owed for it; renamed with every row, every
//! waiting count and every queue key. And what names an organisation
//! beside them: admin tokens (one name in two organisations), audit
//! entries and message listings, each read for one organisation or for
//! all.

use crate::backends::{Backend, every_backend};
use crate::common::*;
use mailflow_core::MessageId;
use mailflow_store::{
    AdminToken, AlertObservation, AlertRule, AlertSettings, AlertValues, AuditEntry,
    ConnectorQueueStats, HistoryBucket, MessageFilter, NewMessage, NewNotification, NewRecipient,
    NextHopHold, NotificationChannel, OrgRemoval, OrgRename, StoredMessage, TokenScope,
};
use serde_json::json;
use time::OffsetDateTime;

const ACME: &str = "acme";
const FABRIKAM: &str = "fabrikam";
const CONTOSO: &str = "contoso";

/// Every table that keeps an organisation's rows as they are.
const TABLES: [&str; 13] = [
    "messages",
    "recipients",
    "events",
    "history",
    "org_settings",
    "alert_settings",
    "alerts",
    "alert_outbox",
    "alert_daily_counts",
    "invalid_recipients",
    "submission_users",
    "admin_tokens",
    "audit_log",
];

/// The waiting counts, which follow the recipients.
const COUNT_TABLES: [&str; 2] = ["pending_counts", "suspended_counts"];

/// The connector (and next hop) of each organisation's mail, so that a
/// claim for one never takes the other's.
fn connector_of(org: &str) -> &'static str {
    if org == FABRIKAM { "partner" } else { "onprem" }
}

/// The queue key of `org`'s `connector` (`acme/onprem`).
fn hop(org: &str, connector: &str) -> String {
    format!("{org}/{connector}")
}

/// A message of `org` to `addresses`, through `connector`, queued under
/// the organisation's key for it.
fn org_message(org: &str, connector: &str, addresses: &[&str]) -> NewMessage {
    let recipients = addresses
        .iter()
        .map(|address| NewRecipient {
            next_hop: hop(org, connector),
            ..recipient(address, Some(connector))
        })
        .collect();
    let mut message = message(t0(), "alice@acme.test", recipients);
    message.org = org.to_string();
    message
}

/// A hold of `next_hop` until `until`.
fn hold(next_hop: &str, until: OffsetDateTime) -> NextHopHold {
    NextHopHold {
        next_hop: next_hop.into(),
        until,
        failures: 1,
        diagnosis: refused(),
    }
}

fn token(org: Option<&str>, name: &str, digest: &str) -> AdminToken {
    AdminToken {
        org: org.map(str::to_string),
        name: name.into(),
        scope: TokenScope::Admin,
        digest: digest.into(),
        created_at: t0(),
        created_by: "cli:root".into(),
        last_used_at: None,
    }
}

fn entry(org: Option<&str>, action: &str) -> AuditEntry {
    AuditEntry {
        id: 0,
        at: t0(),
        org: org.map(str::to_string),
        actor: "ops@acme.test".into(),
        action: action.into(),
        target: "onprem".into(),
        before: json!({"suspended": false}),
        after: json!({"suspended": true}),
        undone_at: None,
    }
}

/// Gives `org` rows in every table, none of them waiting: its settings; a
/// message suspended and resumed (operator events, and a suspended count
/// back at zero), then one recipient delivered and one failed whose report
/// is queued (the waiting count back at zero); an alert with a
/// notification; history; an invalid recipient; a user; a token; an audit
/// entry. Returns the message.
async fn fill(backend: &Backend, org: &str) -> MessageId {
    let store = backend.store();
    assert!(store.create_org(org, &org_settings()).await.unwrap());
    store
        .save_alert_settings(org, &AlertSettings::default())
        .await
        .unwrap();
    let connector = connector_of(org);
    let m = org_message(org, connector, &["bob@acme.test", "carol@acme.test"]);
    store.accept_message(m.clone()).await.unwrap();
    store
        .suspend_connector_queue(org, connector, t0(), "ops")
        .await
        .unwrap();
    store
        .resume_connector_queue(org, connector, t0(), "ops")
        .await
        .unwrap();
    let at = t0() + minutes(1);
    let claimed = store
        .claim(&hop(org, connector), at, "node-a", LEASE, 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    store
        .record(vec![delivery(m.id, 0, at), failure(m.id, 1, at)], vec![])
        .await
        .unwrap();
    store.reports_queued(m.id, &[1]).await.unwrap();

    let alert = store
        .observe_alert(AlertObservation {
            org: org.into(),
            connector: Some(connector.into()),
            code: "4.4.316".into(),
            rule: AlertRule::QueuedCount,
            values: AlertValues::default(),
            at: t0(),
        })
        .await
        .unwrap()
        .alert;
    let notification = NewNotification {
        alert_id: alert.id,
        channel: NotificationChannel::Webhook,
        payload: "{}".into(),
    };
    store
        .enqueue_notifications(org, 10, vec![notification], t0())
        .await
        .unwrap();
    store
        .save_history(vec![HistoryBucket {
            org: org.into(),
            connector: Some(connector.into()),
            minute: t0(),
            queued: 1,
            failures: vec![("4.4.316".into(), 1)],
        }])
        .await
        .unwrap();
    store
        .record_invalid_recipient(org, "192.0.2.9", t0())
        .await
        .unwrap();
    store
        .save_submission_user(org, "alice", "$argon2id$alice")
        .await
        .unwrap();
    let digest = format!("sha256:{org}");
    assert!(
        store
            .create_admin_token(token(Some(org), "ci", &digest))
            .await
            .unwrap()
    );
    store
        .append_audit(entry(Some(org), "suspend"))
        .await
        .unwrap();

    for (table, rows) in rows_of(backend, org, &TABLES).await {
        assert!(rows > 0, "{}: {org} has rows in {table}", backend.name());
    }
    for (table, rows) in rows_of(backend, org, &COUNT_TABLES).await {
        assert!(
            rows > 0,
            "{}: {org} has zero counts in {table}",
            backend.name()
        );
    }
    m.id
}

/// The organisation's rows in each of `tables`, once the events of every
/// write so far are written.
async fn rows_of(
    backend: &Backend,
    org: &str,
    tables: &[&'static str],
) -> Vec<(&'static str, i64)> {
    // Reading a message's events waits for the events still to be written.
    backend.store().events(MessageId::new()).await.unwrap();
    let mut rows = Vec::new();
    for table in tables {
        rows.push((*table, backend.org_rows(table, org).await));
    }
    rows
}

fn none_in(tables: &[&'static str]) -> Vec<(&'static str, i64)> {
    tables.iter().map(|table| (*table, 0)).collect()
}

#[tokio::test]
async fn org_names_lists_the_organisations_made_by_name() {
    for backend in every_backend().await {
        let (name, store) = (backend.name(), backend.settings());
        assert!(store.org_names().await.unwrap().is_empty(), "{name}");
        for org in [FABRIKAM, CONTOSO, ACME] {
            assert!(
                store.create_org(org, &org_settings()).await.unwrap(),
                "{name}"
            );
        }
        assert_eq!(
            store.org_names().await.unwrap(),
            [ACME, CONTOSO, FABRIKAM],
            "{name}"
        );
        assert_eq!(
            store.org_settings(ACME).await.unwrap(),
            Some(org_settings()),
            "{name}"
        );
    }
}

#[tokio::test]
async fn making_an_organisation_twice_is_refused_and_keeps_the_first_settings() {
    for backend in every_backend().await {
        let (name, store) = (backend.name(), backend.settings());
        let first = org_settings();
        assert!(store.create_org(ACME, &first).await.unwrap(), "{name}");
        let mut second = org_settings();
        second.connectors[0].enabled = false;
        assert!(!store.create_org(ACME, &second).await.unwrap(), "{name}");
        assert!(
            !store.create_org("", &second).await.unwrap(),
            "{name}: '' stands for every organisation"
        );
        assert_eq!(
            store.org_settings(ACME).await.unwrap(),
            Some(first),
            "{name}"
        );
        assert_eq!(store.org_names().await.unwrap(), [ACME], "{name}");
    }
}

#[tokio::test]
async fn an_organisation_is_not_removed_while_a_recipient_of_it_waits() {
    for backend in every_backend().await {
        let (name, store) = (backend.name(), backend.store());
        assert!(store.create_org(ACME, &org_settings()).await.unwrap());
        let m = org_message(
            ACME,
            "onprem",
            &["a@acme.test", "b@acme.test", "c@acme.test"],
        );
        store.accept_message(m.clone()).await.unwrap();
        let refused = |recipients| OrgRemoval::StillQueued {
            recipients,
            reports: 0,
        };
        assert_eq!(
            store.remove_org(ACME).await.unwrap(),
            refused(3),
            "{name}: queued"
        );

        let at = t0() + minutes(1);
        store
            .claim(&hop(ACME, "onprem"), at, "node-a", LEASE, 10)
            .await
            .unwrap();
        assert_eq!(
            store.remove_org(ACME).await.unwrap(),
            refused(3),
            "{name}: in flight"
        );

        let retry = at + minutes(5);
        store
            .record(
                vec![
                    deferral(m.id, 0, at, retry),
                    deferral(m.id, 1, at, retry),
                    delivery(m.id, 2, at),
                ],
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(
            store.remove_org(ACME).await.unwrap(),
            refused(2),
            "{name}: deferred"
        );
        store
            .suspend_connector_queue(ACME, "onprem", at, "ops")
            .await
            .unwrap();
        assert_eq!(
            store.remove_org(ACME).await.unwrap(),
            refused(2),
            "{name}: suspended"
        );

        // Nothing was changed by the refusals.
        assert_eq!(store.org_names().await.unwrap(), [ACME], "{name}");
        let kept = store
            .message(m.id)
            .await
            .unwrap()
            .expect("the message stays");
        assert_eq!(kept.org, ACME, "{name}");

        // Delivered, the last recipients leave nothing waiting.
        store
            .resume_connector_queue(ACME, "onprem", retry, "ops")
            .await
            .unwrap();
        store
            .claim(&hop(ACME, "onprem"), retry, "node-a", LEASE, 10)
            .await
            .unwrap();
        store
            .record(
                vec![delivery(m.id, 0, retry), delivery(m.id, 1, retry)],
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(
            store.remove_org(ACME).await.unwrap(),
            OrgRemoval::Removed,
            "{name}"
        );
        assert!(store.message(m.id).await.unwrap().is_none(), "{name}");
    }
}

#[tokio::test]
async fn an_organisation_is_not_removed_while_a_report_to_a_sender_is_owed() {
    for backend in every_backend().await {
        let (name, store) = (backend.name(), backend.store());
        assert!(store.create_org(ACME, &org_settings()).await.unwrap());
        let m = org_message(ACME, "onprem", &["bob@acme.test"]);
        store.accept_message(m.clone()).await.unwrap();
        store
            .claim(&hop(ACME, "onprem"), t0(), "node-a", LEASE, 10)
            .await
            .unwrap();
        store
            .record(vec![failure(m.id, 0, t0())], vec![])
            .await
            .unwrap();

        assert_eq!(
            store.remove_org(ACME).await.unwrap(),
            OrgRemoval::StillQueued {
                recipients: 0,
                reports: 1
            },
            "{name}"
        );
        assert_eq!(store.org_names().await.unwrap(), [ACME], "{name}");
        assert!(store.message(m.id).await.unwrap().is_some(), "{name}");

        store.reports_queued(m.id, &[0]).await.unwrap();
        assert_eq!(
            store.remove_org(ACME).await.unwrap(),
            OrgRemoval::Removed,
            "{name}"
        );
    }
}

#[tokio::test]
async fn removing_an_organisation_leaves_no_row_of_it_in_any_table_and_keeps_the_others() {
    for backend in every_backend().await {
        let (name, store) = (backend.name(), backend.store());
        let removed = fill(&backend, ACME).await;
        fill(&backend, FABRIKAM).await;
        let waiting = org_message(FABRIKAM, "partner", &["dave@fabrikam.test"]);
        store.accept_message(waiting.clone()).await.unwrap();
        assert!(
            store
                .create_admin_token(token(None, "root", "sha256:root"))
                .await
                .unwrap()
        );
        let cluster_entry = store.append_audit(entry(None, "node-drain")).await.unwrap();
        for org in [ACME, FABRIKAM] {
            let held = hold(&hop(org, connector_of(org)), t0() + minutes(30));
            store.hold_next_hop(held).await.unwrap();
        }
        let all_tables = [&TABLES[..], &COUNT_TABLES[..]].concat();
        let others = rows_of(&backend, FABRIKAM, &all_tables).await;

        assert_eq!(
            store.remove_org(ACME).await.unwrap(),
            OrgRemoval::Removed,
            "{name}"
        );

        assert_eq!(
            rows_of(&backend, ACME, &all_tables).await,
            none_in(&all_tables),
            "{name}"
        );
        assert_eq!(
            rows_of(&backend, FABRIKAM, &all_tables).await,
            others,
            "{name}"
        );
        assert!(store.message(removed).await.unwrap().is_none(), "{name}");
        assert!(store.body(removed).await.unwrap().is_none(), "{name}");
        assert!(store.events(removed).await.unwrap().is_empty(), "{name}");
        assert!(
            store.body(waiting.id).await.unwrap().is_some(),
            "{name}: the other organisation's body stays"
        );
        let tokens: Vec<_> = store
            .admin_tokens()
            .await
            .unwrap()
            .into_iter()
            .map(|t| (t.org, t.name))
            .collect();
        assert_eq!(
            tokens,
            [
                (None, "root".to_string()),
                (Some(FABRIKAM.into()), "ci".into())
            ],
            "{name}: the token of every organisation stays"
        );
        assert!(
            store.audit_entry(cluster_entry).await.unwrap().is_some(),
            "{name}: the cluster's audit entries stay"
        );
        let held = |org| {
            let (store, key) = (store.clone(), hop(org, connector_of(org)));
            async move { store.next_hop_hold(&key).await.unwrap().is_some() }
        };
        assert!(!held(ACME).await, "{name}: its holds go");
        assert!(held(FABRIKAM).await, "{name}: the other's stay");
        assert_eq!(store.org_names().await.unwrap(), [FABRIKAM], "{name}");
        assert_eq!(
            store.remove_org(ACME).await.unwrap(),
            OrgRemoval::Unknown,
            "{name}: once gone, unknown"
        );
    }
}

/// Acme's mail that waits, in each way the counts tell apart.
struct Waiting {
    /// Deferred with a code (at `at`), through `onprem`.
    deferred: NewMessage,
    /// Queued, not tried yet, through `onprem`.
    queued: NewMessage,
    at: OffsetDateTime,
    /// When the hold of acme's `onprem` ends.
    hold_until: OffsetDateTime,
}

/// Fills acme and fabrikam (see `fill`), and gives acme mail that waits:
/// deferred with a code and queued without one (`onprem`, held), and
/// suspended (on another connector).
async fn acme_with_waiting_mail(backend: &Backend) -> Waiting {
    let store = backend.store();
    fill(backend, ACME).await;
    fill(backend, FABRIKAM).await;
    let deferred = org_message(ACME, "onprem", &["d@acme.test"]);
    store.accept_message(deferred.clone()).await.unwrap();
    let at = t0() + minutes(2);
    let onprem = hop(ACME, "onprem");
    store.claim(&onprem, at, "node-a", LEASE, 10).await.unwrap();
    let retry = deferral(deferred.id, 0, at, at + minutes(5));
    store.record(vec![retry], vec![]).await.unwrap();
    let queued = org_message(ACME, "onprem", &["q@acme.test"]);
    let suspended = org_message(ACME, "hold", &["h@acme.test"]);
    for m in [&queued, &suspended] {
        store.accept_message(m.clone()).await.unwrap();
    }
    store
        .suspend_connector_queue(ACME, "hold", at, "ops")
        .await
        .unwrap();
    let hold_until = at + minutes(3);
    store
        .hold_next_hop(hold(&onprem, hold_until))
        .await
        .unwrap();
    Waiting {
        deferred,
        queued,
        at,
        hold_until,
    }
}

fn of_org(org: &str) -> MessageFilter {
    MessageFilter {
        org: Some(org.into()),
        ..MessageFilter::default()
    }
}

async fn rename_acme_to_contoso(backend: &Backend) {
    let renamed = backend.store().rename_org(ACME, CONTOSO).await.unwrap();
    assert_eq!(renamed, OrgRename::Renamed, "{}", backend.name());
}

#[tokio::test]
async fn renaming_an_organisation_moves_its_messages_settings_users_tokens_and_audit_entries() {
    for backend in every_backend().await {
        let (name, store) = (backend.name(), backend.store());
        acme_with_waiting_mail(&backend).await;
        let rows = rows_of(&backend, ACME, &TABLES).await;
        let others = rows_of(&backend, FABRIKAM, &TABLES).await;
        let messages = store.list_messages(&of_org(ACME)).await.unwrap();
        assert_eq!(messages.len(), 4, "{name}");

        rename_acme_to_contoso(&backend).await;

        // Every row, the messages and their recipients among them.
        assert_eq!(rows_of(&backend, CONTOSO, &TABLES).await, rows, "{name}");
        let none = none_in(&TABLES);
        assert_eq!(rows_of(&backend, ACME, &TABLES).await, none, "{name}");
        assert_eq!(rows_of(&backend, FABRIKAM, &TABLES).await, others, "{name}");
        let moved = store.list_messages(&of_org(CONTOSO)).await.unwrap();
        let ids = |list: &[StoredMessage]| list.iter().map(|m| m.id).collect::<Vec<_>>();
        assert_eq!(ids(&moved), ids(&messages), "{name}");
        assert!(moved.iter().all(|m| m.org == CONTOSO), "{name}");

        let names = store.org_names().await.unwrap();
        assert_eq!(names, [CONTOSO, FABRIKAM], "{name}");
        let settings = store.org_settings(CONTOSO).await.unwrap();
        assert_eq!(settings, Some(org_settings()), "{name}");
        assert_eq!(store.org_settings(ACME).await.unwrap(), None, "{name}");
        let users = store.submission_users(CONTOSO).await.unwrap();
        assert_eq!(users, ["alice"], "{name}");
        let users = store.submission_users(ACME).await.unwrap();
        assert!(users.is_empty(), "{name}");
        let token = store.admin_token_by_digest("sha256:acme").await.unwrap();
        assert_eq!(token.unwrap().org.as_deref(), Some(CONTOSO), "{name}");
        let audited = store.audit_entries(Some(CONTOSO), 0).await.unwrap();
        assert_eq!(audited.len(), 1, "{name}");
        assert_eq!(audited[0].org.as_deref(), Some(CONTOSO), "{name}");
        let audited = store.audit_entries(Some(ACME), 0).await.unwrap();
        assert!(audited.is_empty(), "{name}");
    }
}

#[tokio::test]
async fn renaming_an_organisation_moves_its_waiting_counts_and_later_outcomes_count_there() {
    for backend in every_backend().await {
        let (name, store) = (backend.name(), backend.store());
        let waiting = acme_with_waiting_mail(&backend).await;
        let stats = store.queue_stats(ACME).await.unwrap();
        let counts = store.waiting_counts(ACME).await.unwrap();
        let counted = backend.pending_from_rows(ACME).await;
        assert_eq!(counted.iter().map(|c| c.2).sum::<i64>(), 3, "{name}");

        rename_acme_to_contoso(&backend).await;

        // The same statistics, but for the key of the last error's hop.
        let renamed_stats: Vec<_> = stats
            .into_iter()
            .map(|stats| ConnectorQueueStats {
                last_next_hop: stats.last_next_hop.map(|k| k.replace("acme/", "contoso/")),
                ..stats
            })
            .collect();
        let now = store.queue_stats(CONTOSO).await.unwrap();
        assert_eq!(now, renamed_stats, "{name}");
        let now = store.waiting_counts(CONTOSO).await.unwrap();
        assert_eq!(now, counts, "{name}");
        assert_eq!(backend.pending_from_rows(CONTOSO).await, counted, "{name}");
        assert!(store.queue_stats(ACME).await.unwrap().is_empty(), "{name}");
        let left = store.waiting_counts(ACME).await.unwrap();
        assert!(left.is_empty(), "{name}");
        let none = none_in(&COUNT_TABLES);
        assert_eq!(rows_of(&backend, ACME, &COUNT_TABLES).await, none, "{name}");

        let later = waiting.at + minutes(10);
        let contoso = hop(CONTOSO, "onprem");
        store
            .claim(&contoso, later, "node-a", LEASE, 10)
            .await
            .unwrap();
        let delivered = vec![
            delivery(waiting.deferred.id, 0, later),
            delivery(waiting.queued.id, 0, later),
        ];
        store.record(delivered, vec![]).await.unwrap();
        let left = store.queue_stats(CONTOSO).await.unwrap();
        let left: Vec<_> = left
            .iter()
            .map(|s| (s.connector.as_deref(), s.queued))
            .collect();
        assert_eq!(left, [(Some("hold"), 1)], "{name}");
        assert!(store.queue_stats(ACME).await.unwrap().is_empty(), "{name}");
        let counted = backend.pending_from_rows(CONTOSO).await;
        assert_eq!(counted, [(Some("hold".to_string()), None, 1)], "{name}");
    }
}

#[tokio::test]
async fn renaming_an_organisation_moves_its_queue_keys_and_holds() {
    for backend in every_backend().await {
        let (name, store) = (backend.name(), backend.store());
        let waiting = acme_with_waiting_mail(&backend).await;

        rename_acme_to_contoso(&backend).await;

        let moved = store.list_messages(&of_org(CONTOSO)).await.unwrap();
        let keys: Vec<_> = moved
            .iter()
            .flat_map(|m| m.recipients.iter().map(|r| r.next_hop.clone()))
            .collect();
        assert_eq!(keys.len(), 5, "{name}");
        assert!(
            keys.iter().all(|k| k.starts_with("contoso/")),
            "{name}: {keys:?}"
        );
        let (acme, contoso) = (hop(ACME, "onprem"), hop(CONTOSO, "onprem"));
        let held = store.next_hop_hold(&contoso).await.unwrap();
        assert_eq!(held.map(|h| h.until), Some(waiting.hold_until), "{name}");
        assert!(
            store.next_hop_hold(&acme).await.unwrap().is_none(),
            "{name}"
        );

        let later = waiting.at + minutes(10);
        let by_old_key = store
            .claim(&acme, later, "node-a", LEASE, 10)
            .await
            .unwrap();
        assert!(by_old_key.is_empty(), "{name}");
        let claimed = store
            .claim(&contoso, later, "node-a", LEASE, 10)
            .await
            .unwrap();
        let ids: Vec<_> = claimed.iter().map(|c| c.id).collect();
        assert_eq!(
            ids.len(),
            2,
            "{name}: the waiting mail is due under the new key"
        );
        assert!(ids.contains(&waiting.deferred.id) && ids.contains(&waiting.queued.id));
    }
}

#[tokio::test]
async fn renaming_onto_a_name_taken_or_from_an_unknown_one_is_refused_and_changes_nothing() {
    for backend in every_backend().await {
        let (name, store) = (backend.name(), backend.store());
        for org in [ACME, FABRIKAM] {
            assert!(store.create_org(org, &org_settings()).await.unwrap());
        }
        let m = org_message(ACME, "onprem", &["bob@acme.test"]);
        store.accept_message(m.clone()).await.unwrap();

        assert_eq!(
            store.rename_org(ACME, FABRIKAM).await.unwrap(),
            OrgRename::Taken,
            "{name}"
        );
        assert_eq!(
            store.rename_org(ACME, "").await.unwrap(),
            OrgRename::Taken,
            "{name}: '' stands for every organisation"
        );
        assert_eq!(
            store.rename_org("nobody", CONTOSO).await.unwrap(),
            OrgRename::Unknown,
            "{name}"
        );
        assert_eq!(store.org_names().await.unwrap(), [ACME, FABRIKAM], "{name}");
        assert_eq!(
            store.message(m.id).await.unwrap().unwrap().org,
            ACME,
            "{name}"
        );
        assert_eq!(backend.pending_from_rows(ACME).await.len(), 1, "{name}");
        assert_eq!(
            store.queue_stats(ACME).await.unwrap()[0].queued,
            1,
            "{name}"
        );
        assert!(
            store.queue_stats(FABRIKAM).await.unwrap().is_empty(),
            "{name}"
        );
    }
}

/// (organisation, name) of every token, in list order.
async fn token_names(store: &dyn mailflow_store::AuthStore) -> Vec<(Option<String>, String)> {
    let tokens = store.admin_tokens().await.unwrap();
    tokens.into_iter().map(|t| (t.org, t.name)).collect()
}

/// Tokens called "ci" of acme (`sha256:aa`), of fabrikam (`sha256:bb`)
/// and of every organisation (`sha256:cc`), each taken.
async fn make_three_ci_tokens(store: &dyn mailflow_store::AuthStore, backend: &str) {
    let tokens = [
        (Some(ACME), "sha256:aa"),
        (Some(FABRIKAM), "sha256:bb"),
        (None, "sha256:cc"),
    ];
    for (org, digest) in tokens {
        let made = store.create_admin_token(token(org, "ci", digest)).await;
        assert!(made.unwrap(), "{backend}: {org:?}");
    }
}

fn named(org: Option<&str>, name: &str) -> (Option<String>, String) {
    (org.map(str::to_string), name.to_string())
}

#[tokio::test]
async fn two_organisations_may_each_have_a_token_of_the_same_name() {
    for backend in every_backend().await {
        let (name, store) = (backend.name(), backend.auth());
        make_three_ci_tokens(&*store, name).await;
        assert!(
            !store
                .create_admin_token(token(Some(ACME), "ci", "sha256:dd"))
                .await
                .unwrap(),
            "{name}: a name is taken once per organisation"
        );
        assert!(
            !store
                .create_admin_token(token(Some(FABRIKAM), "deploy", "sha256:aa"))
                .await
                .unwrap(),
            "{name}: a digest is taken once in all"
        );
        assert_eq!(
            token_names(&*store).await,
            [
                named(None, "ci"),
                named(Some(ACME), "ci"),
                named(Some(FABRIKAM), "ci")
            ],
            "{name}: those for every organisation first"
        );
        let found = store.admin_token_by_digest("sha256:bb").await.unwrap();
        assert_eq!(
            found.and_then(|t| t.org).as_deref(),
            Some(FABRIKAM),
            "{name}"
        );
        let everyone = store.admin_token_by_digest("sha256:cc").await.unwrap();
        assert_eq!(everyone.unwrap().org, None, "{name}");
    }
}

#[tokio::test]
async fn revoking_one_organisations_token_leaves_the_others_of_its_name() {
    for backend in every_backend().await {
        let (name, store) = (backend.name(), backend.auth());
        make_three_ci_tokens(&*store, name).await;
        let used = t0() + minutes(30);
        store
            .admin_token_used(Some(ACME), "ci", used)
            .await
            .unwrap();
        let last_used: Vec<_> = store
            .admin_tokens()
            .await
            .unwrap()
            .into_iter()
            .map(|t| t.last_used_at)
            .collect();
        assert_eq!(
            last_used,
            [None, Some(used), None],
            "{name}: only acme's was used"
        );

        assert!(
            store.revoke_admin_token(Some(ACME), "ci").await.unwrap(),
            "{name}"
        );
        assert!(
            !store.revoke_admin_token(Some(ACME), "ci").await.unwrap(),
            "{name}"
        );
        assert!(
            !store
                .revoke_admin_token(Some("nobody"), "ci")
                .await
                .unwrap(),
            "{name}"
        );
        assert_eq!(
            token_names(&*store).await,
            [named(None, "ci"), named(Some(FABRIKAM), "ci")],
            "{name}"
        );
        assert!(
            store.revoke_admin_token(None, "ci").await.unwrap(),
            "{name}"
        );
        assert_eq!(
            token_names(&*store).await,
            [named(Some(FABRIKAM), "ci")],
            "{name}"
        );
    }
}

#[tokio::test]
async fn audit_entries_are_listed_of_one_organisation_or_of_all() {
    for backend in every_backend().await {
        let (name, store) = (backend.name(), backend.audit());
        let first = store
            .append_audit(entry(Some(ACME), "suspend"))
            .await
            .unwrap();
        let cluster = store.append_audit(entry(None, "node-drain")).await.unwrap();
        let other = store
            .append_audit(entry(Some(FABRIKAM), "suspend"))
            .await
            .unwrap();
        let last = store
            .append_audit(entry(Some(ACME), "resume"))
            .await
            .unwrap();
        let ids = |entries: Vec<AuditEntry>| entries.iter().map(|e| e.id).collect::<Vec<_>>();

        let of_acme = store.audit_entries(Some(ACME), 0).await.unwrap();
        assert!(
            of_acme.iter().all(|e| e.org.as_deref() == Some(ACME)),
            "{name}"
        );
        assert_eq!(ids(of_acme), [last, first], "{name}");
        assert_eq!(
            ids(store.audit_entries(Some(ACME), 1).await.unwrap()),
            [last],
            "{name}: the limit counts that organisation's"
        );
        assert_eq!(
            ids(store.audit_entries(None, 0).await.unwrap()),
            [last, other, cluster, first],
            "{name}: every entry"
        );
        assert!(
            store
                .audit_entries(Some("nobody"), 0)
                .await
                .unwrap()
                .is_empty(),
            "{name}"
        );
        let stored = store.audit_entry(cluster).await.unwrap().unwrap();
        assert_eq!(stored.org, None, "{name}");
    }
}

#[tokio::test]
async fn messages_are_listed_of_the_organisation_the_filter_names() {
    for backend in every_backend().await {
        let (name, store) = (backend.name(), backend.store());
        // One recipient in both: a listing by recipient walks the
        // recipients, the others the messages.
        let of_acme = org_message(ACME, "onprem", &["bob@acme.test"]);
        let of_fabrikam = org_message(FABRIKAM, "partner", &["bob@acme.test"]);
        for m in [&of_acme, &of_fabrikam] {
            store.accept_message(m.clone()).await.unwrap();
        }
        let listed = |org: Option<&str>, recipient: Option<&str>| {
            let store = store.clone();
            let filter = MessageFilter {
                org: org.map(str::to_string),
                recipient: recipient.map(str::to_string),
                ..MessageFilter::default()
            };
            async move {
                let found = store.list_messages(&filter).await.unwrap();
                let mut ids: Vec<_> = found.into_iter().map(|m| m.id).collect();
                ids.sort();
                ids
            }
        };
        let mut both = vec![of_acme.id, of_fabrikam.id];
        both.sort();
        assert_eq!(listed(Some(ACME), None).await, [of_acme.id], "{name}");
        assert_eq!(
            listed(Some(FABRIKAM), None).await,
            [of_fabrikam.id],
            "{name}"
        );
        assert_eq!(
            listed(Some(ACME), Some("bob@acme.test")).await,
            [of_acme.id],
            "{name}: by recipient"
        );
        assert_eq!(listed(None, None).await, both, "{name}");
        assert_eq!(listed(None, Some("bob@acme.test")).await, both, "{name}");
        assert!(listed(Some("nobody"), None).await.is_empty(), "{name}");
    }
}
