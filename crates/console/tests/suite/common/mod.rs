//! The console served over real HTTP on loopback in front of the admin API
//! and a running node, and a client that behaves as a browser does with
//! its cookie: it keeps the session cookie, sends forms, follows nothing
//! by itself (tests look at each redirect).

#![allow(dead_code)]

use mailflow_admin::{AdminState, ServeLimits, TokenDigest, router, serve};
use mailflow_console::{ConsoleOptions, with_console};
use mailflow_core::Clock;
use mailflow_testnode::TestNode;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

pub const TOKEN: &str = "console-test-token-0123456789";

pub struct Console {
    pub node: TestNode,
    pub base: String,
    stop: CancellationToken,
    server: tokio::task::JoinHandle<()>,
}

impl Console {
    pub async fn start(node: TestNode) -> Console {
        let handle = Arc::new(OnceLock::new());
        let _ = handle.set(node.handle.clone());
        let api = router(AdminState {
            store: node.store.clone(),
            token_digests: vec![TokenDigest::of(TOKEN)],
            clock: node.clock.clone() as Arc<dyn Clock>,
            node: handle,
            own_org: None,
        });
        let options = ConsoleOptions {
            secure_cookies: false,
            clock: node.clock.clone() as Arc<dyn Clock>,
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let stop = CancellationToken::new();
        let server = tokio::spawn(serve(
            listener,
            with_console(api, options),
            ServeLimits::default(),
            stop.clone(),
        ));
        Console {
            node,
            base,
            stop,
            server,
        }
    }

    /// A browser with no cookie yet.
    pub fn browser(&self) -> Browser {
        Browser {
            base: self.base.clone(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(20))
                .build()
                .unwrap(),
            cookies: Mutex::new(Vec::new()),
            language: None,
        }
    }

    /// A browser logged in with the test token.
    pub async fn logged_in(&self) -> Browser {
        let browser = self.browser();
        let page = browser.post("/login", &[("token", TOKEN)]).await;
        assert_eq!(page.status, 303, "{}", page.body);
        browser
    }

    pub async fn stop(self) {
        self.stop.cancel();
        tokio::time::timeout(Duration::from_secs(10), self.server)
            .await
            .unwrap()
            .unwrap();
        self.node.stop().await;
    }
}

pub struct Browser {
    base: String,
    http: reqwest::Client,
    cookies: Mutex<Vec<(String, String)>>,
    pub language: Option<&'static str>,
}

/// An answer: status, where it sends the browser, the cookies it sets, its body.
#[derive(Debug)]
pub struct Page {
    pub status: u16,
    pub location: Option<String>,
    pub set_cookies: Vec<String>,
    pub body: String,
}

impl Page {
    /// The value of the first `name="_csrf"` input.
    pub fn csrf(&self) -> String {
        let at = self
            .body
            .find("name=\"_csrf\" value=\"")
            .unwrap_or_else(|| panic!("no CSRF field in {}", self.body));
        let rest = &self.body[at + "name=\"_csrf\" value=\"".len()..];
        rest[..rest.find('"').unwrap()].to_string()
    }

    pub fn has(&self, text: &str) -> bool {
        self.body.contains(text)
    }
}

impl Browser {
    pub async fn get(&self, path: &str) -> Page {
        let request = self.http.get(format!("{}{path}", self.base));
        self.send(request).await
    }

    /// A form sent as a browser sends it, with the CSRF token of the page
    /// `from` when `from` is given.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let request = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(fields).unwrap());
        self.send(request).await
    }

    /// A form with the CSRF token of the page at `from`.
    pub async fn submit(&self, from: &str, path: &str, fields: &[(&str, &str)]) -> Page {
        let csrf = self.get(from).await.csrf();
        let mut all = vec![("_csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post(path, &all).await
    }

    async fn send(&self, mut request: reqwest::RequestBuilder) -> Page {
        let cookies = self.cookies.lock().unwrap().clone();
        if !cookies.is_empty() {
            let header: Vec<String> = cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
            request = request.header("cookie", header.join("; "));
        }
        if let Some(language) = self.language {
            request = request.header("accept-language", language);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_string());
        let set_cookies: Vec<String> = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect();
        for cookie in &set_cookies {
            let pair = cookie.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            let mut jar = self.cookies.lock().unwrap();
            jar.retain(|(k, _)| k != name);
            if !value.is_empty() && !cookie.contains("Max-Age=0") {
                jar.push((name.to_string(), value.to_string()));
            }
        }
        let body = response.text().await.unwrap();
        Page {
            status,
            location,
            set_cookies,
            body,
        }
    }
}
