//! Every language has its own words for everything a report can say: each
//! category, actor, remedy, connector problem, label, situation and note,
//! none empty, none left in English. The same holds for what insights and
//! alerts tell administrators: each topic's causes and actions, each alert
//! situation, subject, closing and label; and what they read about their
//! own actions: each fix's preview, each kind of trace event, each audited
//! action.
//!
//! The lists below are built from `match`es without a wildcard, so a new
//! variant in core or in this crate fails to compile here until it is
//! listed, and then fails these tests until every language has words for it.

use mailflow_core::{
    AddressResult, Category, Diagnosis, DomainType, Event, EventKind, MessageId, RouteReason, Stage,
};
use mailflow_ndr::catalogue::{Label, Situation};
use mailflow_ndr::{
    Actor, AdminCatalogue, AlertLabel, AlertSituation, AuditAction, Catalogue, ConnectorProblem,
    FixChange, FixWords, Language, OperationsCatalogue, Remedy, ReportKind, Returned, Topic,
    action_name, explain,
};
use std::iter::successors;
use time::Duration;
use time::macros::datetime;

fn every_category() -> Vec<Category> {
    fn after(category: Category) -> Option<Category> {
        use Category::*;
        match category {
            DnsQueryFailed => Some(ConnectionTimedOut),
            ConnectionTimedOut => Some(ConnectionRefused),
            ConnectionRefused => Some(RemoteServerError),
            RemoteServerError => Some(ConnectionDropped),
            ConnectionDropped => Some(CertificateInvalid),
            CertificateInvalid => Some(RemoteTransient),
            RemoteTransient => Some(RemotePermanent),
            RemotePermanent => Some(Expired),
            Expired => Some(LoopDetected),
            LoopDetected => Some(RecipientNotFound),
            RecipientNotFound => Some(DomainNotFound),
            DomainNotFound => Some(NullMx),
            NullMx => Some(LocalError),
            LocalError => None,
        }
    }
    successors(Some(Category::DnsQueryFailed), |c| after(*c)).collect()
}

fn every_connector_problem() -> Vec<ConnectorProblem> {
    fn after(problem: ConnectorProblem) -> Option<ConnectorProblem> {
        use ConnectorProblem::*;
        match problem {
            NameDoesNotResolve => Some(ServerUnreachable),
            ServerUnreachable => Some(ServerRefuses),
            ServerRefuses => Some(ConnectionDrops),
            ConnectionDrops => Some(TlsUnavailable),
            TlsUnavailable => Some(CertificateInvalid),
            CertificateInvalid => None,
        }
    }
    successors(Some(ConnectorProblem::NameDoesNotResolve), |p| after(*p)).collect()
}

fn every_remedy() -> Vec<Remedy> {
    fn after(remedy: &Remedy) -> Option<Remedy> {
        match remedy {
            Remedy::CheckAddress => Some(Remedy::CheckDomain),
            Remedy::CheckDomain => Some(Remedy::SendSmaller),
            Remedy::SendSmaller => Some(Remedy::AskRecipientToAllow),
            Remedy::AskRecipientToAllow => Some(Remedy::RecipientMakesRoom),
            Remedy::RecipientMakesRoom => Some(Remedy::FixRemoteServer),
            Remedy::FixRemoteServer => Some(Remedy::FixRemoteDns),
            Remedy::FixRemoteDns => Some(Remedy::FixRemoteCertificate),
            Remedy::FixRemoteCertificate => Some(Remedy::BreakLoop),
            Remedy::BreakLoop => Some(Remedy::CheckRelay),
            Remedy::CheckRelay => None,
            Remedy::FixConnector { .. } => None,
        }
    }
    let mut remedies: Vec<Remedy> = successors(Some(Remedy::CheckAddress), after).collect();
    remedies.extend(
        every_connector_problem()
            .into_iter()
            .map(|problem| Remedy::FixConnector {
                connector: "onprem".into(),
                problem,
            }),
    );
    remedies
}

fn every_actor() -> Vec<Actor> {
    fn after(actor: Actor) -> Option<Actor> {
        match actor {
            Actor::Sender => Some(Actor::RecipientAdministrators),
            Actor::RecipientAdministrators => Some(Actor::RelayAdministrators),
            Actor::RelayAdministrators => None,
        }
    }
    successors(Some(Actor::Sender), |a| after(*a)).collect()
}

fn every_label() -> Vec<Label> {
    fn after(label: Label) -> Option<Label> {
        use Label::*;
        match label {
            OriginalSubject => Some(OriginalSent),
            OriginalSent => Some(NoSubject),
            NoSubject => Some(Recipient),
            Recipient => Some(OriginalRecipient),
            OriginalRecipient => Some(WhatHappened),
            WhatHappened => Some(Why),
            Why => Some(WhoMustAct),
            WhoMustAct => Some(WhatToDo),
            WhatToDo => Some(ForAdministrators),
            ForAdministrators => Some(ReportingServer),
            ReportingServer => Some(QueueId),
            QueueId => Some(MessageId),
            MessageId => Some(EnvelopeId),
            EnvelopeId => Some(Status),
            Status => Some(Category),
            Category => Some(Detail),
            Detail => Some(LastErrorCategory),
            LastErrorCategory => Some(ServerReply),
            ServerReply => Some(Connector),
            Connector => Some(RemoteServer),
            RemoteServer => Some(Attempts),
            Attempts => Some(LastAttempt),
            LastAttempt => Some(WillRetryUntil),
            WillRetryUntil => Some(History),
            History => None,
        }
    }
    successors(Some(Label::OriginalSubject), |l| after(*l)).collect()
}

/// Labels that are the same word in every language.
const SHARED_LABELS: [Label; 1] = [Label::MessageId];

/// Every text a catalogue can produce, each with a name for failure messages.
fn every_text(words: &dyn Catalogue) -> Vec<(String, String)> {
    let at = datetime!(2025-03-04 08:00:00 UTC);
    let mut texts = vec![
        ("daemon name".to_string(), words.daemon_name().to_string()),
        ("time".into(), words.time(at)),
        ("duration".into(), words.duration(Duration::hours(24))),
        ("still trying until".into(), words.still_trying(Some(at))),
        ("still trying".into(), words.still_trying(None)),
        ("last error".into(), words.last_error_because("x")),
        ("server said".into(), words.server_said("550 5.1.1 x")),
    ];
    for kind in [ReportKind::Failure, ReportKind::Delay] {
        texts.push((format!("subject {kind:?}"), words.subject(kind, Some("x"))));
        texts.push((format!("subject {kind:?} none"), words.subject(kind, None)));
        texts.push((format!("opening {kind:?}"), words.opening(kind).to_string()));
    }
    let situations = [
        Situation::Refused,
        Situation::Expired {
            tried_for: Duration::hours(24),
            attempts: 30,
        },
        Situation::StillTrying { attempts: 3 },
    ];
    for situation in situations {
        texts.push((format!("{situation:?}"), words.what_happened(situation)));
    }
    for returned in [
        Returned::Headers,
        Returned::FullMessage,
        Returned::HeadersBecauseTooLarge,
    ] {
        texts.push((
            format!("{returned:?}"),
            words.returned(returned).to_string(),
        ));
    }
    for category in every_category() {
        texts.push((
            format!("{category:?}"),
            words.explanation(category).to_string(),
        ));
    }
    for actor in every_actor() {
        texts.push((format!("{actor:?}"), words.actor(actor, "relay.test")));
    }
    for remedy in every_remedy() {
        texts.push((format!("{remedy:?}"), words.remedy(&remedy)));
    }
    for problem in every_connector_problem() {
        texts.push((
            format!("{problem:?}"),
            words.connector_problem(problem).to_string(),
        ));
    }
    for label in every_label()
        .into_iter()
        .filter(|l| !SHARED_LABELS.contains(l))
    {
        texts.push((format!("{label:?}"), words.label(label).to_string()));
    }
    texts
}

#[test]
fn every_language_has_its_own_words_for_everything_a_report_says() {
    let english = every_text(Language::English.catalogue());
    assert!(english.iter().all(|(_, text)| !text.trim().is_empty()));
    for language in Language::ALL
        .into_iter()
        .filter(|l| *l != Language::English)
    {
        let texts = every_text(language.catalogue());
        assert_eq!(texts.len(), english.len());
        for ((name, text), (_, in_english)) in texts.iter().zip(&english) {
            assert!(!text.trim().is_empty(), "{language:?}: {name} is empty");
            assert_ne!(text, in_english, "{language:?}: {name} is still English");
        }
    }
}

#[test]
fn each_category_has_an_explanation_of_its_own_in_every_language() {
    for language in Language::ALL {
        let words = language.catalogue();
        let mut seen: Vec<&str> = Vec::new();
        for category in every_category() {
            let explanation = words.explanation(category);
            assert!(
                !seen.contains(&explanation),
                "{language:?}: {category:?} repeats another category's explanation"
            );
            seen.push(explanation);
        }
    }
}

#[test]
fn each_remedy_and_actor_is_worded_differently_in_every_language() {
    for language in Language::ALL {
        let words = language.catalogue();
        let remedies: Vec<String> = every_remedy().iter().map(|r| words.remedy(r)).collect();
        let actors: Vec<String> = every_actor().iter().map(|a| words.actor(*a, "r")).collect();
        for list in [&remedies, &actors] {
            for (i, text) in list.iter().enumerate() {
                assert!(
                    !list[..i].contains(text),
                    "{language:?}: {text} appears twice"
                );
            }
        }
    }
}

#[test]
fn russian_and_chinese_are_written_in_their_own_scripts() {
    let cyrillic = |c: char| ('\u{400}'..='\u{4ff}').contains(&c);
    let han = |c: char| ('\u{4e00}'..='\u{9fff}').contains(&c);
    for (language, script) in [
        (Language::Russian, &cyrillic as &dyn Fn(char) -> bool),
        (Language::TraditionalChinese, &han),
    ] {
        for (name, text) in every_text(language.catalogue()) {
            assert!(text.chars().any(script), "{language:?}: {name} = {text:?}");
        }
    }
}

#[test]
fn dates_are_written_the_way_each_language_writes_them() {
    let at = datetime!(2025-03-04 08:05:00 UTC);
    let first = datetime!(2025-03-01 17:30:00 UTC);
    let expected = [
        (
            Language::English,
            "4 March 2025, 08:05 UTC",
            "1 March 2025, 17:30 UTC",
        ),
        (
            Language::French,
            "4 mars 2025 à 08:05 (UTC)",
            "1er mars 2025 à 17:30 (UTC)",
        ),
        (
            Language::Russian,
            "4 марта 2025 г., 08:05 UTC",
            "1 марта 2025 г., 17:30 UTC",
        ),
        (
            Language::PortugueseBrazil,
            "4 de março de 2025, 08:05 (UTC)",
            "1º de março de 2025, 17:30 (UTC)",
        ),
        (
            Language::TraditionalChinese,
            "2025年3月4日 08:05（UTC）",
            "2025年3月1日 17:30（UTC）",
        ),
    ];
    for (language, fourth, first_of_month) in expected {
        assert_eq!(language.catalogue().time(at), fourth);
        assert_eq!(language.catalogue().time(first), first_of_month);
    }
}

#[test]
fn durations_count_in_each_language() {
    let span = Duration::minutes(25 * 60 + 1);
    let expected = [
        (Language::English, "25 hours 1 minute"),
        (Language::French, "25 heures et 1 minute"),
        (Language::Russian, "25 часов 1 минуту"),
        (Language::PortugueseBrazil, "25 horas e 1 minuto"),
        (Language::TraditionalChinese, "25 小時 1 分鐘"),
    ];
    for (language, text) in expected {
        assert_eq!(language.catalogue().duration(span), text);
    }
}

#[test]
fn explain_gives_the_same_words_as_the_catalogue_for_any_reader() {
    let refused = mailflow_core::Diagnosis::ConnectionRefused {
        addr: "127.0.0.1:2526".parse().unwrap(),
    };
    for language in Language::ALL {
        let words = language.catalogue();
        let explained = explain(&refused, Some("onprem"), "relay.test", language);
        assert_eq!(explained.advice.actor, Actor::RelayAdministrators);
        assert_eq!(
            explained.why,
            words.explanation(Category::ConnectionRefused)
        );
        assert_eq!(
            explained.who_must_act,
            words.actor(Actor::RelayAdministrators, "relay.test")
        );
        assert_eq!(explained.what_to_do, words.remedy(&explained.advice.remedy));
        assert_eq!(
            explained.connector_problem,
            Some(words.connector_problem(ConnectorProblem::ServerUnreachable))
        );
        let by_mx = explain(&refused, None, "relay.test", language);
        assert_eq!(
            by_mx.connector_problem, None,
            "no connector, no connector problem"
        );
    }
}

fn every_topic() -> Vec<Topic> {
    fn after(topic: Topic) -> Option<Topic> {
        use Topic::*;
        match topic {
            DnsFailed => Some(ConnectTimedOut),
            ConnectTimedOut => Some(ConnectionRefused),
            ConnectionRefused => Some(ServerRefuses),
            ServerRefuses => Some(StartTlsMissing),
            StartTlsMissing => Some(TlsHandshakeFailed),
            TlsHandshakeFailed => Some(ConnectionDropped),
            ConnectionDropped => Some(DroppedAfterFinalDot),
            DroppedAfterFinalDot => Some(MessageDropsConnection),
            MessageDropsConnection => Some(CertificateExpired),
            CertificateExpired => Some(CertificateNameMismatch),
            CertificateNameMismatch => Some(CertificateUntrusted),
            CertificateUntrusted => Some(CertificateOther),
            CertificateOther => Some(RemoteTransient),
            RemoteTransient => Some(RemotePermanent),
            RemotePermanent => Some(UnknownRecipients),
            UnknownRecipients => Some(LostBodies),
            LostBodies => Some(NotTriedYet),
            NotTriedYet => Some(Other),
            Other => None,
        }
    }
    successors(Some(Topic::DnsFailed), |t| after(*t)).collect()
}

fn every_alert_label() -> Vec<AlertLabel> {
    fn after(label: AlertLabel) -> Option<AlertLabel> {
        use AlertLabel::*;
        match label {
            Connector => Some(Code),
            Code => Some(LastError),
            LastError => Some(ServerTried),
            ServerTried => Some(RecipientsQueued),
            RecipientsQueued => Some(WaitingTooLong),
            WaitingTooLong => Some(OldestReceived),
            OldestReceived => Some(AlertOpened),
            AlertOpened => Some(LikelyCauses),
            LikelyCauses => Some(WhatToDo),
            WhatToDo => None,
        }
    }
    successors(Some(AlertLabel::Connector), |l| after(*l)).collect()
}

/// One of each alert situation, with and without a connector.
fn every_alert_situation(sources: &[String]) -> Vec<AlertSituation<'_>> {
    let opened_at = datetime!(2025-03-04 08:00:00 UTC);
    let resolved_at = datetime!(2025-03-04 10:30:00 UTC);
    let mut situations = Vec::new();
    for connector in [Some("onprem"), None] {
        situations.push(AlertSituation::Backlog {
            connector,
            queued: 250,
            over_age: 230,
            oldest: Some(datetime!(2025-03-04 06:55:00 UTC)),
            opened_at,
        });
        situations.push(AlertSituation::Drained {
            connector,
            opened_at,
            resolved_at,
        });
    }
    situations.push(AlertSituation::UnknownRecipients {
        refused: 120,
        sources,
        opened_at,
    });
    situations.push(AlertSituation::WithinQuota {
        opened_at,
        resolved_at,
    });
    for connector in [Some("onprem"), None] {
        situations.push(AlertSituation::LostBodies {
            connector,
            lost: 3,
            opened_at,
        });
        situations.push(AlertSituation::LostBodiesOver {
            connector,
            opened_at,
            resolved_at,
        });
    }
    situations
}

/// Every text the administrators' catalogue can produce, named.
fn every_admin_text(words: &dyn AdminCatalogue) -> Vec<(String, String)> {
    let sources = vec!["192.0.2.7".to_string()];
    let mut texts = vec![
        ("all clear".to_string(), words.all_clear().to_string()),
        ("recovered".into(), words.recovered().to_string()),
        ("direct MX".into(), words.connector_name(None)),
        ("closing open".into(), words.alert_closing(7, true)),
        ("closing resolved".into(), words.alert_closing(7, false)),
    ];
    for topic in every_topic() {
        let (causes, actions) = (words.causes(topic), words.actions(topic));
        texts.push((
            format!("{topic:?} count"),
            format!("{}/{}", causes.len(), actions.len()),
        ));
        for (i, cause) in causes.iter().enumerate() {
            texts.push((format!("{topic:?} cause {i}"), cause.to_string()));
        }
        for (i, action) in actions.iter().enumerate() {
            texts.push((format!("{topic:?} action {i}"), action.to_string()));
        }
    }
    for situation in every_alert_situation(&sources) {
        texts.push((
            format!("summary {situation:?}"),
            words.alert_summary(&situation),
        ));
        texts.push((
            format!("subject {situation:?}"),
            words.alert_subject(7, &situation, "4.4.316"),
        ));
    }
    for label in every_alert_label() {
        texts.push((format!("{label:?}"), words.alert_label(label).to_string()));
    }
    texts
}

#[test]
fn every_topic_has_causes_and_actions_in_every_language_none_left_in_english() {
    let english = Language::English.admin_catalogue();
    for topic in every_topic() {
        assert!(!english.causes(topic).is_empty(), "{topic:?} has no causes");
        assert!(
            !english.actions(topic).is_empty(),
            "{topic:?} has no actions"
        );
    }
    for language in Language::ALL {
        let words = language.admin_catalogue();
        for topic in every_topic() {
            let lines = words.causes(topic).iter().chain(words.actions(topic));
            for line in lines {
                assert!(
                    !line.trim().is_empty(),
                    "{language:?}: {topic:?} has an empty line"
                );
                let in_english = english.causes(topic).iter().chain(english.actions(topic));
                if language != Language::English {
                    assert!(
                        !in_english.clone().any(|e| e == line),
                        "{language:?}: {topic:?} says {line:?} in English"
                    );
                }
            }
        }
    }
}

#[test]
fn every_language_has_its_own_words_for_insights_and_alerts() {
    let english = every_admin_text(Language::English.admin_catalogue());
    assert!(english.iter().all(|(_, text)| !text.trim().is_empty()));
    for language in Language::ALL
        .into_iter()
        .filter(|l| *l != Language::English)
    {
        let texts = every_admin_text(language.admin_catalogue());
        let names: Vec<&String> = texts.iter().map(|(name, _)| name).collect();
        let english_names: Vec<&String> = english.iter().map(|(name, _)| name).collect();
        assert_eq!(
            names, english_names,
            "{language:?}: a different number of lines"
        );
        for ((name, text), (_, in_english)) in texts.iter().zip(&english) {
            assert!(!text.trim().is_empty(), "{language:?}: {name} is empty");
            if !name.ends_with(" count") {
                assert_ne!(text, in_english, "{language:?}: {name} is still English");
            }
        }
    }
}

#[test]
fn insight_and_alert_words_are_written_in_russian_and_chinese_scripts() {
    let cyrillic = |c: char| ('\u{400}'..='\u{4ff}').contains(&c);
    let han = |c: char| ('\u{4e00}'..='\u{9fff}').contains(&c);
    for (language, script) in [
        (Language::Russian, &cyrillic as &dyn Fn(char) -> bool),
        (Language::TraditionalChinese, &han),
    ] {
        for (name, text) in every_admin_text(language.admin_catalogue())
            .into_iter()
            .filter(|(name, _)| !name.ends_with(" count"))
        {
            assert!(text.chars().any(script), "{language:?}: {name} = {text:?}");
        }
    }
}

#[test]
fn an_alert_summary_names_the_connector_the_count_and_the_time() {
    let sources = vec!["192.0.2.7".to_string()];
    let backlog = every_alert_situation(&sources)[0];
    for language in Language::ALL {
        let summary = language.admin_catalogue().alert_summary(&backlog);
        let opened = language
            .catalogue()
            .time(datetime!(2025-03-04 08:00:00 UTC));
        for part in ["onprem", "250", "230", opened.as_str()] {
            assert!(summary.contains(part), "{language:?}: {part} in {summary}");
        }
    }
}

/// One of each fix change, with the facts their words must name.
fn every_fix_change(domains: &[String]) -> Vec<FixChange<'_>> {
    let connector = "onprem";
    let mut changes = Vec::new();
    for also_disable in [false, true] {
        changes.push(FixChange::StopRelaying {
            connector,
            domains,
            bounced: 7,
            also_disable,
        });
    }
    changes.extend([
        FixChange::Disable { connector },
        FixChange::LowerTls { connector },
        FixChange::AllowWithoutTls { connector },
        FixChange::RetryNow {
            connector,
            recipients: 7,
        },
        FixChange::Suspend {
            connector,
            recipients: 7,
        },
        FixChange::Resume {
            connector,
            recipients: 7,
        },
        FixChange::BounceAll {
            connector,
            recipients: 7,
        },
        FixChange::BounceMessage {
            connector,
            message: "0192f0c0aa",
            recipients: 7,
        },
    ]);
    // A new kind of fix fails to compile here until it is listed above.
    for change in &changes {
        match change {
            FixChange::StopRelaying { .. }
            | FixChange::Disable { .. }
            | FixChange::LowerTls { .. }
            | FixChange::AllowWithoutTls { .. }
            | FixChange::RetryNow { .. }
            | FixChange::Suspend { .. }
            | FixChange::Resume { .. }
            | FixChange::BounceAll { .. }
            | FixChange::BounceMessage { .. } => {}
        }
    }
    changes
}

/// The name of an event's kind; without a wildcard, so that a new kind
/// fails to compile here until `every_event` shows one.
fn event_kind_name(kind: &EventKind) -> &'static str {
    match kind {
        EventKind::Received { .. } => "received",
        EventKind::Routed { .. } => "routed",
        EventKind::Attempt { .. } => "attempt",
        EventKind::Delivered { .. } => "delivered",
        EventKind::Deferred { .. } => "deferred",
        EventKind::Failed { .. } => "failed",
        EventKind::DelayNoticeSent => "delay notice",
        EventKind::Recovered { .. } => "recovered",
        EventKind::NdrSent { .. } => "ndr sent",
        EventKind::Operator { .. } => "operator",
    }
}

const EVENT_KINDS: usize = 10;

/// One event of each kind (routed for each reason and route).
fn every_event() -> Vec<Event> {
    let refused = Diagnosis::ConnectionRefused {
        addr: "127.0.0.1:2526".parse().unwrap(),
    };
    let at = datetime!(2025-03-04 08:00:00 UTC);
    let route_reasons = [
        RouteReason::AcceptedDomain {
            domain: "contoso.test".into(),
            domain_type: DomainType::Authoritative,
        },
        RouteReason::AcceptedDomain {
            domain: "contoso.test".into(),
            domain_type: DomainType::InternalRelay,
        },
        RouteReason::PartnerDomain {
            domain: "fabrikam.test".into(),
        },
        RouteReason::Mx {
            domain: "example.test".into(),
        },
    ];
    let mut kinds = vec![
        EventKind::Received {
            sender: "bob@example.test".into(),
            recipients: 3,
            size: 2048,
            client: "127.0.0.1".into(),
        },
        EventKind::Attempt {
            results: vec![AddressResult {
                host: "onprem.contoso.test".into(),
                addr: Some("127.0.0.1:2526".parse().unwrap()),
                stage: Stage::Connect,
                diagnosis: Some(refused.clone()),
                elapsed_ms: 3,
            }],
        },
        EventKind::Delivered {
            reply: "250 2.0.0 queued as 1234".into(),
            server: Some("127.0.0.1:2526".into()),
        },
        EventKind::Deferred {
            diagnosis: refused.clone(),
            next_attempt_at: at,
        },
        EventKind::Failed { diagnosis: refused },
        EventKind::DelayNoticeSent,
        EventKind::Recovered {
            node: "mx2.contoso.test".into(),
        },
        EventKind::NdrSent {
            ndr_id: MessageId::new(),
        },
        EventKind::Operator {
            action: "suspend".into(),
            actor: "ops@contoso.test".into(),
        },
    ];
    kinds.extend(
        route_reasons
            .into_iter()
            .map(|reason| EventKind::Routed { reason }),
    );
    let mut events: Vec<Event> = kinds
        .into_iter()
        .map(|kind| Event {
            at,
            message_id: MessageId::new(),
            recipient: Some("alice@contoso.test".into()),
            next_hop: Some("onprem.contoso.test".into()),
            connector: Some("onprem".into()),
            kind,
        })
        .collect();
    let mut by_mx = events.last().unwrap().clone();
    by_mx.connector = None;
    events.push(by_mx);
    let names: std::collections::BTreeSet<&str> =
        events.iter().map(|e| event_kind_name(&e.kind)).collect();
    assert_eq!(names.len(), EVENT_KINDS, "every kind of event is shown");
    events
}

/// Every text the operations catalogue can produce, named.
fn every_operations_text(words: &dyn OperationsCatalogue) -> Vec<(String, String)> {
    let domains = vec!["contoso.test".to_string(), "contoso.example".to_string()];
    let mut texts = Vec::new();
    for change in every_fix_change(&domains) {
        let FixWords {
            summary,
            risk,
            undo,
        } = words.fix_words(&change);
        texts.push((format!("{change:?} summary"), summary));
        texts.push((format!("{change:?} risk"), risk));
        texts.push((format!("{change:?} undo"), undo));
    }
    for event in every_event() {
        texts.push((format!("{:?}", event.kind), words.event_summary(&event)));
    }
    for action in AuditAction::all() {
        texts.push((format!("{action:?}"), words.action(action).to_string()));
    }
    texts.push(("undo of".into(), words.undo_of("x")));
    texts.push((
        "failed by operator".into(),
        words.failed_by_operator("5.3.0"),
    ));
    texts
}

#[test]
fn every_language_has_its_own_words_for_fixes_trace_events_and_audited_actions() {
    let english = every_operations_text(Language::English.operations_catalogue());
    assert!(english.iter().all(|(_, text)| !text.trim().is_empty()));
    let cyrillic = |c: char| ('\u{400}'..='\u{4ff}').contains(&c);
    let han = |c: char| ('\u{4e00}'..='\u{9fff}').contains(&c);
    for language in Language::ALL
        .into_iter()
        .filter(|l| *l != Language::English)
    {
        let texts = every_operations_text(language.operations_catalogue());
        assert_eq!(texts.len(), english.len());
        for ((name, text), (_, in_english)) in texts.iter().zip(&english) {
            assert!(!text.trim().is_empty(), "{language:?}: {name} is empty");
            assert_ne!(text, in_english, "{language:?}: {name} is still English");
            let script: Option<&dyn Fn(char) -> bool> = match language {
                Language::Russian => Some(&cyrillic),
                Language::TraditionalChinese => Some(&han),
                _ => None,
            };
            if let Some(script) = script {
                assert!(text.chars().any(script), "{language:?}: {name} = {text:?}");
            }
        }
    }
}

#[test]
fn fix_words_name_the_connector_the_domains_and_the_count() {
    let domains = vec!["contoso.test".to_string()];
    let stop = FixChange::StopRelaying {
        connector: "onprem",
        domains: &domains,
        bounced: 7,
        also_disable: true,
    };
    let bounce = FixChange::BounceMessage {
        connector: "onprem",
        message: "0192f0c0aa",
        recipients: 3,
    };
    for language in Language::ALL {
        let words = language.operations_catalogue();
        let summary = words.fix_words(&stop).summary;
        for part in ["contoso.test", "onprem", "7", "550 5.1.10"] {
            assert!(summary.contains(part), "{language:?}: {part} in {summary}");
        }
        let summary = words.fix_words(&bounce).summary;
        for part in ["0192f0c0aa", "onprem", "3"] {
            assert!(summary.contains(part), "{language:?}: {part} in {summary}");
        }
    }
}

#[test]
fn a_trace_event_quotes_the_servers_reply_and_dates_it_in_the_language() {
    let deferred = every_event()
        .into_iter()
        .find(|e| matches!(e.kind, EventKind::Deferred { .. }))
        .unwrap();
    let EventKind::Deferred { diagnosis, .. } = &deferred.kind else {
        unreachable!()
    };
    for language in Language::ALL {
        let summary = language.operations_catalogue().event_summary(&deferred);
        let next = language.catalogue().time(deferred.at);
        assert!(
            summary.contains(&diagnosis.reply()) && summary.contains(&next),
            "{language:?}: {summary}"
        );
    }
}

#[test]
fn an_audited_action_reads_by_its_id_an_undo_by_the_action_undone() {
    for language in Language::ALL {
        let words = language.operations_catalogue();
        let stop = words.action(AuditAction::StopRelaying);
        assert_eq!(action_name(words, "stop-relaying"), stop);
        assert_eq!(
            action_name(words, "undo:stop-relaying"),
            words.undo_of(stop)
        );
        assert_eq!(
            action_name(words, "retry now"),
            words.action(AuditAction::Retry)
        );
        assert_eq!(
            action_name(words, "fail with 5.3.0"),
            words.failed_by_operator("5.3.0")
        );
        assert_eq!(
            action_name(words, "rebalance"),
            "rebalance",
            "an id from a newer version is shown as it is"
        );
        let names: Vec<&str> = AuditAction::all()
            .into_iter()
            .map(|a| words.action(a))
            .collect();
        for (i, name) in names.iter().enumerate() {
            assert!(!names[..i].contains(name), "{language:?}: {name} twice");
        }
    }
}

#[test]
fn a_recovered_recipient_names_the_node_that_stopped_in_every_language() {
    let event = Event {
        at: datetime!(2025-03-04 08:00:00 UTC),
        message_id: MessageId::new(),
        recipient: Some("bob@contoso.test".into()),
        next_hop: Some("onprem".into()),
        connector: Some("onprem".into()),
        kind: EventKind::Recovered {
            node: "mx2.contoso.test".into(),
        },
    };
    for language in Language::ALL {
        let summary = language.operations_catalogue().event_summary(&event);
        assert!(
            summary.contains("mx2.contoso.test"),
            "{language:?}: {summary}"
        );
    }
}
