//! Several nodes on one PostgreSQL database, as real processes: mail one
//! node accepted is delivered by another when the first is killed, and a
//! setting changed through one node is in force on the other.

use crate::common::cluster::{
    ClusterDatabase, ONE_AT_A_TIME, restart_database, start_node, start_node_with,
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

/// The reply to `RCPT TO:<address>` at `smtp`, after EHLO and MAIL FROM.
async fn rcpt_reply(smtp: std::net::SocketAddr, address: &str) -> String {
    let stream = TcpStream::connect(smtp).await.unwrap();
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    let mut reply = String::new();
    for command in [
        None,
        Some("EHLO probe.test".to_string()),
        Some("MAIL FROM:<bob@example.test>".to_string()),
        Some(format!("RCPT TO:<{address}>")),
    ] {
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
    let database = ClusterDatabase::create("mailflow_cluster").await;
    let dir = tempfile::tempdir().unwrap();
    let next_hop = mailflow_testkit::refused_addr();
    let first = start_node(&dir.path().join("a"), "node-a", &database.url, next_hop);
    let second = start_node(&dir.path().join("b"), "node-b", &database.url, next_hop);
    let unknown = "nobody@fabrikam.test";
    assert!(
        rcpt_reply(second.smtp, unknown).await.starts_with("250"),
        "fabrikam.test is not an accepted domain yet: relayed by MX"
    );

    let added = first.cli(&["domain", "add", "fabrikam.test", "--type", "authoritative"]);
    assert!(added.status.success(), "{added:?}");

    // Authoritative now, on every node: its unknown recipients are refused.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let reply = rcpt_reply(second.smtp, unknown).await;
        if reply.starts_with("550") {
            assert!(reply.contains("5.1.10"), "{reply}");
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the second node still answers {reply} 30 s after the change"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    drop((first, second));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_restarted_under_load_loses_nothing_accepted() {
    let _alone = ONE_AT_A_TIME.lock().await;
    let database = ClusterDatabase::create("mailflow_cluster").await;
    let dir = tempfile::tempdir().unwrap();
    let sink = SmtpServer::start(SmtpBehavior::new()).await;
    let first = start_node(&dir.path().join("a"), "node-a", &database.url, sink.addr());
    let second = start_node(&dir.path().join("b"), "node-b", &database.url, sink.addr());

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
    drop((first, second));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stuck_connector_opens_one_alert_however_many_nodes_watch_it() {
    let _alone = ONE_AT_A_TIME.lock().await;
    let database = ClusterDatabase::create("mailflow_cluster").await;
    let dir = tempfile::tempdir().unwrap();
    // The next hop refuses every connection: the connector is stuck.
    let next_hop = mailflow_testkit::refused_addr();
    let alerts = "\n[alerts]\nqueued_threshold = 1\nqueued_age = \"1s\"\n";
    let nodes: Vec<_> = ["node-a", "node-b", "node-c"]
        .into_iter()
        .map(|name| {
            start_node_with(
                &dir.path().join(name),
                name,
                &database.url,
                next_hop,
                alerts,
            )
        })
        .collect();
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
    for node in &nodes {
        let seen = node.json(&["alerts", "--json"]);
        let alerts = seen.as_array().unwrap();
        assert_eq!(alerts.len(), 1, "one alert for the connector: {seen}");
        assert_eq!(alerts[0]["id"], open[0]["id"]);
        assert_eq!(alerts[0]["connector"], "to-onprem");
    }
    drop(nodes);
}
