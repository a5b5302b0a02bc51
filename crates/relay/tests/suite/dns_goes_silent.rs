//! The name server MX delivery asks stops answering in the middle of a load,
//! then answers again (SPEC 9, fault tests).
//!
//! While it is silent, mail for MX-routed domains is deferred with the DNS
//! diagnosis (`450 4.4.312`, outcome time-out) and waits in the queue behind
//! a hold of its next hop; nothing is lost or bounced. Receiving goes on, and
//! a connector whose smart host is an IP address keeps delivering: DNS
//! trouble holds only what needs DNS. When the name server answers again and
//! the retry time comes (the test moves the node's clock), every accepted
//! message reaches its MX exactly once.

use mailflow_core::{Diagnosis, DnsOutcome, EventKind, MessageId, RecipientState, Stage};
use mailflow_store::StoredRecipient;
use mailflow_testkit::dns_server::DnsServer;
use mailflow_testkit::smtp_server::{SmtpBehavior, SmtpServer};
use mailflow_testnode::submit::{queue_id, send};
use mailflow_testnode::{ORG, TestNode, eventually, org, settings};
use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Two MX-routed domains, each its own next hop (`mx/<domain>`), served by
/// one loopback SMTP server.
const MX_DOMAINS: [&str; 2] = ["far1.test", "far2.test"];
/// Short, so that a silent name server costs little real time per attempt.
const DNS_TIMEOUT: Duration = Duration::from_millis(200);
/// Clients submitting at the same time.
const CLIENTS: usize = 3;
/// Messages delivered through DNS before the name server goes silent.
const DELIVERED_BEFORE: usize = 9;
/// Messages each client still submits once the name server is silent.
const SENT_WHILE_SILENT: usize = 3;
/// Bound on each client's load, whatever happens.
const MAX_LOAD: usize = 100;
const WAIT: Duration = Duration::from_secs(10);

/// One message of the load and what the node answered to it.
struct Sent {
    subject: String,
    code: u16,
    reply: String,
    /// The name server was already silent when its submission began.
    while_silent: bool,
}

#[tokio::test]
async fn a_silent_name_server_defers_only_mx_mail_and_it_all_arrives_once_dns_answers() {
    let dns = DnsServer::start().await;
    for domain in MX_DOMAINS {
        let exchange = format!("mx.{domain}");
        dns.set_mx(domain, &[(10, &exchange)]);
        dns.set_a(&exchange, &[Ipv4Addr::LOCALHOST]);
    }
    let mx = SmtpServer::start(SmtpBehavior::new()).await;
    // contoso.test goes to its on-premises server by IP: no DNS at all.
    let onprem = SmtpServer::start(SmtpBehavior::new()).await;
    // example.test (the senders' domain) is where any report would go.
    let partner = SmtpServer::start(SmtpBehavior::new()).await;
    let mut settings = settings();
    settings.deliver.nameservers = vec![dns.addr()];
    settings.deliver.dns_timeout = DNS_TIMEOUT;
    settings.deliver.mx_port = mx.addr().port();
    let node = TestNode::start(org(onprem.addr(), partner.addr()), settings).await;

    // Load: clients submit to the MX domains at the same time; the name
    // server goes silent once the first messages have arrived, and the load
    // goes on.
    let silent = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|client| tokio::spawn(run_load(node.smtp, client, silent.clone())))
        .collect();
    mx.wait_for_messages(DELIVERED_BEFORE, WAIT).await.unwrap();
    dns.stop_answering();
    silent.store(true, Ordering::SeqCst);
    let mut sent = Vec::new();
    for client in clients {
        sent.extend(client.await.unwrap());
    }

    // Receiving never needed DNS: every message got 250, silent or not.
    for message in &sent {
        assert_eq!(message.code, 250, "{}: {}", message.subject, message.reply);
    }
    assert_eq!(
        sent.iter().filter(|m| m.while_silent).count(),
        CLIENTS * SENT_WHILE_SILENT
    );
    let ids: HashMap<MessageId, &Sent> = sent
        .iter()
        .map(|m| (queue_id(&m.reply).parse().unwrap(), m))
        .collect();

    // Every round that needed DNS ends within the resolver's time-out (no
    // worker waits forever): nothing stays in flight, and whatever was not
    // delivered waits for a time to come.
    eventually(
        "all MX mail is delivered or parked until a retry time",
        || async {
            let now = node.now();
            mx_recipients(&node).await.iter().all(|r| match r.state {
                RecipientState::Delivered => true,
                RecipientState::Queued | RecipientState::Deferred => {
                    r.next_attempt_at.is_some_and(|at| at > now)
                }
                _ => false,
            })
        },
    )
    .await;

    let messages = node.messages().await;
    let mut deferred = 0;
    for message in &messages {
        let Sent {
            subject,
            while_silent,
            ..
        } = ids[&message.id];
        for recipient in &message.recipients {
            match recipient.state {
                RecipientState::Delivered => assert!(
                    !while_silent,
                    "{subject} was delivered although submitted while DNS was silent"
                ),
                RecipientState::Deferred => {
                    deferred += 1;
                    let error = recipient
                        .last_error
                        .as_ref()
                        .expect("a deferral has an error");
                    assert_dns_time_out(&error.diagnosis, subject);
                    assert!(
                        recipient.next_attempt_at.unwrap() < message.expires_at,
                        "{subject} is retried before it expires"
                    );
                }
                // Accepted while its next hop was already on hold: no
                // attempt, it waits for the hold's end.
                RecipientState::Queued => {
                    assert_eq!(recipient.attempts, 0, "{subject}");
                    assert!(recipient.last_error.is_none(), "{subject}");
                }
                state => panic!("{subject} is {state:?}: accepted mail must stay queued"),
            }
        }
    }
    assert!(
        deferred > 0,
        "mail already flowing is deferred by the silent name server"
    );
    for domain in MX_DOMAINS {
        let hop = format!("{ORG}/mx/{domain}");
        let hold = node
            .store
            .next_hop_hold(&hop)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("{hop} is held while DNS is silent"));
        assert_dns_time_out(&hold.diagnosis, &hop);
    }
    // The attempts that met the silence gave up within the time-out: each
    // resolution is a few queries of DNS_TIMEOUT, never an open-ended wait.
    let dns_attempts = dns_attempt_times(&node, &messages).await;
    assert!(!dns_attempts.is_empty());
    for elapsed in &dns_attempts {
        assert!(
            *elapsed < Duration::from_secs(2),
            "a resolution against a silent server took {elapsed:?}"
        );
    }

    // Still silent: a connector routed by smart host IP keeps delivering,
    // and a message split between it and an MX domain delivers its
    // connector part while the MX part waits. The held hops ask the silent
    // server nothing more before their retry time.
    let questions_while_held = dns.queries();
    for n in 0..3 {
        let (code, reply) = send(
            node.smtp,
            "bob@example.test",
            &["alice@contoso.test"],
            &format!("Subject: onprem {n}\n\nby IP\n"),
        )
        .await;
        assert_eq!(code, 250, "{reply}");
    }
    let (code, reply) = send(
        node.smtp,
        "bob@example.test",
        &["alice@contoso.test", "zoe@far1.test"],
        "Subject: split\n\nhalf by IP, half by MX\n",
    )
    .await;
    assert_eq!(code, 250, "{reply}");
    let split = queue_id(&reply);
    onprem.wait_for_messages(4, WAIT).await.unwrap();
    eventually(
        "the connector part of the split message is delivered",
        || async { node.states(&split).await[0] == RecipientState::Delivered },
    )
    .await;
    let zoe = node.message(&split).await.recipients[1].clone();
    assert!(
        matches!(zoe.state, RecipientState::Queued | RecipientState::Deferred),
        "the MX part waits: {zoe:?}"
    );
    assert_eq!(
        dns.queries(),
        questions_while_held,
        "no DNS question while the MX hops are held: {:?}",
        dns.query_log()
    );
    assert!(
        dns.query_log()
            .iter()
            .all(|(name, _)| MX_DOMAINS.iter().any(|d| name.ends_with(d))),
        "delivery by smart host IP asked DNS nothing: {:?}",
        dns.query_log()
    );
    assert!(
        partner.messages().is_empty(),
        "nothing bounced, no notice sent"
    );

    // The name server answers again; at the retry time (the clock moves,
    // no real waiting) the held hops are probed and drained.
    dns.resume_answering();
    let latest = mx_recipients(&node)
        .await
        .iter()
        .filter_map(|r| r.next_attempt_at)
        .max()
        .expect("MX mail is waiting");
    node.advance((latest - node.now()).unsigned_abs() + Duration::from_secs(1));
    let expected_at_mx = sent.len() + 1;
    mx.wait_for_messages(expected_at_mx, WAIT).await.unwrap();
    eventually("every MX recipient is recorded as delivered", || async {
        mx_recipients(&node)
            .await
            .iter()
            .all(|r| r.state == RecipientState::Delivered)
    })
    .await;
    for domain in MX_DOMAINS {
        let hop = format!("{ORG}/mx/{domain}");
        assert_eq!(node.store.next_hop_hold(&hop).await.unwrap(), None, "{hop}");
    }

    // Exactly once: a deferral by DNS happens before any connection, so no
    // message was ever half sent, and no session broke after a message's
    // data. Each accepted message arrives once, none twice, none lost.
    let mut arrivals: HashMap<String, usize> = HashMap::new();
    for message in mx.messages() {
        *arrivals
            .entry(subject_of(&message.data_text()))
            .or_default() += 1;
    }
    let mut expected: Vec<String> = sent.iter().map(|m| m.subject.clone()).collect();
    expected.push("split".into());
    for subject in &expected {
        assert_eq!(arrivals.get(subject), Some(&1), "{subject} at the MX");
    }
    assert_eq!(mx.messages().len(), expected.len(), "{arrivals:?}");
    assert_eq!(
        onprem.messages().len(),
        4,
        "the connector's mail, once each"
    );
    assert!(partner.messages().is_empty(), "nothing bounced");
    assert!(
        node.messages()
            .await
            .iter()
            .flat_map(|m| &m.recipients)
            .all(|r| r.state == RecipientState::Delivered)
    );

    tokio::time::timeout(WAIT, node.stop())
        .await
        .expect("the node stops: no delivery worker is stuck");
}

/// One client: submits to the MX domains in turn, one message after
/// another, until `SENT_WHILE_SILENT` of them began after `silent` was
/// raised.
async fn run_load(smtp: SocketAddr, client: usize, silent: Arc<AtomicBool>) -> Vec<Sent> {
    let mut sent = Vec::new();
    for n in 0..MAX_LOAD {
        let while_silent = silent.load(Ordering::SeqCst);
        let subject = format!("load {client}-{n}");
        let to = format!("user{n}@{}", MX_DOMAINS[(client + n) % MX_DOMAINS.len()]);
        let (code, reply) = send(
            smtp,
            "bob@example.test",
            &[&to],
            &format!("Subject: {subject}\n\nmessage {n}\n"),
        )
        .await;
        sent.push(Sent {
            subject,
            code,
            reply,
            while_silent,
        });
        if sent.iter().filter(|m| m.while_silent).count() == SENT_WHILE_SILENT {
            return sent;
        }
    }
    panic!("the name server never went silent during the load");
}

/// The recipients routed by MX (no connector).
async fn mx_recipients(node: &TestNode) -> Vec<StoredRecipient> {
    node.messages()
        .await
        .into_iter()
        .flat_map(|m| m.recipients)
        .filter(|r| r.route.connector.is_none())
        .collect()
}

/// A resolver time-out is a DNS failure: `450 4.4.312`, transient.
fn assert_dns_time_out(diagnosis: &Diagnosis, what: &str) {
    assert!(
        matches!(
            diagnosis,
            Diagnosis::DnsQueryFailed {
                outcome: DnsOutcome::TimedOut,
                ..
            }
        ),
        "{what}: {diagnosis:?}"
    );
    assert_eq!(diagnosis.code().to_string(), "4.4.312", "{what}");
    assert_eq!(diagnosis.category().as_str(), "dns_query_failed", "{what}");
    assert!(!diagnosis.is_permanent(), "{what}");
    assert!(
        diagnosis.reply().starts_with("450 4.4.312 "),
        "{what}: {}",
        diagnosis.reply()
    );
}

/// How long each attempt that stopped at DNS took.
async fn dns_attempt_times(
    node: &TestNode,
    messages: &[mailflow_store::StoredMessage],
) -> Vec<Duration> {
    let mut times = Vec::new();
    for message in messages {
        for event in node.store.events(message.id).await.unwrap() {
            if let EventKind::Attempt { results } = event.kind {
                times.extend(
                    results
                        .iter()
                        .filter(|r| r.stage == Stage::Dns)
                        .map(|r| Duration::from_millis(r.elapsed_ms)),
                );
            }
        }
    }
    times
}

fn subject_of(data: &str) -> String {
    data.lines()
        .find_map(|line| line.strip_prefix("Subject: "))
        .unwrap_or_default()
        .to_string()
}
