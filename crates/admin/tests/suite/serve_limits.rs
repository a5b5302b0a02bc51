//! The API's HTTP server against clients that hold connections: a header
//! that does not arrive in time closes the connection, a body that does not
//! arrive in time is refused, connections past the limit wait until one
//! ends, and a stop does not wait for ever on a client that never finishes
//! its request, and one client address cannot hold more than its share,
//! so another (the CLI) still gets in. Time is tokio's paused clock, so the
//! time-outs pass as soon as nothing else can run.

use axum::Router;
use axum::routing::{get, post};
use mailflow_admin::{SHUTDOWN_GRACE, ServeLimits, serve};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

const REQUEST: &[u8] = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

struct Server {
    addr: SocketAddr,
    stop: CancellationToken,
    task: JoinHandle<()>,
}

async fn start(limits: ServeLimits) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new()
        .route("/", get(|| async { "ok" }))
        .route("/echo", post(|body: String| async move { body }))
        .route("/ignore", post(|| async { "ok" }));
    let stop = CancellationToken::new();
    let task = tokio::spawn(serve(listener, app, limits, stop.clone()));
    Server { addr, stop, task }
}

impl Server {
    async fn stop(self) {
        self.stop.cancel();
        tokio::time::timeout(GIVE_UP, self.task)
            .await
            .expect("the server stops")
            .unwrap();
    }
}

fn limits(header_read_timeout: Duration, max_connections: usize) -> ServeLimits {
    ServeLimits {
        header_read_timeout,
        max_connections,
        ..ServeLimits::default()
    }
}

/// Longer than any wait these tests expect, so a server that never answers
/// or never closes fails the test instead of hanging it.
const GIVE_UP: Duration = Duration::from_secs(3 * 3600);

/// Reads one response's head and body (`ok`), without waiting for the
/// connection to close.
async fn read_response(stream: &mut TcpStream) -> String {
    let mut response = Vec::new();
    let mut buf = [0u8; 1024];
    let read = async {
        while !response.ends_with(b"\r\n\r\nok") {
            let n = stream.read(&mut buf).await.unwrap();
            assert!(n > 0, "closed before the response was whole: {response:?}");
            response.extend_from_slice(&buf[..n]);
        }
    };
    tokio::time::timeout(GIVE_UP, read)
        .await
        .expect("a response");
    String::from_utf8(response).unwrap()
}

/// Reads until the server closes; returns what it sent.
async fn read_to_close(stream: &mut TcpStream) -> String {
    let mut sent = Vec::new();
    tokio::time::timeout(GIVE_UP, stream.read_to_end(&mut sent))
        .await
        .expect("the server closes the connection")
        .unwrap();
    String::from_utf8(sent).unwrap()
}

#[tokio::test(start_paused = true)]
async fn a_header_that_does_not_arrive_in_time_closes_the_connection() {
    let timeout = Duration::from_secs(30);
    let server = start(limits(timeout, 16)).await;
    let mut client = TcpStream::connect(server.addr).await.unwrap();
    client
        .write_all(b"GET / HTTP/1.1\r\nHost: 1")
        .await
        .unwrap();
    let started = Instant::now();

    let sent = read_to_close(&mut client).await;
    let waited = started.elapsed();
    assert!(
        waited >= timeout && waited < timeout + Duration::from_secs(1),
        "closed after {waited:?}"
    );
    assert!(
        sent.is_empty() || sent.starts_with("HTTP/1.1 408"),
        "answered {sent:?}"
    );
    server.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_kept_alive_connection_left_idle_is_closed_after_the_same_time() {
    let timeout = Duration::from_secs(30);
    let server = start(limits(timeout, 16)).await;
    let mut client = TcpStream::connect(server.addr).await.unwrap();
    client.write_all(REQUEST).await.unwrap();
    assert!(read_response(&mut client).await.starts_with("HTTP/1.1 200"));
    let answered = Instant::now();

    let sent = read_to_close(&mut client).await;
    let idle = answered.elapsed();
    assert!(
        idle >= timeout && idle < timeout + Duration::from_secs(1),
        "closed after {idle:?} idle"
    );
    assert!(sent.is_empty(), "sent {sent:?} while idle");
    server.stop().await;
}

/// Sends a POST to `path` announcing a body of `length` bytes, and `sent`.
async fn send_post(client: &mut TcpStream, path: &str, length: usize, sent: &[u8]) {
    let head =
        format!("POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {length}\r\n\r\n");
    client.write_all(head.as_bytes()).await.unwrap();
    client.write_all(sent).await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_body_read_by_its_route_must_arrive_in_time_and_one_not_read_is_not_waited_for() {
    let server = start(ServeLimits::default()).await;
    let deadline = ServeLimits::default().body_deadline;
    let mut whole = TcpStream::connect(server.addr).await.unwrap();
    send_post(&mut whole, "/echo", 2, b"ok").await;
    assert!(read_response(&mut whole).await.starts_with("HTTP/1.1 200"));

    let mut dripping = TcpStream::connect(server.addr).await.unwrap();
    send_post(&mut dripping, "/echo", 100, b"a tenth").await;
    let started = Instant::now();
    let answer = read_to_close(&mut dripping).await;
    let waited = started.elapsed();
    assert!(
        answer.starts_with("HTTP/1.1 400"),
        "a late body is a bad request: {answer:?}"
    );
    assert!(
        waited >= deadline && waited < deadline + Duration::from_secs(1),
        "refused after {waited:?}"
    );

    // A route that reads no body answers at once and closes, waiting for
    // none of it.
    let mut ignored = TcpStream::connect(server.addr).await.unwrap();
    send_post(&mut ignored, "/ignore", 100, b"a tenth").await;
    let started = Instant::now();
    let answer = read_to_close(&mut ignored).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer:?}");
    assert_eq!(started.elapsed(), Duration::ZERO, "no wait for the body");
    server.stop().await;
}

#[tokio::test(start_paused = true)]
async fn connections_past_the_limit_wait_until_one_ends() {
    let timeout = Duration::from_secs(30);
    let server = start(limits(timeout, 2)).await;
    // Two clients take both places and send nothing.
    let mut silent = Vec::new();
    for _ in 0..2 {
        silent.push(TcpStream::connect(server.addr).await.unwrap());
    }
    // Let the server take them before the third arrives.
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    let started = Instant::now();
    let mut third = TcpStream::connect(server.addr).await.unwrap();
    third.write_all(REQUEST).await.unwrap();

    let response = read_response(&mut third).await;
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(
        started.elapsed() >= timeout,
        "answered after {:?}, before a place was free",
        started.elapsed()
    );
    for mut client in silent {
        assert!(read_to_close(&mut client).await.is_empty());
    }
    server.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_stop_waits_for_an_unfinished_request_no_longer_than_the_grace() {
    // A header time-out longer than the grace, so only the grace ends it.
    let server = start(limits(Duration::from_secs(3600), 16)).await;
    let mut client = TcpStream::connect(server.addr).await.unwrap();
    client
        .write_all(b"GET / HTTP/1.1\r\nHost: 1")
        .await
        .unwrap();
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    let started = Instant::now();

    server.stop().await;
    let stopping = started.elapsed();
    assert!(stopping <= SHUTDOWN_GRACE, "stopped after {stopping:?}");
    let mut buf = [0u8; 64];
    let read = client.read(&mut buf).await;
    assert!(
        matches!(read, Ok(0) | Err(_)),
        "the unfinished request's connection is closed: {read:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn the_default_header_time_out_is_five_seconds() {
    let limits = ServeLimits::default();
    assert_eq!(limits.header_read_timeout, Duration::from_secs(5));
    let server = start(limits).await;
    let mut client = TcpStream::connect(server.addr).await.unwrap();
    client
        .write_all(b"GET / HTTP/1.1\r\nHost: 1")
        .await
        .unwrap();
    let started = Instant::now();

    read_to_close(&mut client).await;
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_secs(5) && waited < Duration::from_secs(6),
        "closed after {waited:?}"
    );
    server.stop().await;
}

/// A connection to `server` from the loopback address `source`
/// (`127.0.0.2`, …: each is another client address).
async fn connect_from(source: &str, server: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket
        .bind(SocketAddr::new(source.parse().unwrap(), 0))
        .unwrap();
    socket.connect(server).await.unwrap()
}

#[tokio::test(start_paused = true)]
async fn one_address_past_its_share_is_turned_away_at_once_and_another_still_gets_in() {
    let limits = ServeLimits {
        max_connections: 8,
        max_connections_per_address: 2,
        ..ServeLimits::default()
    };
    let server = start(limits).await;
    // One address opens more slow connections than the whole server takes.
    let mut flood = Vec::new();
    for _ in 0..20 {
        flood.push(connect_from("127.0.0.2", server.addr).await);
    }
    let started = Instant::now();
    let mut turned_away = 0;
    for client in &mut flood[2..] {
        let answer = read_to_close(client).await;
        assert!(answer.starts_with("HTTP/1.1 503"), "{answer:?}");
        assert!(
            answer.contains("too many connections from 127.0.0.2: at most 2 at once"),
            "{answer:?}"
        );
        turned_away += 1;
    }
    assert_eq!(turned_away, 18);
    assert_eq!(started.elapsed(), Duration::ZERO, "turned away at once");

    // The CLI, on another address, is answered at once.
    let mut cli = TcpStream::connect(server.addr).await.unwrap();
    cli.write_all(REQUEST).await.unwrap();
    let response = read_response(&mut cli).await;
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert_eq!(started.elapsed(), Duration::ZERO, "the CLI did not wait");

    // The two the flooding address holds are its share: they time out like
    // any slow connection, and then that address gets in again.
    for client in &mut flood[..2] {
        assert!(read_to_close(client).await.is_empty());
    }
    let mut again = connect_from("127.0.0.2", server.addr).await;
    again.write_all(REQUEST).await.unwrap();
    assert!(read_response(&mut again).await.starts_with("HTTP/1.1 200"));
    server.stop().await;
}
