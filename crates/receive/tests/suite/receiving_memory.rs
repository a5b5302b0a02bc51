//! The memory messages being received may hold, over real sockets: a
//! message refused for lack of room gives its reservation back at once, so
//! that the others' messages that fit are taken, and one client address
//! outside the trusted networks holds at most its share, so that another
//! address's message is still taken.

use crate::common::{Client, Harness, queued_id, settings};
use mailflow_receive::ReceiveSettings;
use mailflow_store::SqliteOptions;
use std::net::IpAddr;
use std::time::Duration;

const NO_ROOM: &str =
    "452 4.3.1 insufficient system resources to take the message now, try again later";

/// 300 KB messages, 240 KB of which are sent first, in lines of 100
/// bytes. In memory a message takes its bytes rounded up to its chunks,
/// plus the read it is covered for ahead: 256 to 320 KB when 240 KB are in,
/// 320 to 384 KB for the whole.
const LINE: &str = "01234567890123456789012345678901234567890123456789\
     012345678901234567890123456789012345678901234567\r\n";
const WHOLE_LINES: usize = 3072;
const FIRST_LINES: usize = 2457;

/// Waits (five seconds at most) until `held()` is `bytes` or more.
async fn until_held_at_least(what: &str, bytes: u64, held: impl Fn() -> u64) {
    for _ in 0..1000 {
        if held() >= bytes {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("{what} holds {} bytes, never {bytes}", held());
}

/// Waits (five seconds at most) until `held()` is zero.
async fn until_released(what: &str, held: impl Fn() -> u64) {
    for _ in 0..1000 {
        if held() == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("{what} still holds {} bytes", held());
}

/// `client` (past EHLO) starts a message to alice and sends its first
/// 240 KB.
async fn start_message(client: &mut Client) {
    client
        .expect("MAIL FROM:<carol@fabrikam.test>", "250")
        .await;
    client.expect("RCPT TO:<alice@contoso.test>", "250").await;
    client.expect("DATA", "354").await;
    client.send(b"Subject: big\r\n\r\n").await;
    client.send(LINE.repeat(FIRST_LINES).as_bytes()).await;
}

/// The rest of the message `start_message` began, and the final dot.
async fn finish_message(client: &mut Client) -> String {
    client
        .send(LINE.repeat(WHOLE_LINES - FIRST_LINES).as_bytes())
        .await;
    client.send(b".\r\n").await;
    client.reply().await
}

async fn whole_message(client: &mut Client) -> String {
    client
        .expect("MAIL FROM:<carol@fabrikam.test>", "250")
        .await;
    client.expect("RCPT TO:<alice@contoso.test>", "250").await;
    client
        .data(&format!("Subject: big\r\n\r\n{}", LINE.repeat(WHOLE_LINES)))
        .await
}

/// Room for two whole messages being received (2 × 384 KB at most), not
/// for two begun and a third whole (2 × 256 KB at least, and 320 KB).
fn room_for_two() -> ReceiveSettings {
    ReceiveSettings {
        max_message_size: 400_000,
        max_header_size: 400_000,
        max_receiving_memory: 800 * 1024,
        max_receiving_memory_per_client: 800 * 1024,
        ..settings()
    }
}

/// Three messages under way together, two of which fit: the third runs out
/// of room while its client is still sending, is no longer kept and gives
/// back what it held at once, so the first two are taken; the third is
/// refused for now at its end. (Held until the third's end, its
/// reservation left the first two without room to finish: all three were
/// refused.) No network is trusted, so that what each address holds can be
/// watched; each may hold the whole budget.
#[tokio::test]
async fn of_three_messages_under_way_together_the_two_that_fit_are_taken() {
    let settings = ReceiveSettings {
        trusted_networks: vec![],
        ..room_for_two()
    };
    let harness = Harness::start_with(settings, SqliteOptions::default()).await;
    let receiver = harness.receiver.clone();
    let held_by = |client: &'static str| {
        let receiver = receiver.clone();
        move || receiver.receiving_memory_of(client.parse().unwrap())
    };
    let mut first = harness.connect_from("127.0.0.2").await;
    start_message(&mut first).await;
    until_held_at_least("the first", 240 * 1024, held_by("127.0.0.2")).await;
    let mut second = harness.connect_from("127.0.0.3").await;
    start_message(&mut second).await;
    until_held_at_least("the second", 240 * 1024, held_by("127.0.0.3")).await;

    // The third: 50 KB fit beside the two, the rest does not.
    let mut third = harness.connect_from("127.0.0.4").await;
    third.expect("MAIL FROM:<carol@fabrikam.test>", "250").await;
    third.expect("RCPT TO:<alice@contoso.test>", "250").await;
    third.expect("DATA", "354").await;
    third.send(b"Subject: big\r\n\r\n").await;
    third.send(LINE.repeat(500).as_bytes()).await;
    until_held_at_least("the third", 48 * 1024, held_by("127.0.0.4")).await;
    third.send(LINE.repeat(WHOLE_LINES - 500).as_bytes()).await;
    until_released("the third", held_by("127.0.0.4")).await;

    let first = queued_id(&finish_message(&mut first).await);
    let second = queued_id(&finish_message(&mut second).await);
    third.send(b".\r\n").await;
    assert_eq!(third.reply().await, NO_ROOM);
    for id in [first, second] {
        assert!(harness.body(id).await.ends_with(&LINE.repeat(WHOLE_LINES)));
    }
    assert_eq!(harness.messages().await.len(), 2);
    assert_eq!(harness.receiver.receiving_memory(), 0);
    harness.stop().await;
}

/// No network trusted; 1 MB for all, 400 KB for one client address.
fn shared_by_addresses() -> ReceiveSettings {
    ReceiveSettings {
        trusted_networks: vec![],
        max_receiving_memory: 1024 * 1024,
        max_receiving_memory_per_client: 400 * 1024,
        ..room_for_two()
    }
}

/// One address with a message under way has used most of its share: its
/// second message at once is refused for now, while another address's
/// message is taken; once the first is done the second is taken too.
#[tokio::test]
async fn past_its_share_one_address_is_refused_for_now_while_another_is_served() {
    let harness = Harness::start_with(shared_by_addresses(), SqliteOptions::default()).await;
    let greedy: IpAddr = "127.0.0.2".parse().unwrap();
    let receiver = harness.receiver.clone();
    let mut first = harness.connect_from("127.0.0.2").await;
    start_message(&mut first).await;
    until_held_at_least("127.0.0.2", 240 * 1024, || {
        receiver.receiving_memory_of(greedy)
    })
    .await;

    let mut second = harness.connect_from("127.0.0.2").await;
    assert_eq!(whole_message(&mut second).await, NO_ROOM);
    let mut other = harness.connect_from("127.0.0.3").await;
    let other = queued_id(&whole_message(&mut other).await);

    let first = queued_id(&finish_message(&mut first).await);
    let again = queued_id(&whole_message(&mut second).await);
    let stored: Vec<_> = harness.messages().await.iter().map(|m| m.id).collect();
    for id in [other, first, again] {
        assert!(stored.contains(&id));
    }
    assert_eq!(stored.len(), 3);
    assert_eq!(harness.receiver.receiving_memory(), 0);
    harness.stop().await;
}

/// The share applies to the addresses outside the trusted networks only:
/// the organisation's own servers, often one address carrying most of its
/// mail, are bounded by the whole budget.
#[tokio::test]
async fn a_trusted_address_is_bounded_by_the_whole_budget_only() {
    let settings = ReceiveSettings {
        trusted_networks: vec!["127.0.0.2/32".parse().unwrap()],
        ..shared_by_addresses()
    };
    let harness = Harness::start_with(settings, SqliteOptions::default()).await;
    let receiver = harness.receiver.clone();
    let mut first = harness.connect_from("127.0.0.2").await;
    start_message(&mut first).await;
    until_held_at_least("127.0.0.2", 240 * 1024, || receiver.receiving_memory()).await;
    let mut second = harness.connect_from("127.0.0.2").await;
    let second = queued_id(&whole_message(&mut second).await);
    let first = queued_id(&finish_message(&mut first).await);
    assert_ne!(first, second);
    assert_eq!(harness.messages().await.len(), 2);
    harness.stop().await;
}
