//! A small client of the admin API for the CLI: finds the token, sends the
//! request, and turns the API's JSON errors back into typed errors.

use crate::cli::ApiArgs;
use crate::token;
use mailflow_admin::{ErrorBody, ErrorDetail, MessageListView, MessageView};
use serde::de::DeserializeOwned;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error(
        "no admin token: pass --token, set MAILFLOW_TOKEN, or point --data-dir at the node's data directory ({} was not found)",
        path.display()
    )]
    NoToken { path: PathBuf },
    #[error("cannot read the admin token {}: {source}", path.display())]
    TokenUnreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "cannot reach the admin API at {url}: {source} (is `mailflow serve` running? see --api)"
    )]
    Unreachable { url: String, source: reqwest::Error },
    #[error("the admin API refused the request ({status}): {}{}", detail.message, field_note(detail))]
    Refused { status: u16, detail: ErrorDetail },
    #[error("the admin API answered {status} with something that is not its JSON: {source}")]
    BadAnswer { status: u16, source: reqwest::Error },
    #[error("the admin API answered in a shape this CLI does not know: {0}")]
    Unexpected(String),
    /// Without a running node, the data directory could not be used.
    #[error("{0}")]
    DataDir(String),
    #[error("{0}")]
    NotConfirmed(String),
    #[error("--org: {0}")]
    BadOrg(String),
}

fn field_note(detail: &ErrorDetail) -> String {
    detail
        .field
        .as_ref()
        .map(|field| format!(" [field: {field}]"))
        .unwrap_or_default()
}

pub struct ApiClient {
    base: String,
    token: String,
    http: reqwest::Client,
    /// What serves the API when the CLI serves it itself (see
    /// `node_access::settings_client`); it stops when the client goes.
    _server: Option<Box<dyn Send + Sync>>,
}

impl ApiClient {
    pub fn new(args: &ApiArgs) -> Result<ApiClient, ClientError> {
        let token = match &args.token {
            Some(token) => token.clone(),
            None => token_from_data_dir(args)?,
        };
        let org = org_header(args.org.as_deref())?;
        Ok(ApiClient::at(&args.api, token, org, None))
    }

    /// A client of the API at `base` with `token`, acting on the
    /// organisation `org` names (see [`org_header`]; `None`: the token's
    /// own, else the node's), keeping `server` (what serves it) alive as
    /// long as itself.
    pub fn at(
        base: &str,
        token: String,
        org: Option<reqwest::header::HeaderValue>,
        server: Option<Box<dyn Send + Sync>>,
    ) -> ApiClient {
        let mut headers = reqwest::header::HeaderMap::new();
        if let Ok(actor) = reqwest::header::HeaderValue::from_str(&cli_actor()) {
            headers.insert(mailflow_admin::ACTOR_HEADER, actor);
        }
        if let Some(org) = org {
            headers.insert(mailflow_admin::ORG_HEADER, org);
        }
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .default_headers(headers)
            .build()
            .expect("an HTTP client without TLS builds");
        ApiClient {
            base: api_base(base),
            token,
            http,
            _server: server,
        }
    }

    pub async fn list(
        &self,
        filters: &[(&str, Option<&str>)],
    ) -> Result<MessageListView, ClientError> {
        let query: Vec<(&str, &str)> = filters
            .iter()
            .filter_map(|(k, v)| v.map(|v| (*k, v)))
            .collect();
        self.get("/api/v1/messages", &query).await
    }

    pub async fn show(&self, id: &str) -> Result<MessageView, ClientError> {
        self.get(&format!("/api/v1/messages/{id}"), &[]).await
    }

    /// `GET` any API path, decoding the API's JSON.
    pub async fn get_json<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<T, ClientError> {
        self.get(path, query).await
    }

    /// `POST` to an API path with no body. Like every request of this
    /// client it names the actor for the audit log (see [`cli_actor`]).
    pub async fn post_json<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        let url = format!("{}{path}", self.base);
        let request = self.http.post(&url);
        self.send(url, request).await
    }

    /// `method` on an API path with a JSON body (or none), naming `actor`
    /// for the audit log.
    pub async fn send_json<T: DeserializeOwned, B: serde::Serialize + ?Sized>(
        &self,
        method: reqwest::Method,
        path: &str,
        actor: &str,
        body: Option<&B>,
    ) -> Result<T, ClientError> {
        let url = format!("{}{path}", self.base);
        let mut request = self
            .http
            .request(method, &url)
            .header(mailflow_admin::ACTOR_HEADER, actor);
        if let Some(body) = body {
            request = request.json(body);
        }
        self.send(url, request).await
    }

    /// `POST` a JSON body to an API path, naming `actor` for the audit log.
    pub async fn post_body<T: DeserializeOwned>(
        &self,
        path: &str,
        actor: &str,
        body: &serde_json::Value,
    ) -> Result<T, ClientError> {
        self.send_json(reqwest::Method::POST, path, actor, Some(body))
            .await
    }

    /// `POST` text (`content_type`, e.g. `text/csv`) to an API path, naming
    /// `actor` for the audit log.
    pub async fn post_text<T: DeserializeOwned>(
        &self,
        path: &str,
        actor: &str,
        content_type: &str,
        text: String,
    ) -> Result<T, ClientError> {
        let url = format!("{}{path}", self.base);
        let request = self
            .http
            .post(&url)
            .header(mailflow_admin::ACTOR_HEADER, actor)
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(text);
        self.send(url, request).await
    }

    /// `DELETE` an API path, naming `actor` for the audit log (an answer
    /// without a body reads as `()`).
    pub async fn delete<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
        actor: &str,
    ) -> Result<T, ClientError> {
        let url = format!("{}{path}", self.base);
        let request = self
            .http
            .delete(&url)
            .query(query)
            .header(mailflow_admin::ACTOR_HEADER, actor);
        self.send(url, request).await
    }

    async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<T, ClientError> {
        let url = format!("{}{path}", self.base);
        let request = self.http.get(&url).query(query);
        self.send(url, request).await
    }

    /// Sends `request` (to `url`) with the token, decoding the API's JSON
    /// answer or its JSON error.
    async fn send<T: DeserializeOwned>(
        &self,
        url: String,
        request: reqwest::RequestBuilder,
    ) -> Result<T, ClientError> {
        let response = request
            .bearer_auth(&self.token)
            .send()
            .await
            .map_err(|source| ClientError::Unreachable { url, source })?;
        let status = response.status().as_u16();
        if response.status() == reqwest::StatusCode::NO_CONTENT {
            return serde_json::from_value(serde_json::Value::Null)
                .map_err(|error| ClientError::Unexpected(error.to_string()));
        }
        if response.status().is_success() {
            return response
                .json()
                .await
                .map_err(|source| ClientError::BadAnswer { status, source });
        }
        let body: ErrorBody = response
            .json()
            .await
            .map_err(|source| ClientError::BadAnswer { status, source })?;
        Err(ClientError::Refused {
            status,
            detail: body.error,
        })
    }
}

/// The `x-mailflow-org` header for `--org NAME` (`MAILFLOW_ORG`): every
/// request then acts on that organisation, as a token of every
/// organisation may. A name that cannot be an organisation's is refused
/// here, before anything is sent.
pub fn org_header(org: Option<&str>) -> Result<Option<reqwest::header::HeaderValue>, ClientError> {
    let Some(org) = org else {
        return Ok(None);
    };
    mailflow_core::org_check::org_name(org).map_err(ClientError::BadOrg)?;
    reqwest::header::HeaderValue::from_str(org)
        .map(Some)
        .map_err(|error| ClientError::BadOrg(format!("{org:?}: {error}")))
}

/// The node's address from `--api`: the start-up summary's admin URL
/// (`http://127.0.0.1:8025/api/v1`) or the bare address, with or without a
/// trailing `/`. The client's paths start with `/api/v1`.
fn api_base(api: &str) -> String {
    let base = api.trim().trim_end_matches('/');
    base.strip_suffix("/api/v1")
        .unwrap_or(base)
        .trim_end_matches('/')
        .to_string()
}

/// Who acts, as the audit log records every change made from the CLI:
/// `cli:` and the operating-system user — `$USER` (or `$USERNAME`), else
/// the user id the command runs as.
pub fn cli_actor() -> String {
    let named = ["USER", "USERNAME"]
        .iter()
        .filter_map(|name| std::env::var(name).ok())
        .map(|user| user.trim().to_string())
        .find(|user| !user.is_empty());
    match named {
        Some(user) => format!("cli:{user}"),
        None => format!("cli:{}", process_uid()),
    }
}

#[cfg(unix)]
fn process_uid() -> String {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self")
        .map(|meta| meta.uid().to_string())
        .unwrap_or_else(|_| "unknown".into())
}

#[cfg(not(unix))]
fn process_uid() -> String {
    "unknown".into()
}

fn token_from_data_dir(args: &ApiArgs) -> Result<String, ClientError> {
    let path = args.data_dir.join(token::TOKEN_FILE);
    match token::read(&path) {
        Ok(Some(token)) => Ok(token),
        Ok(None) => Err(ClientError::NoToken { path }),
        Err(source) => Err(ClientError::TokenUnreadable { path, source }),
    }
}

#[cfg(test)]
mod tests {
    use super::{api_base, org_header};

    #[test]
    fn an_organisation_is_named_in_a_header_only_when_given_and_valid() {
        assert_eq!(org_header(None).unwrap(), None);
        assert_eq!(org_header(Some("globex")).unwrap().unwrap(), "globex");
        let refused = org_header(Some("a/b")).unwrap_err().to_string();
        assert!(
            refused.starts_with("--org: \"a/b\" is not an organisation name"),
            "{refused}"
        );
    }

    #[test]
    fn the_api_url_may_be_given_with_or_without_its_api_path() {
        for given in [
            "http://127.0.0.1:8025",
            "http://127.0.0.1:8025/",
            "http://127.0.0.1:8025/api/v1",
            "http://127.0.0.1:8025/api/v1/",
        ] {
            assert_eq!(api_base(given), "http://127.0.0.1:8025", "{given}");
        }
    }
}
