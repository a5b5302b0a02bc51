//! The admin API served over real HTTP on loopback for tests: the router in
//! front of a store (and, for most tests, a whole running node), a client
//! that speaks to it with a bearer token, and an orderly stop.

#![allow(dead_code)]

use mailflow_admin::{AdminState, ServeLimits, TokenDigest, router, serve};
use mailflow_core::Clock;
use mailflow_relay::NodeSettings;
use mailflow_testnode::TestNode;
use serde_json::Value;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// The router served on an ephemeral loopback port.
pub struct Http {
    base: String,
    http: reqwest::Client,
    stop: CancellationToken,
    server: tokio::task::JoinHandle<()>,
}

impl Http {
    pub async fn serve(state: AdminState) -> Http {
        Http::serve_router(router(state)).await
    }

    /// Serves `app`, a router made some other way than `router`.
    pub async fn serve_router(app: axum::Router) -> Http {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let stop = CancellationToken::new();
        let server = tokio::spawn(serve(listener, app, ServeLimits::default(), stop.clone()));
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap();
        Http {
            base,
            http,
            stop,
            server,
        }
    }

    /// `http://127.0.0.1:PORT`, for requests `call` does not make.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// A GET, or a POST by the actor `ops`; returns the status and the JSON body.
    pub async fn call(&self, post: bool, path: &str, token: Option<&str>) -> (u16, Value) {
        let method = match post {
            true => reqwest::Method::POST,
            false => reqwest::Method::GET,
        };
        self.send(method, path, token, None).await
    }

    /// Any method, by the actor `ops`, with an optional JSON body; returns
    /// the status and the JSON body (`null` for an empty one).
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> (u16, Value) {
        let url = format!("{}{path}", self.base);
        let mut request = self
            .http
            .request(method, url)
            .header("x-mailflow-actor", "ops");
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        let value = match text.is_empty() {
            true => Value::Null,
            false => serde_json::from_str(&text).unwrap(),
        };
        (status, value)
    }

    /// Any method, with a JSON body, text (`text/csv`) or none, by the
    /// actor `ops`; returns the status and the JSON body.
    pub async fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Body<'_>,
    ) -> (u16, Value) {
        let url = format!("{}{path}", self.base);
        let mut request = self
            .http
            .request(method, url)
            .header("x-mailflow-actor", "ops");
        request = match body {
            Body::None => request,
            Body::Json(value) => request.json(&value),
            Body::Csv(text) => request
                .header("content-type", "text/csv")
                .body(text.to_string()),
        };
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        let value = match text.is_empty() {
            true => Value::Null,
            false => serde_json::from_str(&text).unwrap(),
        };
        (status, value)
    }

    pub async fn stop(self) {
        self.stop.cancel();
        tokio::time::timeout(Duration::from_secs(10), self.server)
            .await
            .unwrap()
            .unwrap();
    }
}

/// A request's body.
pub enum Body<'a> {
    None,
    Json(Value),
    Csv(&'a str),
}

/// The API in front of a whole running node, called with one token.
pub struct Api {
    pub node: TestNode,
    token: &'static str,
    http: Http,
}

impl Api {
    /// Serves the API for `node`. Without `publish_node` the API never
    /// learns of the node, as before a node has finished starting.
    pub async fn start(node: TestNode, token: &'static str, publish_node: bool) -> Api {
        let handle = Arc::new(OnceLock::new());
        if publish_node {
            let _ = handle.set(node.handle.clone());
        }
        let http = Http::serve(AdminState {
            store: node.store.clone(),
            token_digests: vec![TokenDigest::of(token)],
            clock: node.clock.clone() as Arc<dyn Clock>,
            node: handle,
            own_org: None,
        })
        .await;
        Api { node, token, http }
    }

    /// `http://127.0.0.1:PORT`, for requests `call` does not make.
    pub fn base(&self) -> &str {
        self.http.base()
    }

    pub async fn call(&self, post: bool, path: &str, token: Option<&str>) -> (u16, Value) {
        self.http.call(post, path, token).await
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.call(false, path, Some(self.token)).await
    }

    pub async fn post(&self, path: &str) -> (u16, Value) {
        self.call(true, path, Some(self.token)).await
    }

    /// Any method with an optional JSON body, with the API's token.
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> (u16, Value) {
        self.http.send(method, path, Some(self.token), body).await
    }

    /// Any method with an optional JSON body, with another token.
    pub async fn send_as(
        &self,
        token: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> (u16, Value) {
        self.http.send(method, path, Some(token), body).await
    }

    /// A POST with a JSON body, by the actor `ops`.
    pub async fn post_json(&self, path: &str, body: &Value) -> (u16, Value) {
        let method = reqwest::Method::POST;
        self.http
            .send(method, path, Some(self.token), Some(body))
            .await
    }

    /// A DELETE, by the actor `ops`.
    pub async fn delete(&self, path: &str) -> (u16, Value) {
        let method = reqwest::Method::DELETE;
        self.http.send(method, path, Some(self.token), None).await
    }

    /// Any method with a body, with the token.
    pub async fn send_body(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Body<'_>,
    ) -> (u16, Value) {
        self.http
            .request(method, path, Some(self.token), body)
            .await
    }

    pub async fn stop(self) {
        self.node.stop().await;
        self.http.stop().await;
    }
}

/// The shared test node's settings, with the 1 MiB message limit the admin
/// tests have always run with.
pub fn settings() -> NodeSettings {
    let mut settings = mailflow_testnode::settings();
    settings.receive.max_message_size = 1024 * 1024;
    settings
}
