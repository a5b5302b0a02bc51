//! Serving the API over HTTP/1.1 with limits a client cannot outwait: a
//! request's header must arrive within `header_read_timeout` (the wait for
//! the next request on a kept-alive connection counts too), its body within
//! `body_deadline` after that, and at most `max_connections` are served at
//! once; more wait in the listen backlog until one ends. `axum::serve` sets neither, so a client that connects
//! and sends nothing would hold its connection for ever. At shutdown each
//! connection finishes the request it is answering, for `SHUTDOWN_GRACE`
//! at most.

use crate::body_deadline::DeadlineBody;
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::map_request_with_state;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// How long a stopping API waits for the requests being answered; a client
/// still sending its request then is cut off.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// How long a client may take to send a request's header and then its
/// body, and how many connections are served at once.
#[derive(Debug, Clone, Copy)]
pub struct ServeLimits {
    pub header_read_timeout: Duration,
    pub body_deadline: Duration,
    pub max_connections: usize,
}

impl Default for ServeLimits {
    /// hyper's 30 seconds for the header, as long for the body (the API's
    /// bodies are small JSON); connections enough for the CLI, scripts and
    /// a console's browsers at once.
    fn default() -> Self {
        ServeLimits {
            header_read_timeout: Duration::from_secs(30),
            body_deadline: Duration::from_secs(30),
            max_connections: 256,
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
    let mut connections = JoinSet::new();
    loop {
        while connections.try_join_next().is_some() {}
        let slot = tokio::select! {
            _ = shutdown.cancelled() => break,
            slot = slots.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
        };
        let stream = tokio::select! {
            _ = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(error) => {
                    // Out of descriptors, or a connection reset before it
                    // was taken: wait a moment rather than spin.
                    tracing::warn!(%error, "the admin API could not accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let service = TowerToHyperService::new(app.clone());
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
            drop(slot);
        });
    }
    let all_closed = async { while connections.join_next().await.is_some() {} };
    if tokio::time::timeout(SHUTDOWN_GRACE, all_closed)
        .await
        .is_err()
    {
        tracing::warn!("admin API connections still open at shutdown were cut off");
    }
}

/// The request with its body cut off `limit` after its header was read.
async fn with_deadline(State(limit): State<Duration>, request: Request) -> Request {
    request.map(|body| Body::new(DeadlineBody::new(body, limit)))
}
