//! Insights computed from a real SQLite store and a manual clock: the queue
//! state is built through the store's own API (accept, claim, record with
//! the diagnosis), as the relay builds it.

use mailflow_core::{
    AcceptedDomain, AddressResult, CertProblem, CertificateSummary, Clock, Connector,
    ConnectorKind, Diagnosis, DnsOutcome, DnsRecordType, DomainType, DropKind, DropStage,
    EnhancedCode, Event, EventKind, ManualClock, MessageId, OrgSettings, RecipientState,
    RemoteReply, Route, ServerRefusal, SmartHost, Stage, TlsPolicy,
};
use mailflow_insight::{
    ConnectorInsight, HistorySettings, Language, Status, connector_insight, connector_insights,
    run_history, run_history_with, sample_minute,
};
use mailflow_store::{
    LastError, NewMessage, NewRecipient, RecipientUpdate, SharedStore, SqliteStore,
};
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;
use time::macros::datetime;
use tokio_util::sync::CancellationToken;

const ORG: &str = "acme";
const SERVER: &str = "192.0.2.25:25";

struct Fixture {
    _dir: tempfile::TempDir,
    store: SharedStore,
    clock: Arc<ManualClock>,
}

fn settings() -> OrgSettings {
    OrgSettings {
        accepted_domains: vec![AcceptedDomain {
            name: "contoso.test".into(),
            kind: DomainType::InternalRelay,
        }],
        connectors: vec![Connector {
            name: "onprem".into(),
            kind: ConnectorKind::OnPremises,
            enabled: true,
            recipient_domains: vec!["contoso.test".into()],
            smart_hosts: vec![SmartHost {
                host: "mail.contoso.test".into(),
                port: Some(25),
            }],
            tls: TlsPolicy::VerifyName,
            tls_name: None,
            connect_timeout: None,
            command_timeout: None,
            max_connections: 4,
        }],
        directory: Default::default(),
    }
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store: SharedStore = Arc::new(SqliteStore::open(dir.path()).await.unwrap());
    store.save_org_settings(ORG, &settings()).await.unwrap();
    let clock = Arc::new(ManualClock::new(datetime!(2030-01-01 10:00:30 UTC)));
    Fixture {
        _dir: dir,
        store,
        clock,
    }
}

impl Fixture {
    fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    /// Accepts a message to `count` recipients routed through `onprem`.
    async fn accept(&self, count: usize) -> MessageId {
        let id = MessageId::new();
        let recipients = (0..count)
            .map(|i| NewRecipient {
                reason: None,
                address: format!("user{i}@contoso.test"),
                dsn: Default::default(),
                route: Route {
                    connector: Some("onprem".into()),
                    domain: "contoso.test".into(),
                },
                next_hop: "onprem".into(),
            })
            .collect();
        let now = self.now();
        self.store
            .accept_message(NewMessage {
                message_id_header: None,
                id,
                org: ORG.into(),
                sender: "alice@fabrikam.test".into(),
                client: "192.0.2.9".into(),
                received_at: now,
                expires_at: now + Duration::from_secs(24 * 3600),
                dsn: Default::default(),
                body: b"Subject: hi\r\n\r\nhi\r\n".to_vec().into(),
                recipients,
            })
            .await
            .unwrap();
        id
    }

    /// Claims what is due on `onprem` and records one attempt: every
    /// recipient deferred with `diagnosis`, or delivered when `None`.
    async fn attempt(&self, diagnosis: Option<Diagnosis>) {
        let now = self.now();
        let claimed = self
            .store
            .claim("onprem", now, "node", Duration::from_secs(300), 100)
            .await
            .unwrap();
        assert!(!claimed.is_empty(), "something was due");
        let mut updates = Vec::new();
        let mut events = Vec::new();
        for message in &claimed {
            events.push(event(
                message.id,
                now,
                None,
                EventKind::Attempt {
                    results: vec![AddressResult {
                        host: "mail.contoso.test".into(),
                        addr: Some(SERVER.parse().unwrap()),
                        stage: Stage::Connect,
                        diagnosis: diagnosis.clone(),
                        elapsed_ms: 5,
                    }],
                },
            ));
            for r in &message.recipients {
                let (update, kind) = outcome(message.id, r.index, now, diagnosis.clone());
                updates.push(update);
                events.push(event(message.id, now, Some(r.address.clone()), kind));
            }
        }
        self.store.record(updates, events).await.unwrap();
    }

    async fn insight(&self) -> ConnectorInsight {
        connector_insight(
            self.store.as_ref(),
            self.clock.as_ref(),
            ORG,
            Some("onprem"),
            Language::English,
        )
        .await
        .unwrap()
        .expect("onprem is configured")
    }

    fn advance(&self, minutes: u64) {
        self.clock.advance(Duration::from_secs(minutes * 60));
    }
}

fn event(id: MessageId, at: OffsetDateTime, recipient: Option<String>, kind: EventKind) -> Event {
    Event {
        at,
        message_id: id,
        recipient,
        next_hop: Some("onprem".into()),
        connector: Some("onprem".into()),
        kind,
    }
}

fn outcome(
    id: MessageId,
    index: u32,
    now: OffsetDateTime,
    diagnosis: Option<Diagnosis>,
) -> (RecipientUpdate, EventKind) {
    let mut update = RecipientUpdate {
        message_id: id,
        index,
        state: RecipientState::Delivered,
        attempts_added: 1,
        next_attempt_at: None,
        last_error: None,
        delivered_reply: Some("250 2.0.0 ok".into()),
        at: now,
    };
    let Some(diagnosis) = diagnosis else {
        let kind = EventKind::Delivered {
            reply: "250 2.0.0 ok".into(),
            server: Some(SERVER.into()),
        };
        return (update, kind);
    };
    let retry = now + Duration::from_secs(60);
    update.state = RecipientState::Deferred;
    update.next_attempt_at = Some(retry);
    update.delivered_reply = None;
    update.last_error = Some(LastError {
        diagnosis: diagnosis.clone(),
        server: Some(SERVER.into()),
        at: now,
    });
    (
        update,
        EventKind::Deferred {
            diagnosis,
            next_attempt_at: retry,
        },
    )
}

fn addr() -> std::net::SocketAddr {
    SERVER.parse().unwrap()
}

fn every_code() -> Vec<(Diagnosis, &'static str, &'static str)> {
    vec![
        (
            Diagnosis::DnsQueryFailed {
                name: "mail.contoso.test".into(),
                record: DnsRecordType::A,
                outcome: DnsOutcome::NxDomain,
            },
            "4.4.312",
            "dns_query_failed",
        ),
        (
            Diagnosis::ConnectionTimedOut {
                tried: vec![addr()],
            },
            "4.4.315",
            "connection_timed_out",
        ),
        (
            Diagnosis::ConnectionRefused { addr: addr() },
            "4.4.316",
            "connection_refused",
        ),
        (
            Diagnosis::RemoteServerError {
                refusal: ServerRefusal::StartTlsNotOffered,
            },
            "4.4.317",
            "remote_server_error",
        ),
        (
            Diagnosis::ConnectionDropped {
                stage: DropStage::AfterEhlo,
                how: DropKind::Reset,
            },
            "4.4.318",
            "connection_dropped",
        ),
        (
            Diagnosis::CertificateInvalid {
                problem: CertProblem::Expired,
                certificate: CertificateSummary {
                    subject: "CN=mail.contoso.test".into(),
                    issuer: "CN=Contoso CA".into(),
                    not_before: "2028-01-01".into(),
                    not_after: "2029-01-01".into(),
                },
            },
            "4.7.320",
            "certificate_invalid",
        ),
        (
            Diagnosis::from_reply(
                Stage::Rcpt,
                RemoteReply {
                    code: 451,
                    enhanced: Some(EnhancedCode(4, 7, 1)),
                    text: "greylisted, try again later".into(),
                },
            ),
            "4.7.1",
            "remote_transient",
        ),
    ]
}

#[tokio::test]
async fn each_code_shows_its_counts_code_detail_and_server() {
    for (diagnosis, code, category) in every_code() {
        let f = fixture().await;
        let first_arrival = f.now();
        f.accept(2).await;
        f.advance(1);
        f.accept(1).await;
        f.advance(1);
        f.attempt(Some(diagnosis.clone())).await;
        f.advance(3);

        let insight = f.insight().await;
        assert_eq!(insight.queued, 3, "{code}");
        assert_eq!(insight.oldest_age_seconds, Some(5 * 60), "{code}");
        assert_eq!(
            insight.growing_since,
            Some(first_arrival),
            "{code}: no history yet"
        );
        assert_eq!(insight.by_code.len(), 1, "{code}");
        assert_eq!(
            (
                insight.by_code[0].code.as_str(),
                insight.by_code[0].category.as_str(),
                insight.by_code[0].count
            ),
            (code, category, 3)
        );
        let last = insight.last_error.as_ref().expect("a last error");
        assert_eq!(
            (last.code.as_str(), last.category.as_str()),
            (code, category)
        );
        assert_eq!(last.detail, diagnosis.detail());
        assert_eq!(last.reply, diagnosis.reply());
        assert_eq!(last.server.as_deref(), Some(SERVER));
        assert_eq!(insight.last_address.as_deref(), Some(SERVER));
        assert_eq!(insight.next_hop.as_deref(), Some("onprem"));
        assert_eq!(
            (insight.attempts_last_hour, insight.successes_last_hour),
            (3, 0)
        );
        assert_eq!(
            insight.status,
            Status::Failing,
            "{code}: nothing was delivered"
        );
        assert!(!insight.explanation.summary.is_empty());
        assert!(!insight.explanation.causes.is_empty() && !insight.explanation.actions.is_empty());
        for queue_action in ["retry:onprem", "suspend:onprem", "bounce-all:onprem"] {
            assert!(
                insight.fixes.contains(&queue_action.to_string()),
                "{code}: {:?}",
                insight.fixes
            );
        }
    }
}

#[tokio::test]
async fn fixes_follow_the_spec_table() {
    let expect = |code: &str| -> Vec<&'static str> {
        match code {
            "4.4.312" | "4.4.318" => vec!["disable:onprem"],
            "4.4.315" | "4.4.316" => {
                vec![
                    "stop-relaying:onprem",
                    "stop-relaying-and-disable:onprem",
                    "disable:onprem",
                ]
            }
            "4.4.317" => vec!["disable:onprem", "allow-without-tls:onprem"],
            "4.7.320" => vec!["disable:onprem", "lower-tls:onprem"],
            _ => vec![],
        }
    };
    for (diagnosis, code, _) in every_code() {
        let f = fixture().await;
        f.accept(1).await;
        f.attempt(Some(diagnosis)).await;
        let fixes = f.insight().await.fixes;
        let mut wanted: Vec<String> = expect(code).into_iter().map(String::from).collect();
        wanted.extend(["retry:onprem", "suspend:onprem", "bounce-all:onprem"].map(String::from));
        assert_eq!(fixes, wanted, "{code}");
    }
}

#[tokio::test]
async fn the_explanation_speaks_of_the_code_in_mailflows_words() {
    let f = fixture().await;
    f.accept(1).await;
    f.attempt(Some(Diagnosis::ConnectionRefused { addr: addr() }))
        .await;
    let explanation = f.insight().await.explanation;
    assert!(
        explanation.summary.contains("refused the connection"),
        "{}",
        explanation.summary
    );
    assert!(
        explanation
            .actions
            .iter()
            .any(|a| a.contains("stop-relaying")),
        "{explanation:?}"
    );
}

#[tokio::test]
async fn the_explanation_is_written_in_the_language_asked_for() {
    let f = fixture().await;
    f.accept(1).await;
    f.attempt(Some(Diagnosis::ConnectionRefused { addr: addr() }))
        .await;
    let english = f.insight().await.explanation;
    for language in Language::ALL {
        let insight = connector_insight(
            f.store.as_ref(),
            f.clock.as_ref(),
            ORG,
            Some("onprem"),
            language,
        )
        .await
        .unwrap()
        .unwrap();
        let words = language.admin_catalogue();
        let topic = mailflow_ndr::Topic::ConnectionRefused;
        assert_eq!(
            insight.explanation.causes,
            words.causes(topic),
            "{language:?}"
        );
        assert_eq!(
            insight.explanation.actions,
            words.actions(topic),
            "{language:?}"
        );
        if language != Language::English {
            assert_ne!(insight.explanation.summary, english.summary, "{language:?}");
            assert_ne!(insight.explanation.causes, english.causes, "{language:?}");
        }
    }
}

#[tokio::test]
async fn status_goes_from_healthy_to_failing_to_degraded_and_back() {
    let f = fixture().await;
    assert_eq!(f.insight().await.status, Status::Healthy);

    f.accept(1).await;
    f.attempt(Some(Diagnosis::ConnectionRefused { addr: addr() }))
        .await;
    assert_eq!(f.insight().await.status, Status::Failing);

    // The server is back: one message goes through, a newer one waits.
    f.advance(2);
    f.attempt(None).await;
    f.accept(1).await;
    f.attempt(Some(Diagnosis::from_reply(
        Stage::Rcpt,
        RemoteReply {
            code: 452,
            enhanced: Some(EnhancedCode(4, 2, 2)),
            text: "mailbox full".into(),
        },
    )))
    .await;
    let insight = f.insight().await;
    assert_eq!(
        (insight.attempts_last_hour, insight.successes_last_hour),
        (3, 1)
    );
    assert_eq!(insight.status, Status::Degraded);

    f.advance(2);
    f.attempt(None).await;
    let drained = f.insight().await;
    assert_eq!(
        (drained.queued, drained.status),
        (0, Status::Degraded),
        "failures within the hour"
    );
    assert!(drained.last_error.is_none() && drained.growing_since.is_none());

    f.advance(61);
    assert_eq!(f.insight().await.status, Status::Healthy);
}

#[tokio::test]
async fn history_buckets_record_the_queue_and_failures_per_minute_and_growing_since() {
    let f = fixture().await;
    let minute0 = datetime!(2030-01-01 10:00 UTC);
    sample_minute(f.store.as_ref(), ORG, minute0).await.unwrap();

    f.advance(1); // 10:01:30
    f.accept(2).await;
    f.attempt(Some(Diagnosis::ConnectionRefused { addr: addr() }))
        .await;
    f.advance(1); // 10:02:30
    let minute1 = minute0 + time::Duration::MINUTE;
    let buckets = sample_minute(f.store.as_ref(), ORG, minute1).await.unwrap();
    let onprem = buckets
        .iter()
        .find(|b| b.connector.as_deref() == Some("onprem"))
        .unwrap();
    assert_eq!(onprem.queued, 2);
    assert_eq!(onprem.failures, vec![("4.4.316".to_string(), 2)]);
    let mx = buckets.iter().find(|b| b.connector.is_none()).unwrap();
    assert_eq!((mx.queued, mx.failures.len()), (0, 0));

    let insight = f.insight().await;
    assert_eq!(
        insight.growing_since,
        Some(minute1),
        "the first minute after the queue was empty"
    );
    let queued: Vec<u64> = insight.history.iter().map(|p| p.queued).collect();
    assert_eq!(queued, vec![0, 2]);
    assert_eq!(
        insight.history[1].failures[0].category,
        "connection_refused"
    );
}

#[tokio::test]
async fn the_sampler_writes_one_bucket_per_minute_as_the_clock_moves() {
    let f = fixture().await;
    f.accept(3).await;
    let (shutdown, sampler) = start_sampler(&f);
    let start = datetime!(2030-01-01 10:00 UTC);

    for minutes in 1..=2u64 {
        tokio::task::yield_now().await;
        f.advance(1);
        let wanted = minutes as usize;
        let found = wait_for_buckets(&f, start, wanted).await;
        assert_eq!(found.len(), wanted, "one bucket per minute");
        assert_eq!(
            found.last().unwrap().minute,
            start + time::Duration::minutes(minutes as i64 - 1)
        );
        assert_eq!(found.last().unwrap().queued, 3);
    }
    stop_sampler(shutdown, sampler).await;
}

#[tokio::test]
async fn the_sampler_writes_every_organisations_buckets_each_its_own() {
    let f = fixture().await;
    f.accept(3).await;
    let ours = f.store.org_settings(ORG).await.unwrap().unwrap();
    f.store.create_org("globex", &ours).await.unwrap();
    let (shutdown, sampler) = start_sampler(&f);
    let start = datetime!(2030-01-01 10:00 UTC);
    tokio::task::yield_now().await;
    f.advance(1);
    assert_eq!(wait_for_buckets(&f, start, 1).await[0].queued, 3);
    let theirs = f
        .store
        .history("globex", Some("onprem"), start)
        .await
        .unwrap();
    assert_eq!(theirs.len(), 1, "{theirs:?}");
    assert_eq!(theirs[0].queued, 0, "our mail is not theirs");
    stop_sampler(shutdown, sampler).await;
}

#[tokio::test]
async fn the_hourly_pass_deletes_finished_messages_past_the_event_retention() {
    let f = fixture().await;
    let delivered = f.accept(1).await;
    f.attempt(None).await;
    let waiting = f.accept(1).await;
    let shutdown = CancellationToken::new();
    let clock: Arc<dyn Clock> = f.clock.clone();
    let settings = HistorySettings {
        event_retention: Duration::from_secs(30 * 60),
        ..HistorySettings::default()
    };
    let sampler = tokio::spawn(run_history_with(
        f.store.clone(),
        clock,
        ORG.into(),
        "relay.test".into(),
        settings,
        shutdown.clone(),
    ));

    // To 10:59:30 (one sample at 10:01), then over the hour at 11:00.
    tokio::task::yield_now().await;
    f.advance(59);
    wait_for_buckets(&f, datetime!(2030-01-01 10:00 UTC), 1).await;
    f.advance(1);
    let mut gone = false;
    for _ in 0..500 {
        if f.store.message(delivered).await.unwrap().is_none() {
            gone = true;
            break;
        }
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(
        gone,
        "delivered at 10:00:30, past a 30-minute retention at 11:00"
    );
    assert!(
        f.store.message(waiting).await.unwrap().is_some(),
        "mail still waiting stays"
    );
    stop_sampler(shutdown, sampler).await;
}

/// Waits (bounded) for the sampler task to write `count` buckets.
/// The history sampler on the fixture's store and clock, with the default
/// retention.
fn start_sampler(f: &Fixture) -> (CancellationToken, tokio::task::JoinHandle<()>) {
    let shutdown = CancellationToken::new();
    let clock: Arc<dyn Clock> = f.clock.clone();
    let sampler = tokio::spawn(run_history(
        f.store.clone(),
        clock,
        ORG.into(),
        "relay.test".into(),
        shutdown.clone(),
    ));
    (shutdown, sampler)
}

async fn stop_sampler(shutdown: CancellationToken, sampler: tokio::task::JoinHandle<()>) {
    shutdown.cancel();
    tokio::time::timeout(Duration::from_secs(5), sampler)
        .await
        .unwrap()
        .unwrap();
}

async fn wait_for_buckets(
    f: &Fixture,
    since: OffsetDateTime,
    count: usize,
) -> Vec<mailflow_store::HistoryBucket> {
    for _ in 0..500 {
        let found = f.store.history(ORG, Some("onprem"), since).await.unwrap();
        if found.len() >= count {
            return found;
        }
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    f.store.history(ORG, Some("onprem"), since).await.unwrap()
}

#[tokio::test]
async fn the_list_has_every_connector_and_mx_routing_only_when_used() {
    let f = fixture().await;
    let list = connector_insights(f.store.as_ref(), f.clock.as_ref(), ORG, Language::English)
        .await
        .unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(
        (list[0].connector.as_deref(), list[0].queued),
        (Some("onprem"), 0)
    );
    assert!(list[0].history.is_empty(), "lists carry no history");

    f.store
        .accept_message(NewMessage {
            message_id_header: None,
            id: MessageId::new(),
            org: ORG.into(),
            sender: "alice@contoso.test".into(),
            client: "192.0.2.9".into(),
            received_at: f.now(),
            expires_at: f.now() + Duration::from_secs(3600),
            dsn: Default::default(),
            body: b"x\r\n".to_vec().into(),
            recipients: vec![NewRecipient {
                reason: None,
                address: "bob@fabrikam.test".into(),
                dsn: Default::default(),
                route: Route {
                    connector: None,
                    domain: "fabrikam.test".into(),
                },
                next_hop: "mx/fabrikam.test".into(),
            }],
        })
        .await
        .unwrap();
    let list = connector_insights(f.store.as_ref(), f.clock.as_ref(), ORG, Language::English)
        .await
        .unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!((list[1].connector.as_deref(), list[1].queued), (None, 1));
    assert!(
        connector_insight(
            f.store.as_ref(),
            f.clock.as_ref(),
            ORG,
            Some("nope"),
            Language::English
        )
        .await
        .unwrap()
        .is_none()
    );
}
