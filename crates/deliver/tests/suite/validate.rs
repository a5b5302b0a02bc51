//! Connector validation against the testkit peers: each connection-level
//! code from the fault that causes it, a healthy server that passes with TLS
//! observed, every address visited even after one passed, and never a
//! message sent.

use crate::common::*;
use mailflow_core::{
    CertProblem, Diagnosis, DnsOutcome, DnsRecordType, DropKind, DropStage, EnhancedCode,
    RemoteReply, ServerRefusal, SmartHost, Stage, TlsPolicy,
};
use mailflow_deliver::{Deliverer, DeliverySettings, NextHopPlan, Target, ValidationReport};
use mailflow_testkit::{
    BlackHole, DnsServer, FaultAction, FaultPoint, SmtpBehavior, SmtpServer, TestCa, TestCert,
    Validity, refused_addr,
};
use std::io::Write;
use std::time::Duration;
use tempfile::NamedTempFile;

/// Asserts that the server saw no transaction at all: no MAIL, no message.
fn assert_no_mail(server: &SmtpServer) {
    assert!(server.messages().is_empty(), "{:?}", server.messages());
    for session in server.sessions() {
        let mail = session
            .commands
            .iter()
            .find(|command| command.to_ascii_uppercase().starts_with("MAIL"));
        assert_eq!(mail, None, "commands: {:?}", session.commands);
    }
}

/// The one address result of a one-address validation, which failed with
/// the overall diagnosis.
fn only_failure(report: &ValidationReport) -> (Stage, Diagnosis) {
    assert_eq!(report.addresses.len(), 1, "{:?}", report.addresses);
    let result = &report.addresses[0];
    let diagnosis = result.diagnosis.clone().expect("the address failed");
    assert_eq!(report.diagnosis.as_ref(), Some(&diagnosis));
    assert!(report.tls.is_empty(), "{:?}", report.tls);
    (result.stage, diagnosis)
}

fn ca_file(ca: &TestCa) -> NamedTempFile {
    let mut file = NamedTempFile::new().expect("temp file");
    file.write_all(ca.cert_pem().as_bytes()).expect("write CA");
    file
}

async fn tls_server(cert: &TestCert) -> SmtpServer {
    SmtpServer::start(SmtpBehavior::new().starttls(cert.server_config())).await
}

#[tokio::test]
async fn a_smart_host_name_with_nxdomain_is_4_4_312() {
    let dns = DnsServer::start().await;
    let deliverer = Deliverer::new(DeliverySettings {
        nameservers: vec![dns.addr()],
        ..settings()
    })
    .expect("deliverer");
    let plan = NextHopPlan {
        target: Target::SmartHosts(vec![SmartHost {
            host: "smtp.partner.test".into(),
            port: Some(2525),
        }]),
        ..smart_hosts(&[], TlsPolicy::Opportunistic)
    };
    let report = deliverer.validate(&plan).await;

    let (stage, diagnosis) = only_failure(&report);
    assert_eq!(stage, Stage::Dns);
    assert_eq!(report.addresses[0].addr, None);
    assert_eq!(report.addresses[0].host, "smtp.partner.test");
    assert_eq!(
        diagnosis,
        Diagnosis::DnsQueryFailed {
            name: "smtp.partner.test".into(),
            record: DnsRecordType::A,
            outcome: DnsOutcome::NxDomain,
        }
    );
    assert_eq!(diagnosis.code().to_string(), "4.4.312");
}

#[tokio::test]
async fn a_black_hole_is_4_4_315_within_the_connect_time_out() {
    let hole = BlackHole::new().await;
    let plan = NextHopPlan {
        connect_timeout: Some(Duration::from_millis(200)),
        ..smart_hosts(&[hole.addr()], TlsPolicy::Opportunistic)
    };
    let report = deliverer().validate(&plan).await;

    let (stage, diagnosis) = only_failure(&report);
    assert_eq!(stage, Stage::Connect);
    assert_eq!(
        diagnosis,
        Diagnosis::ConnectionTimedOut {
            tried: vec![hole.addr()]
        }
    );
    assert_eq!(diagnosis.code().to_string(), "4.4.315");
}

#[tokio::test]
async fn a_refused_connection_is_4_4_316() {
    let refused = refused_addr();
    let plan = smart_hosts(&[refused], TlsPolicy::Opportunistic);
    let report = deliverer().validate(&plan).await;

    let (stage, diagnosis) = only_failure(&report);
    assert_eq!(stage, Stage::Connect);
    assert_eq!(diagnosis, Diagnosis::ConnectionRefused { addr: refused });
    assert_eq!(diagnosis.code().to_string(), "4.4.316");
}

#[tokio::test]
async fn a_421_greeting_is_4_4_317() {
    let server =
        SmtpServer::start(SmtpBehavior::new().greeting("421 4.3.2 too busy, try later")).await;
    let plan = smart_hosts(&[server.addr()], TlsPolicy::Opportunistic);
    let report = deliverer().validate(&plan).await;

    let (stage, diagnosis) = only_failure(&report);
    assert_eq!(stage, Stage::Greeting);
    let reply = RemoteReply {
        code: 421,
        enhanced: Some(EnhancedCode(4, 3, 2)),
        text: "too busy, try later".into(),
    };
    assert_eq!(
        diagnosis,
        Diagnosis::RemoteServerError {
            refusal: ServerRefusal::Greeting { reply }
        }
    );
    assert_eq!(diagnosis.code().to_string(), "4.4.317");
    assert_no_mail(&server);
}

#[tokio::test]
async fn required_tls_without_starttls_is_4_4_317() {
    let server = SmtpServer::start(SmtpBehavior::new()).await;
    let plan = smart_hosts(&[server.addr()], TlsPolicy::Required);
    let report = deliverer().validate(&plan).await;

    let (stage, diagnosis) = only_failure(&report);
    assert_eq!(stage, Stage::StartTls);
    assert_eq!(
        diagnosis,
        Diagnosis::RemoteServerError {
            refusal: ServerRefusal::StartTlsNotOffered
        }
    );
    assert_eq!(diagnosis.code().to_string(), "4.4.317");
    assert_no_mail(&server);
}

#[tokio::test]
async fn a_close_before_the_greeting_is_4_4_318() {
    let server = SmtpServer::start(
        SmtpBehavior::new().fault(FaultPoint::BeforeGreeting, FaultAction::Close),
    )
    .await;
    let plan = smart_hosts(&[server.addr()], TlsPolicy::Opportunistic);
    let report = deliverer().validate(&plan).await;

    let (stage, diagnosis) = only_failure(&report);
    assert_eq!(stage, Stage::Greeting);
    assert_eq!(
        diagnosis,
        Diagnosis::ConnectionDropped {
            stage: DropStage::BeforeGreeting,
            how: DropKind::Closed
        }
    );
    assert_eq!(diagnosis.code().to_string(), "4.4.318");
}

#[tokio::test]
async fn an_expired_certificate_under_verify_ca_is_4_7_320() {
    let ca = TestCa::named("Partner Test CA");
    let server = tls_server(&ca.issue_with_validity(&["127.0.0.1"], Validity::Expired)).await;
    let file = ca_file(&ca);
    let plan = smart_hosts(&[server.addr()], TlsPolicy::VerifyCa);
    let report = deliverer_trusting(file.path().to_path_buf())
        .validate(&plan)
        .await;

    let (stage, diagnosis) = only_failure(&report);
    assert_eq!(stage, Stage::StartTls);
    let Diagnosis::CertificateInvalid {
        problem,
        certificate,
    } = &diagnosis
    else {
        panic!("not 4.7.320: {diagnosis:?}");
    };
    assert_eq!(problem, &CertProblem::Expired);
    assert!(
        certificate.issuer.contains("Partner Test CA"),
        "{certificate:?}"
    );
    assert_eq!(diagnosis.code().to_string(), "4.7.320");
    assert_no_mail(&server);
}

#[tokio::test]
async fn a_healthy_server_passes_with_tls_observed_and_gets_quit_not_mail() {
    let ca = TestCa::named("Partner Test CA");
    let server = tls_server(&ca.issue(&["mx.partner.test"])).await;
    let file = ca_file(&ca);
    let plan = NextHopPlan {
        tls_name: Some("mx.partner.test".into()),
        ..smart_hosts(&[server.addr()], TlsPolicy::VerifyName)
    };
    let report = deliverer_trusting(file.path().to_path_buf())
        .validate(&plan)
        .await;

    assert_eq!(report.diagnosis, None);
    assert_eq!(report.addresses.len(), 1);
    assert_eq!(report.addresses[0].stage, Stage::StartTls);
    assert_eq!(report.addresses[0].diagnosis, None);
    assert_eq!(report.tls.len(), 1);
    let observed = &report.tls[0];
    assert_eq!(observed.addr, server.addr());
    assert!(observed.starttls_offered);
    let negotiated = observed.negotiated.as_ref().expect("TLS was negotiated");
    assert!(negotiated.protocol.starts_with("TLSv1_"), "{negotiated:?}");
    assert!(!negotiated.cipher.is_empty(), "{negotiated:?}");
    let certificate = negotiated.certificate.as_ref().expect("a certificate");
    assert!(
        certificate.subject.contains("mx.partner.test"),
        "{certificate:?}"
    );
    assert!(
        certificate.issuer.contains("Partner Test CA"),
        "{certificate:?}"
    );
    assert!(!certificate.not_after.is_empty());
    assert_eq!(negotiated.certificate_problem, None);

    let sessions = server.sessions();
    assert_eq!(sessions.len(), 1);
    assert!(sessions[0].tls);
    assert_eq!(
        sessions[0].commands,
        [
            "EHLO relay.mailflow.test",
            "STARTTLS",
            "EHLO relay.mailflow.test",
            "QUIT"
        ]
    );
    assert_no_mail(&server);
}

#[tokio::test]
async fn opportunistic_tls_passes_and_says_what_was_wrong_with_the_certificate() {
    let cert = TestCert::self_signed(&["127.0.0.1"], Validity::Current);
    let server = tls_server(&cert).await;
    let plan = smart_hosts(&[server.addr()], TlsPolicy::Opportunistic);
    let report = deliverer().validate(&plan).await;

    assert_eq!(report.diagnosis, None);
    assert_eq!(report.addresses[0].stage, Stage::StartTls);
    let negotiated = report.tls[0]
        .negotiated
        .as_ref()
        .expect("TLS was negotiated");
    assert_eq!(
        negotiated.certificate_problem,
        Some(CertProblem::UntrustedIssuer)
    );
    assert_no_mail(&server);
}

#[tokio::test]
async fn a_plaintext_server_passes_at_ehlo_under_opportunistic() {
    let server = SmtpServer::start(SmtpBehavior::new()).await;
    let plan = smart_hosts(&[server.addr()], TlsPolicy::Opportunistic);
    let report = deliverer().validate(&plan).await;

    assert_eq!(report.diagnosis, None);
    assert_eq!(report.addresses[0].stage, Stage::Ehlo);
    assert_eq!(report.addresses[0].diagnosis, None);
    assert!(!report.tls[0].starttls_offered);
    assert_eq!(report.tls[0].negotiated, None);
    assert_no_mail(&server);
}

#[tokio::test]
async fn a_refused_first_smart_host_and_a_healthy_second_are_both_reported_and_pass() {
    let refused = refused_addr();
    let server = SmtpServer::start(SmtpBehavior::new()).await;
    let plan = smart_hosts(&[refused, server.addr()], TlsPolicy::Opportunistic);
    let report = deliverer().validate(&plan).await;

    assert_eq!(report.diagnosis, None);
    assert_eq!(report.addresses.len(), 2);
    assert_eq!(report.addresses[0].addr, Some(refused));
    assert_eq!(
        report.addresses[0].diagnosis,
        Some(Diagnosis::ConnectionRefused { addr: refused })
    );
    assert_eq!(report.addresses[1].addr, Some(server.addr()));
    assert_eq!(report.addresses[1].stage, Stage::Ehlo);
    assert_eq!(report.addresses[1].diagnosis, None);
    assert_eq!(report.tls.len(), 1);
    assert_eq!(report.tls[0].addr, server.addr());
    assert_no_mail(&server);
}

#[tokio::test]
async fn every_address_is_visited_even_after_one_passed() {
    let (first, second) = (
        SmtpServer::start(SmtpBehavior::new()).await,
        SmtpServer::start(SmtpBehavior::new()).await,
    );
    let busy = SmtpServer::start(SmtpBehavior::new().greeting("554 5.3.2 not today")).await;
    let plan = smart_hosts(
        &[first.addr(), second.addr(), busy.addr()],
        TlsPolicy::Opportunistic,
    );
    let report = deliverer().validate(&plan).await;

    assert_eq!(report.diagnosis, None, "one address passed");
    let stages: Vec<Stage> = report.addresses.iter().map(|result| result.stage).collect();
    assert_eq!(stages, [Stage::Ehlo, Stage::Ehlo, Stage::Greeting]);
    assert_eq!(
        report.addresses[2]
            .diagnosis
            .as_ref()
            .map(|d| d.code().to_string()),
        Some("4.4.317".to_string())
    );
    for server in [&first, &second, &busy] {
        assert_eq!(server.connections(), 1);
        assert_no_mail(server);
    }
}

#[tokio::test]
async fn no_address_passing_gives_the_furthest_verdict() {
    let busy =
        SmtpServer::start(SmtpBehavior::new().greeting("421 4.3.2 too busy, try later")).await;
    let refused = refused_addr();
    let plan = smart_hosts(&[busy.addr(), refused], TlsPolicy::Opportunistic);
    let report = deliverer().validate(&plan).await;

    assert_eq!(report.addresses.len(), 2);
    assert_eq!(report.diagnosis, report.addresses[0].diagnosis);
    assert_eq!(
        report.diagnosis.as_ref().map(|d| d.code().to_string()),
        Some("4.4.317".to_string())
    );
}

#[tokio::test]
async fn the_report_serialises_to_json_for_the_admin_api() {
    let cert = TestCert::self_signed(&["127.0.0.1"], Validity::Current);
    let server = tls_server(&cert).await;
    let refused = refused_addr();
    let plan = smart_hosts(&[refused, server.addr()], TlsPolicy::Opportunistic);
    let report = deliverer().validate(&plan).await;

    let json = serde_json::to_value(&report).expect("JSON");
    assert_eq!(json["diagnosis"], serde_json::Value::Null);
    assert_eq!(json["addresses"][0]["stage"], "connect");
    assert_eq!(
        json["addresses"][0]["diagnosis"]["category"],
        "connection_refused"
    );
    assert_eq!(json["addresses"][1]["stage"], "starttls");
    assert_eq!(json["tls"][0]["addr"], server.addr().to_string());
    assert_eq!(json["tls"][0]["starttls_offered"], true);
    let negotiated = &json["tls"][0]["negotiated"];
    assert!(
        negotiated["protocol"]
            .as_str()
            .unwrap()
            .starts_with("TLSv1_")
    );
    assert_eq!(
        negotiated["certificate_problem"]["reason"],
        "untrusted_issuer"
    );
}
