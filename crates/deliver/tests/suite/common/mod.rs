//! What the delivery tests share: settings with short time-outs, plans for
//! smart hosts on loopback, and messages.

#![allow(dead_code)]

use mailflow_core::{Diagnosis, DsnEnvelope, DsnRecipient, MessageId, SmartHost, TlsPolicy};
use mailflow_deliver::{
    Deliverer, DeliveryReport, DeliverySettings, MessageBody, NextHopPlan, OutboundMessage,
    OutboundRecipient, RecipientOutcome, Target,
};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

pub const CONNECT_TIMEOUT: Duration = Duration::from_millis(300);
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a test waits for the scripted server to have seen something.
pub const WAIT: Duration = Duration::from_secs(5);

pub fn settings() -> DeliverySettings {
    DeliverySettings {
        hostname: "relay.mailflow.test".to_string(),
        mx_port: 25,
        connect_timeout: CONNECT_TIMEOUT,
        command_timeout: COMMAND_TIMEOUT,
        nameservers: Vec::new(),
        dns_timeout: Duration::from_secs(1),
        trusted_ca_file: None,
        max_delivery_memory: mailflow_deliver::DEFAULT_MAX_DELIVERY_MEMORY,
    }
}

pub fn deliverer() -> Deliverer {
    Deliverer::new(settings()).expect("deliverer")
}

pub fn deliverer_trusting(ca_file: PathBuf) -> Deliverer {
    Deliverer::new(DeliverySettings {
        trusted_ca_file: Some(ca_file),
        ..settings()
    })
    .expect("deliverer")
}

/// A plan through smart hosts given as `ip:port`, in order.
pub fn smart_hosts(addrs: &[SocketAddr], tls: TlsPolicy) -> NextHopPlan {
    let hosts = addrs
        .iter()
        .map(|addr| SmartHost {
            host: addr.ip().to_string(),
            port: Some(addr.port()),
        })
        .collect();
    NextHopPlan {
        target: Target::SmartHosts(hosts),
        tls,
        tls_name: None,
        connect_timeout: None,
        command_timeout: None,
        through_connector: true,
    }
}

pub fn message(recipients: &[&str]) -> OutboundMessage {
    message_with_body(recipients, b"Subject: test\r\n\r\nHello.\r\n")
}

pub fn message_with_body(recipients: &[&str], body: &[u8]) -> OutboundMessage {
    OutboundMessage {
        id: MessageId::new(),
        sender: "alice@sender.test".to_string(),
        dsn: DsnEnvelope::default(),
        recipients: recipients
            .iter()
            .map(|address| OutboundRecipient {
                address: address.to_string(),
                dsn: DsnRecipient::default(),
            })
            .collect(),
        body: MessageBody::in_memory(body),
    }
}

/// The one diagnosis every recipient of every message got; panics when a
/// recipient was delivered or diagnoses differ.
pub fn only_diagnosis(report: &DeliveryReport) -> (Diagnosis, Option<String>) {
    let mut found: Option<(Diagnosis, Option<String>)> = None;
    for outcome in report.messages.iter().flatten() {
        let RecipientOutcome::Failed { diagnosis, server } = outcome else {
            panic!("expected every recipient to fail, got {outcome:?}");
        };
        let this = (diagnosis.clone(), server.clone());
        if let Some(seen) = &found {
            assert_eq!(seen, &this, "recipients got different diagnoses");
        }
        found = Some(this);
    }
    found.expect("at least one recipient")
}

pub fn is_delivered(outcome: &RecipientOutcome) -> bool {
    matches!(outcome, RecipientOutcome::Delivered { .. })
}
