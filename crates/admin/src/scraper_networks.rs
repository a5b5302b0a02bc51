//! The networks `/metrics` is open to without a token (`[admin]
//! metrics_networks`): a Prometheus server scrapes with no secret of its
//! own. Only `/metrics` opens so; every other path still asks for a token.
//! The client's address is the connection's peer, which `serve` puts on
//! each request (`ConnectInfo`); a request that carries none is not let in.

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;
use std::net::SocketAddr;
use std::sync::Arc;

/// The path of the metrics.
pub const METRICS_PATH: &str = "/metrics";

/// On a request to `/metrics` from one of the networks: it may go without
/// a token.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FromScraperNetwork;

/// Marks a request to `/metrics` from one of `networks` as
/// `FromScraperNetwork`, before the token is asked for.
pub(crate) async fn let_scrapers_in(
    State(networks): State<Arc<Vec<IpNet>>>,
    mut request: Request,
    next: Next,
) -> Response {
    if request.uri().path() == METRICS_PATH && !networks.is_empty() {
        let client = request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(address)| address.ip().to_canonical());
        if client.is_some_and(|ip| networks.iter().any(|net| net.contains(&ip))) {
            request.extensions_mut().insert(FromScraperNetwork);
        }
    }
    next.run(request).await
}
