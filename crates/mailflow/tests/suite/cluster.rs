//! Several nodes on one PostgreSQL database, as real processes: mail one
//! node accepted is delivered by another when the first is killed; a
//! setting or a fix applied through one node is in force on the other; a
//! stuck connector opens one alert however many nodes watch it; and the
//! database going away (restarted under load, or down for a while) loses
//! nothing accepted, answers new mail `451 4.3.0`, and mail flows again
//! when it is back.

use crate::common::cluster::{
    Cluster, ClusterDatabase, DatabaseStopped, ONE_AT_A_TIME, restart_database, start_node,
};
use crate::common::crash::{Submission, received_subjects, submit_subject};
use mailflow_testkit::ports::BlackHole;
use mailflow_testkit::smtp_server::{SmtpBehavior, SmtpServer};
use std::collections::BTreeSet;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn work_of_a_node_killed_mid_delivery_is_delivered_by_another_and_none_is_lost() {
    let _alone = ONE_AT_A_TIME.lock().await;
    let database = ClusterDatabase::create("mailflow_cluster").await;
    let dir = tempfile::tempdir().unwrap();
    // Until the test says otherwise, the next hop takes no connection:
    // every delivery hangs connecting.
    let black_hole = BlackHole::new().await;
    let next_hop = black_hole.addr();
    let first = start_node(&dir.path().join("a"), "node-a", &database.url, next_hop);
    let second = start_node(&dir.path().join("b"), "node-b", &database.url, next_hop);

    let mut accepted = BTreeSet::new();
    for n in 0..10 {
        let subject = format!("message-{n}");
        if submit_subject(first.smtp, &subject).await == Submission::Accepted {
            accepted.insert(subject);
        }
    }
    assert_eq!(accepted.len(), 10, "the first node accepts every message");
    first.kill9();

    drop(black_hole);
    let sink = SmtpServer::start_on(next_hop, SmtpBehavior::new()).await;
    sink.wait_for_messages(accepted.len(), Duration::from_secs(90))
        .await
        .expect("the second node delivers what the first had accepted");
    let delivered: BTreeSet<String> = received_subjects(&sink).into_iter().collect();
    assert_eq!(delivered, accepted, "nothing accepted is lost");
    drop(second);
}

/// Waits (30 s at most) until `smtp` refuses `address` as unknown
/// (`550 5.1.10`): a change made through another node is in force here.
async fn refused_within_seconds(smtp: std::net::SocketAddr, address: &str) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let reply = rcpt_reply(smtp, address).await;
        if reply.starts_with("550") {
            assert!(reply.contains("5.1.10"), "{reply}");
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{smtp} still answers {reply} 30 s after the change"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The reply to `RCPT TO:<address>` at `smtp`, after EHLO and MAIL FROM.
async fn rcpt_reply(smtp: std::net::SocketAddr, address: &str) -> String {
    last_reply(
        smtp,
        &[
            "EHLO probe.test".to_string(),
            "MAIL FROM:<bob@example.test>".to_string(),
            format!("RCPT TO:<{address}>"),
        ],
    )
    .await
}

/// The reply to a message's final dot at `smtp`.
async fn data_reply(smtp: std::net::SocketAddr, subject: &str) -> String {
    last_reply(
        smtp,
        &[
            "EHLO probe.test".to_string(),
            "MAIL FROM:<bob@contoso.test>".to_string(),
            "RCPT TO:<alice@contoso.test>".to_string(),
            "DATA".to_string(),
            format!("Subject: {subject}\r\n\r\nbody\r\n."),
        ],
    )
    .await
}

/// The last line of the reply to the last of `commands`, each sent after
/// the reply to the one before (the greeting first).
async fn last_reply(smtp: std::net::SocketAddr, commands: &[String]) -> String {
    let stream = TcpStream::connect(smtp).await.unwrap();
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    let mut reply = String::new();
    for command in std::iter::once(None).chain(commands.iter().map(Some)) {
        if let Some(command) = command {
            write
                .write_all(format!("{command}\r\n").as_bytes())
                .await
                .unwrap();
        }
        // The last line of the reply: "NNN " rather than "NNN-".
        loop {
            let line = lines.next_line().await.unwrap().unwrap();
            if line.as_bytes().get(3) != Some(&b'-') {
                reply = line;
                break;
            }
        }
    }
    let _ = write.write_all(b"QUIT\r\n").await;
    reply
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_domain_added_through_one_node_is_in_force_on_the_other_within_seconds() {
    let _alone = ONE_AT_A_TIME.lock().await;
    let cluster = Cluster::start(2, mailflow_testkit::refused_addr(), "").await;
    let (first, second) = (&cluster.nodes[0], &cluster.nodes[1]);
    let unknown = "nobody@fabrikam.test";
    assert!(
        rcpt_reply(second.smtp, unknown).await.starts_with("250"),
        "fabrikam.test is not an accepted domain yet: relayed by MX"
    );

    let added = first.cli(&["domain", "add", "fabrikam.test", "--type", "authoritative"]);
    assert!(added.status.success(), "{added:?}");

    // Authoritative now, on every node: its unknown recipients are refused.
    refused_within_seconds(second.smtp, unknown).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_restarted_under_load_loses_nothing_accepted() {
    let _alone = ONE_AT_A_TIME.lock().await;
    let sink = SmtpServer::start(SmtpBehavior::new()).await;
    let cluster = Cluster::start(2, sink.addr(), "").await;
    let (first, second) = (&cluster.nodes[0], &cluster.nodes[1]);

    // Senders on both nodes, one message after the other, while the
    // database restarts under them.
    let load = |smtp, node: &'static str| {
        tokio::spawn(async move {
            let mut outcomes = Vec::new();
            for n in 0..40 {
                let subject = format!("{node}-{n}");
                outcomes.push((subject.clone(), submit_subject(smtp, &subject).await));
            }
            outcomes
        })
    };
    let (a, b) = (load(first.smtp, "a"), load(second.smtp, "b"));
    tokio::task::spawn_blocking(restart_database).await.unwrap();
    let outcomes: Vec<_> = a
        .await
        .unwrap()
        .into_iter()
        .chain(b.await.unwrap())
        .collect();

    let accepted: BTreeSet<String> = outcomes
        .iter()
        .filter(|(_, outcome)| *outcome == Submission::Accepted)
        .map(|(subject, _)| subject.clone())
        .collect();
    let maybe: BTreeSet<String> = outcomes
        .iter()
        .filter(|(_, outcome)| *outcome != Submission::NotSent)
        .map(|(subject, _)| subject.clone())
        .collect();
    assert!(
        !accepted.is_empty(),
        "some mail is accepted around the restart"
    );
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    loop {
        let delivered: BTreeSet<String> = received_subjects(&sink).into_iter().collect();
        if accepted.is_subset(&delivered) {
            assert!(
                delivered.is_subset(&maybe),
                "only mail that was sent is delivered: {:?}",
                delivered.difference(&maybe).collect::<Vec<_>>()
            );
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "accepted but not delivered two minutes after the restart: {:?}",
            accepted.difference(&delivered).collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stuck_connector_opens_one_alert_however_many_nodes_watch_it() {
    let _alone = ONE_AT_A_TIME.lock().await;
    // The next hop refuses every connection: the connector is stuck.
    let alerts = "\n[alerts]\nqueued_threshold = 1\nqueued_age = \"1s\"\n";
    let cluster = Cluster::start(3, mailflow_testkit::refused_addr(), alerts).await;
    let nodes = &cluster.nodes;
    for (n, node) in nodes.iter().enumerate() {
        let subject = format!("stuck-{n}");
        assert_eq!(
            submit_subject(node.smtp, &subject).await,
            Submission::Accepted
        );
    }

    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let open = loop {
        let open = nodes[2].json(&["alerts", "--json"]);
        if open.as_array().is_some_and(|alerts| !alerts.is_empty()) {
            break open;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no alert within a minute"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    // Until a later evaluation has merged into it: still one alert, the
    // same on every node.
    loop {
        let seen = nodes[0].json(&["alerts", "--json"]);
        if seen[0]["updated_at"] != open[0]["updated_at"] {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no later evaluation"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    for node in nodes {
        let seen = node.json(&["alerts", "--json"]);
        let alerts = seen.as_array().unwrap();
        assert_eq!(alerts.len(), 1, "one alert for the connector: {seen}");
        assert_eq!(alerts[0]["id"], open[0]["id"]);
        assert_eq!(alerts[0]["connector"], "to-onprem");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fix_applied_on_one_node_changes_what_the_other_answers() {
    let _alone = ONE_AT_A_TIME.lock().await;
    let cluster = Cluster::start(2, mailflow_testkit::refused_addr(), "").await;
    let (first, second) = (&cluster.nodes[0], &cluster.nodes[1]);
    let unknown = "nobody@contoso.test";
    assert!(
        rcpt_reply(second.smtp, unknown).await.starts_with("250"),
        "contoso.test is relayed on to the on-premises servers, known or not"
    );

    // Stop relaying: contoso.test becomes authoritative, for every node.
    let applied = first.json(&["fix", "apply", "stop-relaying:to-onprem", "--json"]);
    assert_eq!(applied["action"], "stop-relaying");

    refused_within_seconds(second.smtp, unknown).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_the_database_is_down_new_mail_gets_451_and_mail_flows_again_when_it_is_back() {
    let _alone = ONE_AT_A_TIME.lock().await;
    let database = ClusterDatabase::create("mailflow_cluster").await;
    let dir = tempfile::tempdir().unwrap();
    let sink = SmtpServer::start(SmtpBehavior::new()).await;
    let node = start_node(&dir.path().join("a"), "node-a", &database.url, sink.addr());
    assert_eq!(
        submit_subject(node.smtp, "before").await,
        Submission::Accepted
    );
    // Delivered before the database stops: a delivery whose outcome cannot
    // be recorded holds its connection while it tries again for a minute,
    // which is not what this test is about.
    sink.wait_for_messages(1, Duration::from_secs(60))
        .await
        .unwrap();

    let stopped = tokio::task::spawn_blocking(DatabaseStopped::new)
        .await
        .unwrap();
    let refused = data_reply(node.smtp, "while-down").await;
    tokio::task::spawn_blocking(move || drop(stopped))
        .await
        .unwrap();
    assert!(refused.starts_with("451 4.3.0"), "{refused}");

    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        if submit_subject(node.smtp, "after").await == Submission::Accepted {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the node takes no mail a minute after the database is back"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    sink.wait_for_messages(2, Duration::from_secs(60))
        .await
        .unwrap();
    let delivered: BTreeSet<String> = received_subjects(&sink).into_iter().collect();
    assert!(
        delivered.contains("before") && delivered.contains("after"),
        "{delivered:?}"
    );
    assert!(!delivered.contains("while-down"));
    drop(node);
}
