//! Serving the API over HTTP/1.1 with limits a client cannot outwait: a
//! request's header must arrive within `header_read_timeout` (the wait for
//! the next request on a kept-alive connection counts too), its body within
//! `body_deadline` after that, and at most `max_connections` are served at
//! once; more wait in the listen backlog until one ends. One client address
//! holds at most `max_connections_per_address` of them: a connection past
//! its share is answered `503` and closed at once, so slow connections from
//! one address cannot take every place and keep the CLI out. `axum::serve`
//! sets none of these, so a client that connects and sends nothing would
//! hold its connection for ever. At shutdown each connection finishes the
//! request it is answering, for `SHUTDOWN_GRACE` at most.

use crate::body_deadline::DeadlineBody;
use crate::error::{ErrorBody, ErrorDetail};
use crate::per_address::PerAddress;
use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::map_request_with_state;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

/// How long a stopping API waits for the requests being answered; a client
/// still sending its request then is cut off.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// How long a client may take to send a request's header and then its
/// body, how many connections are served at once, and how many of them one
/// client address may hold.
#[derive(Debug, Clone, Copy)]
pub struct ServeLimits {
    pub header_read_timeout: Duration,
    pub body_deadline: Duration,
    pub max_connections: usize,
    pub max_connections_per_address: usize,
}

impl Default for ServeLimits {
    /// 5 seconds for the header: the CLI and scripts send theirs at once,
    /// and a slow client holds its place no longer (hyper's own 30 s let a
    /// few hundred connections renewed every 30 s keep the API taken). 30 s
    /// for the body (the API's bodies are small JSON, and only a request
    /// with a valid token has its body read). Connections enough for the
    /// CLI, scripts and a console's browsers at once, 16 of them from any
    /// one address: a browser opens 6 per host, the CLI one.
    fn default() -> Self {
        ServeLimits {
            header_read_timeout: Duration::from_secs(5),
            body_deadline: Duration::from_secs(30),
            max_connections: 256,
            max_connections_per_address: 16,
        }
    }
}

/// Serves `app` on `listener` until `shutdown`, then lets each connection
/// finish the request it is answering and returns once all have closed.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ServeLimits,
    shutdown: CancellationToken,
) {
    let app = app.layer(map_request_with_state(limits.body_deadline, with_deadline));
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let per_address = PerAddress::new(limits.max_connections_per_address);
    let mut connections = JoinSet::new();
    let upkeep = tokio::spawn(crate::metrics_recorder::upkeep(shutdown.clone()));
    loop {
        while connections.try_join_next().is_some() {}
        let slot = tokio::select! {
            _ = shutdown.cancelled() => break,
            slot = slots.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
        };
        let (stream, client) = tokio::select! {
            _ = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of descriptors, or a connection reset before it
                    // was taken: wait a moment rather than spin.
                    tracing::warn!(%error, "the admin API could not accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let Some(address_slot) = per_address.try_take(client.ip()) else {
            turn_away(stream, client.ip(), limits.max_connections_per_address);
            continue;
        };
        // The peer's address rides on each request, for the handlers that
        // need it (see `scraper_networks`).
        let with_peer = app
            .clone()
            .map_request(move |mut request: Request<Incoming>| {
                request.extensions_mut().insert(ConnectInfo(client));
                request
            });
        let service = TowerToHyperService::new(with_peer);
        let stop = shutdown.clone();
        connections.spawn(async move {
            let connection = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_read_timeout)
                .serve_connection(TokioIo::new(stream), service);
            tokio::pin!(connection);
            let closed = tokio::select! {
                closed = connection.as_mut() => closed,
                _ = stop.cancelled() => {
                    connection.as_mut().graceful_shutdown();
                    connection.await
                }
            };
            if let Err(error) = closed {
                tracing::debug!(%error, "admin API connection ended with an error");
            }
            drop((slot, address_slot));
        });
    }
    let _ = upkeep.await;
    let all_closed = async { while connections.join_next().await.is_some() {} };
    if tokio::time::timeout(SHUTDOWN_GRACE, all_closed)
        .await
        .is_err()
    {
        tracing::warn!("admin API connections still open at shutdown were cut off");
    }
}

/// Answers a connection past its address's share `503` and closes it,
/// without reading anything. The answer is small enough for the socket's
/// buffer; it is written with one non-blocking `write` on the socket itself
/// (not through the reactor, which has not seen it writable yet), so it
/// never waits: a client whose buffer is full gets the close alone.
fn turn_away(stream: tokio::net::TcpStream, client: std::net::IpAddr, share: usize) {
    tracing::debug!(%client, "admin API connection past its address's share turned away");
    let body = ErrorBody {
        error: ErrorDetail {
            kind: "unavailable".into(),
            field: None,
            id: None,
            message: format!(
                "too many connections from {client}: at most {share} at once; \
                 try again once one has ended"
            ),
        },
    };
    let body = serde_json::to_string(&body).expect("an error body serializes");
    let response = format!(
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nRetry-After: 1\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    if let Ok(stream) = stream.into_std() {
        let _ = std::io::Write::write(&mut &stream, response.as_bytes());
    }
}

/// The request with its body cut off `limit` after its header was read.
async fn with_deadline(State(limit): State<Duration>, request: Request) -> Request {
    request.map(|body| Body::new(DeadlineBody::new(body, limit)))
}
