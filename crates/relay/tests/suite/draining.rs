//! Draining a node: it turns new SMTP clients away with `421 4.3.2` and
//! claims nothing more, the delivery under way finishes, what it still
//! holds goes back to the queue for other nodes, and then it is drained;
//! resuming undoes it. Drain requests go through the store, as they do
//! when another node's API makes them.

use mailflow_core::RecipientState;
use mailflow_relay::NodeState;
use mailflow_testkit::smtp_server::{SmtpBehavior, SmtpServer};
use mailflow_testnode::submit::{queue_id, send};
use mailflow_testnode::{TestNode, eventually, org, settings, unused_addr};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

const NODE: &str = "relay.test";
/// How long a test waits for the node at most before it fails.
const BOUND: Duration = Duration::from_secs(10);

/// Asks the node to drain (or, with `false`, to resume) the way any
/// node's API does: in the store, then a nudge to look now.
async fn ask(node: &TestNode, drain: bool) {
    let at = drain.then(|| node.now());
    assert!(node.store.set_drain_request(NODE, at).await.unwrap());
    node.handle.look_for_drain_request();
}

async fn until_state(node: &TestNode, wanted: NodeState) {
    let mut state = node.handle.watch_node_state();
    tokio::time::timeout(BOUND, state.wait_for(|state| *state == wanted))
        .await
        .unwrap_or_else(|_| panic!("the node is not {wanted:?} in time"))
        .unwrap();
}

/// The node as its heartbeats show it, once it shows `state`.
async fn listed_as(node: &TestNode, state: NodeState) -> mailflow_store::NodeStatus {
    eventually(&format!("the node's heartbeat says {state:?}"), || async {
        node.store.node(NODE).await.unwrap().unwrap().state == state
    })
    .await;
    node.store.node(NODE).await.unwrap().unwrap()
}

/// The first line an SMTP client gets from `addr`.
async fn greeting(addr: SocketAddr) -> String {
    let stream = TcpStream::connect(addr).await.unwrap();
    let mut line = String::new();
    BufReader::new(stream).read_line(&mut line).await.unwrap();
    line
}

/// A next hop that takes the connection and says nothing until the test
/// answers on it: a delivery under way for as long as the test needs.
struct HeldNextHop {
    listener: TcpListener,
}

impl HeldNextHop {
    async fn new() -> HeldNextHop {
        HeldNextHop {
            listener: TcpListener::bind("127.0.0.1:0").await.unwrap(),
        }
    }

    fn addr(&self) -> SocketAddr {
        self.listener.local_addr().unwrap()
    }

    async fn connection(&self) -> TcpStream {
        let accepted = tokio::time::timeout(BOUND, self.listener.accept()).await;
        accepted.expect("the node connects").unwrap().0
    }
}

/// Plays a plain SMTP server on `stream` until the client quits; returns
/// how many messages it took.
async fn answer(stream: TcpStream) -> usize {
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    write.write_all(b"220 hop.test\r\n").await.unwrap();
    let mut taken = 0;
    let mut line = String::new();
    loop {
        line.clear();
        if read.read_line(&mut line).await.unwrap() == 0 {
            return taken;
        }
        let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "DATA" => {
                write.write_all(b"354 go on\r\n").await.unwrap();
                loop {
                    line.clear();
                    read.read_line(&mut line).await.unwrap();
                    if line == ".\r\n" {
                        break;
                    }
                }
                taken += 1;
                b"250 2.0.0 taken\r\n"
            }
            "QUIT" => {
                write.write_all(b"221 bye\r\n").await.unwrap();
                return taken;
            }
            _ => b"250 ok\r\n",
        };
        write.write_all(reply).await.unwrap();
    }
}

#[tokio::test]
async fn a_draining_node_finishes_its_delivery_under_way_then_gives_back_what_it_still_holds() {
    let hop = HeldNextHop::new().await;
    let node = TestNode::start(org(hop.addr(), unused_addr()), settings()).await;
    let (code, reply) = send(
        node.smtp,
        "bob@example.test",
        &["alice@contoso.test"],
        "Subject: a\n\na\n",
    )
    .await;
    assert_eq!(code, 250, "{reply}");
    let delivering = queue_id(&reply);
    let connection = hop.connection().await;
    // A second message to the same next hop waits for the busy worker; it
    // is claimed under the node's name by hand, as a round that failed to
    // give back its claims leaves them.
    let (code, reply) = send(
        node.smtp,
        "bob@example.test",
        &["carol@contoso.test"],
        "Subject: b\n\nb\n",
    )
    .await;
    assert_eq!(code, 250, "{reply}");
    let held = queue_id(&reply);
    let hop_name = node.message(&held).await.recipients[0].next_hop.clone();
    let lease = Duration::from_secs(600);
    let claimed = node
        .store
        .claim(&hop_name, node.now(), NODE, lease, 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);

    ask(&node, true).await;
    until_state(&node, NodeState::Draining).await;
    let draining = listed_as(&node, NodeState::Draining).await;
    assert_eq!(
        draining.in_flight, 2,
        "the delivery under way and the held claim"
    );
    assert_eq!(node.states(&delivering).await, [RecipientState::InFlight]);

    assert_eq!(
        answer(connection).await,
        1,
        "the delivery under way finishes"
    );
    until_state(&node, NodeState::Drained).await;
    assert_eq!(node.states(&delivering).await, [RecipientState::Delivered]);
    assert_eq!(
        node.states(&held).await,
        [RecipientState::Queued],
        "given back, for another node to deliver"
    );
    let drained = listed_as(&node, NodeState::Drained).await;
    assert_eq!(drained.in_flight, 0);
    node.stop().await;
}

#[tokio::test]
async fn a_draining_node_answers_new_smtp_clients_421_4_3_2_and_a_resumed_one_220() {
    let partner = SmtpServer::start(SmtpBehavior::new()).await;
    let node = TestNode::start(org(unused_addr(), partner.addr()), settings()).await;
    assert!(greeting(node.smtp).await.starts_with("220 "));

    ask(&node, true).await;
    until_state(&node, NodeState::Drained).await;
    let refused = greeting(node.smtp).await;
    assert!(refused.starts_with("421 4.3.2 "), "{refused}");
    assert!(refused.contains("try another server"), "{refused}");

    ask(&node, false).await;
    until_state(&node, NodeState::Running).await;
    assert!(greeting(node.smtp).await.starts_with("220 "));
    listed_as(&node, NodeState::Running).await;
    node.stop().await;
}

/// An SMTP session opened before the drain: sessions under way go on.
struct Session {
    read: BufReader<tokio::net::tcp::OwnedReadHalf>,
    write: tokio::net::tcp::OwnedWriteHalf,
}

impl Session {
    async fn open(addr: SocketAddr) -> Session {
        let (read, write) = TcpStream::connect(addr).await.unwrap().into_split();
        let mut session = Session {
            read: BufReader::new(read),
            write,
        };
        assert!(session.reply().await.starts_with("220"));
        session
    }

    async fn reply(&mut self) -> String {
        let mut all = String::new();
        loop {
            let mut line = String::new();
            self.read.read_line(&mut line).await.unwrap();
            all.push_str(&line);
            if line.as_bytes().get(3) != Some(&b'-') {
                return all;
            }
        }
    }

    async fn say(&mut self, line: &str) -> String {
        self.write
            .write_all(format!("{line}\r\n").as_bytes())
            .await
            .unwrap();
        self.reply().await
    }
}

#[tokio::test]
async fn a_drained_node_claims_no_work_until_it_is_resumed() {
    let partner = SmtpServer::start(SmtpBehavior::new()).await;
    let node = TestNode::start(org(unused_addr(), partner.addr()), settings()).await;
    let mut session = Session::open(node.smtp).await;

    ask(&node, true).await;
    until_state(&node, NodeState::Drained).await;
    session.say("EHLO client.test").await;
    session.say("MAIL FROM:<alice@contoso.test>").await;
    session.say("RCPT TO:<carol@example.test>").await;
    assert!(session.say("DATA").await.starts_with("354"));
    let accepted = session.say("Subject: waits\r\n\r\nx\r\n.").await;
    assert!(accepted.starts_with("250"), "{accepted}");
    let id = queue_id(accepted.trim_end());

    // The scheduler was woken by the new message; a heartbeat later it has
    // still claimed nothing.
    let before = node.store.node(NODE).await.unwrap().unwrap().last_seen;
    node.advance(settings().heartbeat.interval);
    eventually("the next heartbeat is written", || async {
        node.store.node(NODE).await.unwrap().unwrap().last_seen > before
    })
    .await;
    assert_eq!(node.states(&id).await, [RecipientState::Queued]);
    assert_eq!(node.store.node(NODE).await.unwrap().unwrap().in_flight, 0);
    assert!(partner.messages().is_empty());

    ask(&node, false).await;
    partner.wait_for_messages(1, BOUND).await.unwrap();
    assert_eq!(
        partner.messages()[0].accepted_recipients(),
        ["carol@example.test"]
    );
    node.stop().await;
}

#[tokio::test]
async fn a_drain_request_made_elsewhere_is_followed_at_the_next_heartbeat() {
    let partner = SmtpServer::start(SmtpBehavior::new()).await;
    let node = TestNode::start(org(unused_addr(), partner.addr()), settings()).await;
    // Another node's API writes the request; this node is not told.
    assert!(
        node.store
            .set_drain_request(NODE, Some(node.now()))
            .await
            .unwrap()
    );
    assert_eq!(node.handle.node_state(), NodeState::Running);

    node.advance(settings().heartbeat.interval);
    until_state(&node, NodeState::Drained).await;
    listed_as(&node, NodeState::Drained).await;
    node.stop().await;
}
