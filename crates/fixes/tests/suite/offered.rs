//! Which fixes are offered for which last error (SPEC 4 table), without a
//! node: settings, queue statistics and counts of waiting mail as values.

use mailflow_core::{
    CertProblem, CertificateSummary, Diagnosis, RemoteReply, ServerRefusal, TlsPolicy,
};
use mailflow_fixes::{WaitingMail, offered};
use mailflow_ndr::Language;
use mailflow_store::{ConnectorQueueStats, LastError};
use mailflow_testnode::{org, unused_addr};
use std::collections::BTreeMap;
use time::OffsetDateTime;

fn stats(connector: &str, queued: u64, diagnosis: Option<Diagnosis>) -> ConnectorQueueStats {
    ConnectorQueueStats {
        data_drop_messages: vec![],
        connector: Some(connector.into()),
        queued,
        oldest_received_at: None,
        by_code: Vec::new(),
        last_error: diagnosis.map(|diagnosis| LastError {
            diagnosis,
            server: None,
            at: OffsetDateTime::UNIX_EPOCH,
        }),
        last_next_hop: None,
    }
}

fn waiting(connector: &str, mail: WaitingMail) -> BTreeMap<String, WaitingMail> {
    BTreeMap::from([(connector.to_string(), mail)])
}

fn none_waiting() -> BTreeMap<String, WaitingMail> {
    BTreeMap::new()
}

fn refused() -> Diagnosis {
    Diagnosis::ConnectionRefused {
        addr: "127.0.0.1:25".parse().unwrap(),
    }
}

fn ids(fixes: &[mailflow_fixes::OfferedFix]) -> Vec<&str> {
    fixes.iter().map(|f| f.id.as_str()).collect()
}

#[test]
fn a_refused_on_premises_connector_gets_stop_relaying_disable_and_queue_actions() {
    let settings = org(unused_addr(), unused_addr());
    let queue = waiting(
        "to-onprem",
        WaitingMail {
            to_go: 2,
            suspended: 0,
            unknown: 1,
        },
    );
    let fixes = offered(&settings, &[stats("to-onprem", 2, Some(refused()))], &queue);
    assert_eq!(
        ids(&fixes),
        [
            "stop-relaying:to-onprem",
            "stop-relaying-and-disable:to-onprem",
            "disable:to-onprem",
            "retry:to-onprem",
            "suspend:to-onprem",
            "bounce-all:to-onprem",
        ]
    );
    assert_eq!(
        fixes[0].preview.recipients_to_bounce, 1,
        "the unknown recipients only"
    );
    assert_eq!(fixes[3].preview.recipients_affected, 2, "retry moves both");
    assert_eq!(
        fixes[1].preview.connector_disabled.as_deref(),
        Some("to-onprem")
    );
    assert_eq!(fixes[5].preview.recipients_to_bounce, 2);
}

#[test]
fn a_refused_partner_connector_is_not_offered_stop_relaying() {
    let settings = org(unused_addr(), unused_addr());
    let fixes = offered(
        &settings,
        &[stats("to-partner", 0, Some(refused()))],
        &none_waiting(),
    );
    assert_eq!(ids(&fixes), ["disable:to-partner"]);
}

#[test]
fn certificate_and_starttls_problems_get_the_tls_fixes_with_their_risks() {
    let mut settings = org(unused_addr(), unused_addr());
    settings.connectors[1].tls = TlsPolicy::VerifyName;
    let certificate = Diagnosis::CertificateInvalid {
        problem: CertProblem::Expired,
        certificate: CertificateSummary::default(),
    };
    let fixes = offered(
        &settings,
        &[stats("to-partner", 0, Some(certificate))],
        &none_waiting(),
    );
    let lower = fixes
        .iter()
        .find(|f| f.id == "lower-tls:to-partner")
        .unwrap();
    let change = lower.preview.tls_change.as_ref().unwrap();
    assert_eq!(
        (change.from.as_str(), change.to.as_str()),
        ("verify_name", "required")
    );
    let risk = lower.words(Language::English).risk;
    assert!(risk.contains("Security trade-off"), "{risk}");

    let no_starttls = Diagnosis::RemoteServerError {
        refusal: ServerRefusal::StartTlsNotOffered,
    };
    let fixes = offered(
        &settings,
        &[stats("to-partner", 0, Some(no_starttls))],
        &none_waiting(),
    );
    let allow = fixes
        .iter()
        .find(|f| f.id == "allow-without-tls:to-partner")
        .unwrap();
    assert_eq!(
        allow.preview.tls_change.as_ref().unwrap().to,
        "opportunistic"
    );

    let refused_starttls = Diagnosis::RemoteServerError {
        refusal: ServerRefusal::StartTlsRefused {
            reply: RemoteReply {
                code: 454,
                enhanced: None,
                text: "no".into(),
            },
        },
    };
    let fixes = offered(
        &settings,
        &[stats("to-partner", 0, Some(refused_starttls))],
        &none_waiting(),
    );
    assert_eq!(
        ids(&fixes),
        ["disable:to-partner"],
        "only a missing STARTTLS allows plain text"
    );
}

#[test]
fn a_suspended_queue_is_offered_resume_and_bounce_but_not_suspend() {
    let settings = org(unused_addr(), unused_addr());
    let queue = waiting(
        "to-onprem",
        WaitingMail {
            to_go: 0,
            suspended: 1,
            unknown: 0,
        },
    );
    let fixes = offered(&settings, &[stats("to-onprem", 1, None)], &queue);
    assert_eq!(ids(&fixes), ["resume:to-onprem", "bounce-all:to-onprem"]);
    assert_eq!(fixes[0].preview.recipients_affected, 1);
}
