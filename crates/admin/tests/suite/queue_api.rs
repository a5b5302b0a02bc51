//! The queue API over real HTTP on loopback, reading a real SQLite store.

use crate::common::Http;
use mailflow_admin::AdminState;
use mailflow_core::{
    Clock, Diagnosis, DsnEnvelope, DsnRecipient, ManualClock, MessageId, RecipientState, Route,
};
use mailflow_store::{
    LastError, NewMessage, NewRecipient, RecipientUpdate, SharedStore, SqliteStore, Store,
};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;
use time::macros::datetime;

const TOKEN: &str = "test-token-1234";
/// What `mailflow token hash` prints for `TOKEN` (from `sha256sum`): the API
/// is given only this, never the token.
const TOKEN_HASH: &str = "sha256:d1821422f40baba8e561af539510d9c4bd39d561c3b5d8876043a4c4c92e187c";
/// The same for `other-token`.
const OTHER_HASH: &str = "sha256:6c67163bbed989f232b31acc4f04df54b31285bfc01bd022c735b71e041a4754";
const T0: OffsetDateTime = datetime!(2025-03-01 10:00 UTC);

struct Api {
    http: Http,
    message_id: MessageId,
    _dir: tempfile::TempDir,
}

impl Api {
    async fn start() -> Api {
        let dir = tempfile::tempdir().unwrap();
        let store: SharedStore = Arc::new(SqliteStore::open(dir.path()).await.unwrap());
        let message_id = queue_one_deferred_message(store.as_ref()).await;
        let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(T0 + Duration::from_secs(120)));
        let http = Http::serve(AdminState {
            store,
            token_digests: vec![OTHER_HASH.parse().unwrap(), TOKEN_HASH.parse().unwrap()],
            clock,
            node: Default::default(),
            own_org: Some(mailflow_testnode::ORG.into()),
        })
        .await;
        Api {
            http,
            message_id,
            _dir: dir,
        }
    }

    async fn get(&self, path: &str, token: Option<&str>) -> (u16, Value) {
        self.http.call(false, path, token).await
    }

    async fn stop(self) {
        self.http.stop().await;
    }
}

/// One message: alice (through the on-premises connector) deferred after a
/// refused connection; carol (by MX) still queued.
async fn queue_one_deferred_message(store: &dyn Store) -> MessageId {
    let id = MessageId::new();
    let recipient = |address: &str, connector: Option<&str>, next_hop: &str| NewRecipient {
        reason: None,
        address: address.into(),
        dsn: DsnRecipient::default(),
        route: Route {
            connector: connector.map(String::from),
            domain: address.split('@').nth(1).unwrap().into(),
        },
        next_hop: next_hop.into(),
    };
    let body = b"Subject: hello\r\n\r\nhello\r\n".to_vec();
    store
        .accept_message(NewMessage {
            message_id_header: None,
            id,
            org: "default".into(),
            sender: "bob@example.test".into(),
            client: "192.0.2.1".into(),
            received_at: T0,
            expires_at: T0 + Duration::from_secs(24 * 3600),
            dsn: DsnEnvelope::default(),
            body: body.into(),
            recipients: vec![
                recipient("alice@contoso.test", Some("to-onprem"), "to-onprem"),
                recipient("carol@fabrikam.test", None, "mx/fabrikam.test"),
            ],
        })
        .await
        .unwrap();
    let refused = Diagnosis::ConnectionRefused {
        addr: "127.0.0.1:25".parse().unwrap(),
    };
    let update = RecipientUpdate {
        message_id: id,
        index: 0,
        state: RecipientState::Deferred,
        attempts_added: 1,
        next_attempt_at: Some(T0 + Duration::from_secs(60)),
        last_error: Some(LastError {
            diagnosis: refused,
            server: Some("127.0.0.1:25".into()),
            at: T0,
        }),
        delivered_reply: None,
        at: T0,
    };
    store.record(vec![update], vec![]).await.unwrap();
    id
}

#[tokio::test]
async fn health_and_the_openapi_document_need_no_token() {
    let api = Api::start().await;
    let (status, body) = api.get("/api/v1/health", None).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("ok")));
    assert_eq!(body["time"], "2025-03-01T10:02:00.000Z");
    let (status, body) = api.get("/api/v1/openapi.json", None).await;
    assert_eq!(status, 200);
    assert!(
        body["paths"]["/api/v1/messages"]["get"].is_object(),
        "{body}"
    );
    assert!(
        body["paths"]["/api/v1/messages/{id}"]["get"].is_object(),
        "{body}"
    );
    assert!(body["components"]["schemas"]["LastErrorView"].is_object());
    api.stop().await;
}

#[tokio::test]
async fn the_queue_needs_a_known_bearer_token() {
    let api = Api::start().await;
    for token in [None, Some("wrong-token"), Some("test-token-123")] {
        let (status, body) = api.get("/api/v1/messages", token).await;
        assert_eq!(status, 401, "token {token:?}");
        assert_eq!(body["error"]["kind"], "unauthorized");
    }
    let (status, _) = api
        .get(&format!("/api/v1/messages/{}", api.message_id), None)
        .await;
    assert_eq!(status, 401);
    api.stop().await;
}

#[tokio::test]
async fn an_api_given_only_token_hashes_lets_the_token_in_and_answers_others_401() {
    let api = Api::start().await;
    let (status, body) = api.get("/api/v1/messages", Some(TOKEN)).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = api.get("/api/v1/messages", Some("other-token")).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = api.get("/api/v1/messages", None).await;
    assert_eq!(status, 401);
    assert_eq!(
        body,
        serde_json::json!({"error": {
            "kind": "unauthorized",
            "message": "missing bearer token; send `Authorization: Bearer <token>`",
        }})
    );
    for wrong in ["wrong-token", TOKEN_HASH, &TOKEN_HASH["sha256:".len()..]] {
        let (status, body) = api.get("/api/v1/messages", Some(wrong)).await;
        assert_eq!(status, 401, "token {wrong:?}");
        assert_eq!(
            body,
            serde_json::json!({"error": {
                "kind": "unauthorized",
                "message": "unknown bearer token; send `Authorization: Bearer <token>`",
            }})
        );
    }
    api.stop().await;
}

#[tokio::test]
async fn a_listed_message_shows_each_recipient_and_its_last_error() {
    let api = Api::start().await;
    let (status, body) = api.get("/api/v1/messages", Some(TOKEN)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["next_cursor"], Value::Null);
    let messages = body["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 1);
    let message = &messages[0];
    assert_eq!(message["id"], api.message_id.to_string());
    assert_eq!(message["sender"], "bob@example.test");
    assert_eq!(message["received_at"], "2025-03-01T10:00:00.000Z");
    assert_eq!(message["expires_at"], "2025-03-02T10:00:00.000Z");
    assert_eq!(message["connector"], "to-onprem");
    assert_eq!(message["size"], 25);

    let alice = &message["recipients"][0];
    assert_eq!(alice["address"], "alice@contoso.test");
    assert_eq!(alice["state"], "deferred");
    assert_eq!(alice["attempts"], 1);
    assert_eq!(alice["next_attempt_at"], "2025-03-01T10:01:00.000Z");
    assert_eq!(alice["connector"], "to-onprem");
    assert_eq!(alice["next_hop"], "to-onprem");
    let expected_error = serde_json::json!({
        "code": "4.4.316",
        "reply": "450 4.4.316 connection refused by 127.0.0.1:25",
        "category": "connection_refused",
        "detail": "connection refused by 127.0.0.1:25",
        "server": "127.0.0.1:25",
        "at": "2025-03-01T10:00:00.000Z",
    });
    assert_eq!(alice["last_error"], expected_error);

    let carol = &message["recipients"][1];
    assert_eq!(carol["state"], "queued");
    assert_eq!(carol["connector"], Value::Null);
    assert_eq!(carol["next_hop"], "mx/fabrikam.test");
    assert_eq!(carol["last_error"], Value::Null);
    api.stop().await;
}

#[tokio::test]
async fn filters_narrow_the_list() {
    let api = Api::start().await;
    let count = |body: Value| body["messages"].as_array().map(Vec::len).unwrap();
    for (query, expected) in [
        ("state=deferred", 1),
        ("state=delivered", 0),
        ("connector=to-onprem", 1),
        ("connector=to-partner", 0),
        ("code=4.4.316", 1),
        ("code=4.4.315", 0),
        ("sender=bob@example.test", 1),
        ("recipient=carol@fabrikam.test", 1),
        ("recipient=nobody@fabrikam.test", 0),
        ("limit=1", 1),
    ] {
        let (status, body) = api
            .get(&format!("/api/v1/messages?{query}"), Some(TOKEN))
            .await;
        assert_eq!(status, 200, "{query}: {body}");
        assert_eq!(count(body), expected, "{query}");
    }
    api.stop().await;
}

#[tokio::test]
async fn a_bad_filter_is_a_400_naming_the_field() {
    let api = Api::start().await;
    let (status, body) = api.get("/api/v1/messages?state=x", Some(TOKEN)).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["field"], "state");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("unknown state \"x\"; expected one of queued,"),
        "{message}"
    );
    for (query, field) in [
        ("code=banana", "code"),
        ("limit=0", "limit"),
        ("colour=red", "query"),
    ] {
        let (status, body) = api
            .get(&format!("/api/v1/messages?{query}"), Some(TOKEN))
            .await;
        assert_eq!(
            (status, body["error"]["field"].as_str()),
            (400, Some(field)),
            "{query}"
        );
    }
    api.stop().await;
}

#[tokio::test]
async fn one_message_by_id_or_a_404_naming_the_id() {
    let api = Api::start().await;
    let (status, body) = api
        .get(&format!("/api/v1/messages/{}", api.message_id), Some(TOKEN))
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["recipients"][0]["last_error"]["code"], "4.4.316");

    let unknown = MessageId::new().to_string();
    let (status, body) = api
        .get(&format!("/api/v1/messages/{unknown}"), Some(TOKEN))
        .await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["id"], unknown.as_str());
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains(&unknown)
    );

    let (status, body) = api.get("/api/v1/messages/not-an-id", Some(TOKEN)).await;
    assert_eq!((status, body["error"]["field"].as_str()), (400, Some("id")));
    api.stop().await;
}

#[tokio::test]
async fn an_unknown_endpoint_is_a_json_404() {
    let api = Api::start().await;
    let (status, body) = api.get("/api/v1/nothing-here", Some(TOKEN)).await;
    assert_eq!(
        (status, body["error"]["kind"].as_str()),
        (404, Some("not_found"))
    );
    api.stop().await;
}

/// Five messages received a minute apart, the last at `T0`, behind the API
/// with its clock at `T0`.
async fn five_messages() -> (Http, Vec<MessageId>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store: SharedStore = Arc::new(SqliteStore::open(dir.path()).await.unwrap());
    let mut ids = Vec::new();
    for minutes_before in (0..5u64).rev() {
        let id = MessageId::new();
        let received_at = T0 - Duration::from_secs(60 * minutes_before);
        store
            .accept_message(NewMessage {
                message_id_header: None,
                id,
                org: "default".into(),
                sender: "bob@example.test".into(),
                client: "192.0.2.1".into(),
                received_at,
                expires_at: received_at + Duration::from_secs(24 * 3600),
                dsn: DsnEnvelope::default(),
                body: b"Subject: hi\r\n\r\nhi\r\n".to_vec().into(),
                recipients: vec![NewRecipient {
                    reason: None,
                    address: "carol@fabrikam.test".into(),
                    dsn: DsnRecipient::default(),
                    route: Route {
                        connector: None,
                        domain: "fabrikam.test".into(),
                    },
                    next_hop: "mx/fabrikam.test".into(),
                }],
            })
            .await
            .unwrap();
        ids.push(id);
    }
    let http = Http::serve(AdminState {
        store,
        token_digests: vec![TOKEN_HASH.parse().unwrap()],
        clock: Arc::new(ManualClock::new(T0)),
        node: Default::default(),
        own_org: Some(mailflow_testnode::ORG.into()),
    })
    .await;
    ids.reverse(); // newest first, as listed
    (http, ids, dir)
}

fn listed_ids(page: &Value) -> Vec<String> {
    page["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn the_list_goes_on_page_by_page_from_its_cursor() {
    let (http, ids, _dir) = five_messages().await;
    let mut seen = Vec::new();
    let mut path = "/api/v1/messages?limit=2".to_string();
    let mut pages = 0;
    loop {
        let (status, page) = http.call(false, &path, Some(TOKEN)).await;
        assert_eq!(status, 200, "{page}");
        pages += 1;
        seen.extend(listed_ids(&page));
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/messages?limit=2&cursor={cursor}"),
            None => break,
        }
        assert!(pages < 10, "the cursor goes on for ever");
    }
    assert_eq!(pages, 3);
    let expected: Vec<String> = ids.iter().map(ToString::to_string).collect();
    assert_eq!(seen, expected, "every message once, newest first");

    let (status, body) = http
        .call(false, "/api/v1/messages?cursor=nonsense", Some(TOKEN))
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (400, Some("cursor"))
    );
    http.stop().await;
}

#[tokio::test]
async fn the_list_filters_by_age() {
    let (http, ids, _dir) = five_messages().await;
    let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
    // Received 0, 1, 2, 3 and 4 minutes before the clock.
    for (query, expected) in [
        ("older_than=150s", &ids[3..]),
        ("newer_than=90s", &ids[..2]),
        ("older_than=30s&newer_than=150s", &ids[1..3]),
    ] {
        let (status, page) = http
            .call(false, &format!("/api/v1/messages?{query}"), Some(TOKEN))
            .await;
        assert_eq!(status, 200, "{query}: {page}");
        assert_eq!(listed_ids(&page), expected, "{query}");
    }
    let (status, body) = http
        .call(false, "/api/v1/messages?older_than=a+while", Some(TOKEN))
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (400, Some("older_than"))
    );
    http.stop().await;
}
