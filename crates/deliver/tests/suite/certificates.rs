//! Certificates under each TLS policy: verify_ca and verify_name reject with
//! 4.7.320 and the reason, subject, issuer and dates; a CA in
//! `trusted_ca_file` is trusted; opportunistic delivers over TLS whatever the
//! certificate.

use crate::common::*;
use mailflow_core::{CertProblem, Diagnosis, Stage, TlsPolicy};
use mailflow_deliver::NextHopPlan;
use mailflow_testkit::{SmtpBehavior, SmtpServer, TestCa, TestCert, Validity};
use std::io::Write;
use tempfile::NamedTempFile;

fn ca_file(ca: &TestCa) -> NamedTempFile {
    let mut file = NamedTempFile::new().expect("temp file");
    file.write_all(ca.cert_pem().as_bytes()).expect("write CA");
    file
}

async fn tls_server(cert: &TestCert) -> SmtpServer {
    SmtpServer::start(SmtpBehavior::new().starttls(cert.server_config())).await
}

/// Delivers one message with the CA trusted; returns the certificate
/// diagnosis every recipient got.
async fn rejected_certificate(server: &SmtpServer, ca: &TestCa, plan: NextHopPlan) -> Diagnosis {
    let file = ca_file(ca);
    let report = deliverer_trusting(file.path().to_path_buf())
        .deliver(&plan, &[message(&["bob@dest.test"])])
        .await;
    let (diagnosis, where_) = only_diagnosis(&report);
    assert_eq!(where_, Some(server.addr().to_string()));
    assert_eq!(diagnosis.code().to_string(), "4.7.320");
    assert_eq!(report.addresses[0].stage, Stage::StartTls);
    assert!(server.messages().is_empty());
    diagnosis
}

fn problem(diagnosis: &Diagnosis) -> &CertProblem {
    let Diagnosis::CertificateInvalid { problem, .. } = diagnosis else {
        panic!("not 4.7.320: {diagnosis:?}")
    };
    problem
}

#[tokio::test]
async fn an_expired_certificate_under_verify_ca_is_4_7_320_expired() {
    let ca = TestCa::named("Dest Test CA");
    let cert = ca.issue_with_validity(&["127.0.0.1"], Validity::Expired);
    let server = tls_server(&cert).await;
    let diagnosis = rejected_certificate(
        &server,
        &ca,
        smart_hosts(&[server.addr()], TlsPolicy::VerifyCa),
    )
    .await;

    assert_eq!(problem(&diagnosis), &CertProblem::Expired);
    let Diagnosis::CertificateInvalid { certificate, .. } = &diagnosis else {
        unreachable!()
    };
    assert!(certificate.subject.contains("127.0.0.1"), "{certificate:?}");
    assert!(
        certificate.issuer.contains("Dest Test CA"),
        "{certificate:?}"
    );
    assert!(!certificate.not_before.is_empty() && !certificate.not_after.is_empty());
    let detail = diagnosis.detail();
    assert!(
        detail.contains("expired") && detail.contains("Dest Test CA"),
        "{detail}"
    );
    let not_after = mailflow_core::time_format::text_from_json(&certificate.not_after);
    assert!(
        not_after.ends_with('Z') && !not_after.contains('T'),
        "{not_after}"
    );
    assert!(detail.contains(&format!("to {not_after}")), "{detail}");
}

#[tokio::test]
async fn a_certificate_for_another_name_under_verify_name_is_4_7_320_name_mismatch() {
    let ca = TestCa::new();
    let cert = ca.issue(&["mx.other.test"]);
    let server = tls_server(&cert).await;
    let diagnosis = rejected_certificate(
        &server,
        &ca,
        smart_hosts(&[server.addr()], TlsPolicy::VerifyName),
    )
    .await;

    assert_eq!(
        problem(&diagnosis),
        &CertProblem::NameMismatch {
            expected: "127.0.0.1".into(),
            presented: vec!["mx.other.test".into()]
        }
    );
    assert!(
        diagnosis.detail().contains("expected 127.0.0.1"),
        "{}",
        diagnosis.detail()
    );
}

#[tokio::test]
async fn the_same_wrong_name_passes_verify_ca() {
    let ca = TestCa::new();
    let server = tls_server(&ca.issue(&["mx.other.test"])).await;
    let file = ca_file(&ca);
    let plan = smart_hosts(&[server.addr()], TlsPolicy::VerifyCa);
    let report = deliverer_trusting(file.path().to_path_buf())
        .deliver(&plan, &[message(&["bob@dest.test"])])
        .await;
    assert!(
        is_delivered(&report.messages[0][0]),
        "{:?}",
        report.messages
    );
    assert!(server.wait_for_messages(1, WAIT).await.unwrap()[0].tls);
}

#[tokio::test]
async fn a_self_signed_certificate_under_verify_ca_is_4_7_320_untrusted_issuer() {
    let ca = TestCa::new();
    let cert = TestCert::self_signed(&["127.0.0.1"], Validity::Current);
    let server = tls_server(&cert).await;
    let diagnosis = rejected_certificate(
        &server,
        &ca,
        smart_hosts(&[server.addr()], TlsPolicy::VerifyCa),
    )
    .await;
    assert_eq!(problem(&diagnosis), &CertProblem::UntrustedIssuer);
    assert!(
        diagnosis.detail().contains("untrusted_issuer"),
        "{}",
        diagnosis.detail()
    );
}

#[tokio::test]
async fn a_certificate_from_an_unknown_ca_under_verify_ca_is_untrusted() {
    let (trusted, other) = (TestCa::named("Trusted CA"), TestCa::named("Other CA"));
    let server = tls_server(&other.issue(&["127.0.0.1"])).await;
    let diagnosis = rejected_certificate(
        &server,
        &trusted,
        smart_hosts(&[server.addr()], TlsPolicy::VerifyCa),
    )
    .await;
    assert_eq!(problem(&diagnosis), &CertProblem::UntrustedIssuer);
}

#[tokio::test]
async fn a_certificate_from_the_trusted_ca_file_delivers_under_verify_name() {
    let ca = TestCa::new();
    let server = tls_server(&ca.issue(&["mx.dest.test"])).await;
    let file = ca_file(&ca);
    let plan = NextHopPlan {
        tls_name: Some("mx.dest.test".into()),
        ..smart_hosts(&[server.addr()], TlsPolicy::VerifyName)
    };
    let report = deliverer_trusting(file.path().to_path_buf())
        .deliver(&plan, &[message(&["bob@dest.test"])])
        .await;

    assert!(
        is_delivered(&report.messages[0][0]),
        "{:?}",
        report.messages
    );
    assert_eq!(report.addresses[0].stage, Stage::Data);
    let received = server.wait_for_messages(1, WAIT).await.unwrap();
    assert!(received[0].tls, "the message went in the clear");
}

#[tokio::test]
async fn opportunistic_tls_delivers_over_tls_despite_a_bad_certificate() {
    let cert = TestCert::self_signed(&["mx.other.test"], Validity::Expired);
    let server = tls_server(&cert).await;
    let plan = smart_hosts(&[server.addr()], TlsPolicy::Opportunistic);
    let report = deliverer()
        .deliver(&plan, &[message(&["bob@dest.test"])])
        .await;

    assert!(
        is_delivered(&report.messages[0][0]),
        "{:?}",
        report.messages
    );
    assert!(server.wait_for_messages(1, WAIT).await.unwrap()[0].tls);
}

#[tokio::test]
async fn a_close_instead_of_the_handshake_is_4_4_318_during_tls() {
    let server = SmtpServer::start(
        SmtpBehavior::new()
            .starttls(TestCert::self_signed(&["127.0.0.1"], Validity::Current).server_config())
            .fault(
                mailflow_testkit::FaultPoint::DuringTls,
                mailflow_testkit::FaultAction::Close,
            ),
    )
    .await;
    let plan = smart_hosts(&[server.addr()], TlsPolicy::Required);
    let report = deliverer()
        .deliver(&plan, &[message(&["bob@dest.test"])])
        .await;
    let (diagnosis, _) = only_diagnosis(&report);
    assert_eq!(
        diagnosis,
        Diagnosis::ConnectionDropped {
            stage: mailflow_core::DropStage::DuringTls,
            how: mailflow_core::DropKind::Closed
        }
    );
}
