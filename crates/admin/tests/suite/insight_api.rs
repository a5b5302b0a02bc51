//! Insights and the message trace over real HTTP, in front of a running
//! node: a message comes in over SMTP, is deferred because the on-premises
//! server greets with an error, and is delivered once the server is back.

use crate::common::{Api, settings};
use mailflow_core::{
    AcceptedDomain, Connector, ConnectorKind, DomainType, OrgSettings, RecipientState,
};
use mailflow_testkit::{SmtpBehavior, SmtpServer};
use mailflow_testnode::submit::{queue_id, send};
use mailflow_testnode::{TestNode, connector, eventually};
use serde_json::Value;
use std::net::SocketAddr;
use std::time::Duration;

const TOKEN: &str = "insight-token-1234";

async fn start(onprem: SocketAddr) -> Api {
    let node = TestNode::start(org(onprem), settings()).await;
    Api::start(node, TOKEN, true).await
}

fn org(onprem: SocketAddr) -> OrgSettings {
    let onprem = connector(
        "to-onprem",
        ConnectorKind::OnPremises,
        &["contoso.test"],
        &[onprem],
    );
    OrgSettings {
        accepted_domains: vec![AcceptedDomain {
            name: "contoso.test".into(),
            kind: DomainType::InternalRelay,
        }],
        connectors: vec![Connector {
            max_connections: 2,
            ..onprem
        }],
        directory: Default::default(),
    }
}

/// Sends one message over SMTP; returns the queue id from the `250`.
async fn submit(smtp: SocketAddr, from: &str, to: &str) -> String {
    let (code, reply) = send(smtp, from, &[to], "Subject: trace me\r\n\r\nhello\r\n").await;
    assert_eq!(code, 250, "{reply}");
    queue_id(&reply)
}

/// Waits (bounded) until the message's only recipient is in `state`.
async fn wait_for_state(api: &Api, id: &str, state: RecipientState) {
    eventually(&format!("the recipient becomes {state}"), || async {
        api.node.message(id).await.recipients[0].state == state
    })
    .await;
}

fn event_types(trace: &Value) -> Vec<String> {
    trace["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn insights_and_the_trace_follow_a_message_deferred_then_delivered() {
    let onprem =
        SmtpServer::start(SmtpBehavior::new().greeting("421 4.3.2 service not available")).await;
    let api = start(onprem.addr()).await;
    let id = submit(api.node.smtp, "bob@example.test", "alice@contoso.test").await;
    wait_for_state(&api, &id, RecipientState::Deferred).await;

    let (status, list) = api.get("/api/v1/insights").await;
    assert_eq!(status, 200, "{list}");
    let insight = &list.as_array().unwrap()[0];
    assert_eq!(insight["connector"], "to-onprem");
    assert_eq!(insight["kind"], "on_premises");
    assert_eq!(insight["queued"], 1);
    assert_eq!(insight["status"], "failing");
    assert_eq!(insight["by_code"][0]["code"], "4.4.317");
    assert_eq!(insight["by_code"][0]["category"], "remote_server_error");
    assert_eq!(insight["last_error"]["server"], onprem.addr().to_string());
    assert!(
        insight["last_error"]["detail"]
            .as_str()
            .unwrap()
            .contains("421"),
        "{insight}"
    );
    assert_eq!(insight["last_address"], onprem.addr().to_string());
    assert_eq!(
        (
            insight["attempts_last_hour"].as_u64(),
            insight["successes_last_hour"].as_u64()
        ),
        (Some(1), Some(0))
    );
    assert!(
        insight["fixes"]
            .as_array()
            .unwrap()
            .contains(&Value::from("disable:to-onprem"))
    );

    let (status, one) = api.get("/api/v1/insights/to-onprem?lang=fr").await;
    assert_eq!(status, 200, "{one}");
    assert_eq!(one["queued"], 1);
    let (status, error) = api.get("/api/v1/insights/to-onprem?lang=xx").await;
    assert_eq!(
        (status, error["error"]["field"].as_str()),
        (400, Some("lang"))
    );
    let (status, error) = api.get("/api/v1/insights/nowhere").await;
    assert_eq!(
        (status, error["error"]["id"].as_str()),
        (404, Some("nowhere"))
    );

    onprem.set_behavior(SmtpBehavior::new());
    api.node.advance(Duration::from_secs(64)); // past the first retry and its jitter
    onprem
        .wait_for_messages(1, Duration::from_secs(10))
        .await
        .unwrap();
    wait_for_state(&api, &id, RecipientState::Delivered).await;

    let (status, traces) = api.get(&format!("/api/v1/trace?message_id={id}")).await;
    assert_eq!(status, 200, "{traces}");
    let trace = &traces.as_array().unwrap()[0];
    assert_eq!(
        event_types(trace),
        [
            "received",
            "routed",
            "attempt",
            "deferred",
            "attempt",
            "delivered"
        ]
    );
    let events = trace["events"].as_array().unwrap();
    let received = events[0]["summary"].as_str().unwrap();
    assert!(received.contains("Received from 127.0.0.1"), "{received}");
    assert_eq!(events[1]["reason"], "accepted_domain");
    assert_eq!(events[2]["addresses"][0]["code"], "4.4.317");
    assert_eq!(events[3]["code"], "4.4.317");
    assert_eq!(events[5]["server"], onprem.addr().to_string());

    let (_, by_recipient) = api
        .get("/api/v1/trace?recipient=ALICE@contoso.test&status=delivered")
        .await;
    assert_eq!(by_recipient.as_array().unwrap().len(), 1);
    let (_, none) = api.get("/api/v1/trace?sender=nobody@example.test").await;
    assert!(none.as_array().unwrap().is_empty());
    let (status, error) = api.get("/api/v1/trace?since=yesterday").await;
    assert_eq!(
        (status, error["error"]["field"].as_str()),
        (400, Some("since"))
    );

    let (_, after) = api.get("/api/v1/insights/to-onprem").await;
    assert_eq!(after["queued"], 0);
    assert_eq!(after["status"], "degraded", "a failure within the hour");
    assert_eq!(after["successes_last_hour"], 1);
    api.stop().await;
}

#[tokio::test]
async fn the_openapi_document_describes_insights_and_trace() {
    let onprem = SmtpServer::start(SmtpBehavior::new()).await;
    let api = start(onprem.addr()).await;
    let (status, document) = api.get("/api/v1/openapi.json").await;
    assert_eq!(status, 200);
    for path in [
        "/api/v1/insights",
        "/api/v1/insights/{connector}",
        "/api/v1/trace",
    ] {
        assert!(
            document["paths"][path]["get"].is_object(),
            "{path} is documented"
        );
    }
    for schema in ["ConnectorInsight", "TraceView", "EventView"] {
        assert!(
            document["components"]["schemas"][schema].is_object(),
            "{schema}"
        );
    }
    api.stop().await;
}
