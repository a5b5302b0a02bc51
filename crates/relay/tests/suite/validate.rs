//! Validating a connector through the running node answers with the same
//! diagnosis a delivery attempt gives, and sends no mail.

use mailflow_relay::ValidateError;
use mailflow_testkit::ports::refused_addr;
use mailflow_testkit::smtp_server::{SmtpBehavior, SmtpServer};
use mailflow_testnode::{ORG, TestNode, org, settings};

#[tokio::test]
async fn a_refused_connector_validates_as_4_4_316_and_a_healthy_one_passes() {
    let partner = SmtpServer::start(SmtpBehavior::new()).await;
    let refused = refused_addr();
    let node = TestNode::start(org(refused, partner.addr()), settings()).await;
    let handle = node.handle.clone();

    let report = handle
        .validate_connector(ORG, "to-onprem", None)
        .await
        .unwrap();
    let diagnosis = report.diagnosis.expect("a diagnosis");
    assert_eq!(diagnosis.code().to_string(), "4.4.316");
    assert_eq!(report.addresses[0].addr, Some(refused));

    let report = handle
        .validate_connector(ORG, "to-partner", None)
        .await
        .unwrap();
    assert!(report.diagnosis.is_none(), "{:?}", report.diagnosis);
    assert_eq!(partner.connections(), 1);
    assert!(partner.messages().is_empty(), "validation sends no mail");

    let unknown = handle
        .validate_connector(ORG, "nope", None)
        .await
        .unwrap_err();
    assert!(matches!(unknown, ValidateError::UnknownConnector(_)));
    node.stop().await;
}
