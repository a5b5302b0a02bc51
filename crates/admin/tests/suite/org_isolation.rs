//! Organisations cannot see each other through the API. Every documented
//! route, called by a token of another organisation with the ids and names
//! of this organisation's objects, answers `404` or shows nothing of this
//! organisation (not a message, a connector, a count, a fix, an audit
//! entry), and changes nothing of it; a token of every organisation sees
//! each organisation it names.

use crate::common::{Api, settings};
use mailflow_admin::TokenDigest;
use mailflow_core::{
    AcceptedDomain, Clock, ConnectorKind, DomainType, OrgSettings, RecipientState,
};
use mailflow_store::{AdminToken, TokenScope};
use mailflow_testkit::ports::refused_addr;
use mailflow_testkit::smtp_server::{SmtpBehavior, SmtpServer};
use mailflow_testnode::submit::{queue_id, send};
use mailflow_testnode::{ORG, TestNode, connector, eventually, org, unused_addr};
use reqwest::Method;
use serde_json::{Value, json};

const ADMIN: &str = "every-organisation-token-0123";
const GLOBEX: &str = "globex";
const GLOBEX_TOKEN: &str = "globex-token-0123456789";

/// globex accepts globex.test through its own connector.
fn globex() -> OrgSettings {
    OrgSettings {
        accepted_domains: vec![AcceptedDomain {
            name: "globex.test".into(),
            kind: DomainType::Authoritative,
        }],
        connectors: vec![connector(
            "gx-onprem",
            ConnectorKind::OnPremises,
            &["globex.test"],
            &[unused_addr()],
        )],
        directory: Default::default(),
    }
}

/// What this organisation has that globex must never see.
struct Ours {
    message: String,
    audit_id: u64,
}

impl Ours {
    fn markers(&self) -> Vec<String> {
        let mut markers: Vec<String> = [
            "contoso.test",
            "to-onprem",
            "to-partner",
            "home-ci",
            "alice",
        ]
        .map(str::to_string)
        .to_vec();
        markers.push(self.message.clone());
        markers
    }
}

/// A node serving this organisation (its own) and globex, with a message of
/// ours deferred, a user, a token, a suspended connector (an audit entry
/// and a fix), and a token for globex.
async fn start(partner: &SmtpServer) -> (Api, Ours) {
    let node = TestNode::start_orgs(
        vec![
            (ORG, org(refused_addr(), partner.addr())),
            (GLOBEX, globex()),
        ],
        settings(),
    )
    .await;
    let api = Api::start(node, ADMIN, true).await;
    let (code, reply) = send(
        api.node.smtp,
        "bob@example.test",
        &["alice@contoso.test"],
        "Subject: ours\n\nhello\n",
    )
    .await;
    assert_eq!(code, 250, "{reply}");
    let message = queue_id(&reply);
    eventually("our message is deferred", || async {
        api.node.states(&message).await == [RecipientState::Deferred]
    })
    .await;
    let (status, body) = api
        .send(
            Method::PUT,
            "/api/v1/users/alice",
            Some(&json!({"password": "a-long-password-1"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = api
        .post_json("/api/v1/tokens", &json!({"name": "home-ci", "org": ORG}))
        .await;
    assert_eq!(status, 201, "{body}");
    let (status, entry) = api.post("/api/v1/connectors/to-onprem/suspend").await;
    assert_eq!(status, 200, "{entry}");
    let audit_id = entry["id"].as_u64().unwrap();
    api.node
        .store
        .create_admin_token(AdminToken {
            org: Some(GLOBEX.into()),
            name: "gx".into(),
            scope: TokenScope::Admin,
            digest: TokenDigest::of(GLOBEX_TOKEN).to_string(),
            created_at: api.node.clock.now(),
            created_by: "test".into(),
            last_used_at: None,
        })
        .await
        .unwrap();
    (api, Ours { message, audit_id })
}

/// A documented path with our objects' ids and names in it.
fn ours_in(path: &str, ours: &Ours) -> String {
    let mut concrete = path.to_string();
    let fills = [
        ("/messages/{id}", format!("/messages/{}", ours.message)),
        ("/fixes/{id}/undo", format!("/fixes/{}/undo", ours.audit_id)),
        ("/fixes/{id}", "/fixes/stop-relaying:to-onprem".to_string()),
        ("/alerts/{id}", "/alerts/1".to_string()),
        (
            "/accepted-domains/{name}",
            "/accepted-domains/contoso.test".to_string(),
        ),
        ("/users/{name}", "/users/alice".to_string()),
        ("/tokens/{name}", "/tokens/home-ci".to_string()),
        ("/nodes/{name}", "/nodes/test-node".to_string()),
        ("{name}", "to-onprem".to_string()),
        ("{connector}", "to-onprem".to_string()),
        ("{action}", "retry".to_string()),
    ];
    for (template, filled) in fills {
        concrete = concrete.replace(template, &filled);
    }
    concrete
}

/// A request by globex's token; the status and the body as text (some
/// routes answer CSV or the metrics' text).
async fn raw(api: &Api, method: Method, path: &str) -> (u16, String) {
    let response = reqwest::Client::new()
        .request(method, format!("{}{path}", api.base()))
        .bearer_auth(GLOBEX_TOKEN)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn every_route_answers_another_organisations_token_with_404_or_nothing_of_ours() {
    let partner = SmtpServer::start(SmtpBehavior::new()).await;
    let (api, ours) = start(&partner).await;
    let (_, document) = api.get("/api/v1/openapi.json").await;
    let mut walked = 0;
    for (path, operations) in document["paths"].as_object().unwrap() {
        if ["/api/v1", "/api/v1/health", "/api/v1/openapi.json"].contains(&path.as_str()) {
            continue;
        }
        let concrete = ours_in(path, &ours);
        for method in operations.as_object().unwrap().keys() {
            let verb: Method = method.to_uppercase().parse().unwrap();
            let (status, text) = raw(&api, verb.clone(), &concrete).await;
            // What the request did not name itself, the answer must not
            // show, whatever its status (an error may echo the path).
            for marker in ours.markers() {
                assert!(
                    concrete.contains(&marker) || !text.contains(&marker),
                    "{method} {concrete} shows {marker}: {text}"
                );
            }
            // Asked for one of our objects by its id or name, it is not there.
            let names_ours = concrete.contains("to-onprem")
                || concrete.contains(&ours.message)
                || concrete.contains("contoso.test")
                || concrete.contains("alice")
                || concrete.contains("home-ci");
            if verb == Method::GET && names_ours {
                assert_eq!(status, 404, "{method} {concrete}: {text}");
            }
            assert!(
                !(200..300).contains(&status) || !names_ours || verb == Method::GET,
                "{method} {concrete} acted on ours: {status} {text}"
            );
            walked += 1;
        }
    }
    assert!(walked >= 40, "only {walked} operations walked");
    // The metrics are the whole node's: a token of every organisation only.
    let (status, _) = api
        .send_as(GLOBEX_TOKEN, Method::GET, "/metrics", None)
        .await;
    assert_eq!(status, 404);

    // Nothing of ours changed.
    assert_eq!(
        api.node.states(&ours.message).await,
        [RecipientState::Suspended]
    );
    let (_, connector) = api.get("/api/v1/connectors/to-onprem").await;
    assert_eq!(connector["enabled"], true, "{connector}");
    let (_, users) = api.get("/api/v1/users").await;
    assert_eq!(users["users"], json!([{"name": "alice"}]), "{users}");
    let (_, tokens) = api.get(&format!("/api/v1/tokens?org={ORG}")).await;
    assert_eq!(tokens["tokens"][0]["name"], "home-ci", "{tokens}");
    let entry = api
        .node
        .store
        .audit_entry(ours.audit_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(entry.undone_at, None, "our fix is not undone");
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_of_every_organisation_sees_each_organisation_it_names() {
    let partner = SmtpServer::start(SmtpBehavior::new()).await;
    let (api, ours) = start(&partner).await;
    let (status, messages) = api.get("/api/v1/messages").await;
    assert_eq!(status, 200);
    assert_eq!(messages["messages"][0]["id"], ours.message.as_str());
    let (_, theirs) = api.get(&format!("/api/v1/messages?org={GLOBEX}")).await;
    assert_eq!(theirs["messages"], json!([]), "{theirs}");
    let (_, connectors) = api.get(&format!("/api/v1/connectors?org={GLOBEX}")).await;
    assert_eq!(connectors[0]["name"], "gx-onprem", "{connectors}");
    let (status, _) = api.get("/api/v1/connectors?org=nosuch").await;
    assert_eq!(status, 404);
    // The header names an organisation as the query does.
    let response = reqwest::Client::new()
        .get(format!("{}/api/v1/accepted-domains", api.base()))
        .bearer_auth(ADMIN)
        .header("x-mailflow-org", GLOBEX)
        .send()
        .await
        .unwrap();
    let domains: Value = response.json().await.unwrap();
    assert_eq!(domains[0]["name"], "globex.test", "{domains}");
    // Every token is listed, each with its organisation; the audit log
    // has every organisation's entries.
    let (_, tokens) = api.get("/api/v1/tokens").await;
    let orgs: Vec<&Value> = tokens["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| &t["org"])
        .collect();
    assert!(
        orgs.contains(&&json!(GLOBEX)) && orgs.contains(&&json!(ORG)),
        "{tokens}"
    );
    let (_, audit) = api.get("/api/v1/audit").await;
    assert_eq!(audit[0]["org"], ORG, "{audit}");
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_organisation_token_stays_in_its_organisation() {
    let partner = SmtpServer::start(SmtpBehavior::new()).await;
    let (api, _ours) = start(&partner).await;
    let as_globex = |method: Method, path: &'static str, body: Option<Value>| {
        let api = &api;
        async move { api.send_as(GLOBEX_TOKEN, method, path, body.as_ref()).await }
    };
    let (status, _) = as_globex(Method::GET, "/api/v1/messages?org=default", None).await;
    assert_eq!(status, 404, "naming another organisation");
    let (status, created) = as_globex(
        Method::POST,
        "/api/v1/tokens",
        Some(json!({"name": "gx-ci"})),
    )
    .await;
    assert_eq!(
        (status, &created["org"]),
        (201, &json!(GLOBEX)),
        "{created}"
    );
    let (status, _) = as_globex(
        Method::POST,
        "/api/v1/tokens",
        Some(json!({"name": "sneaky", "org": ORG})),
    )
    .await;
    assert_eq!(status, 404, "a token for another organisation");
    let (_, tokens) = as_globex(Method::GET, "/api/v1/tokens", None).await;
    let names: Vec<&str> = tokens["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["gx", "gx-ci"], "{tokens}");
    let (status, _) = as_globex(Method::GET, "/api/v1/nodes", None).await;
    assert_eq!(status, 404, "nodes are the cluster's");
    // Its own settings it changes, and they are in force.
    let (status, body) = as_globex(
        Method::POST,
        "/api/v1/accepted-domains",
        Some(json!({"name": "globex.example", "type": "authoritative"})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let theirs = api.node.handle.org_of(GLOBEX).unwrap();
    assert!(theirs.accepted_domain("globex.example").is_some());
    assert!(
        api.node
            .handle
            .org()
            .accepted_domain("globex.example")
            .is_none()
    );
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_accepted_domain_belongs_to_one_organisation_and_only_an_all_organisations_token_learns_whose()
 {
    let partner = SmtpServer::start(SmtpBehavior::new()).await;
    let (api, _ours) = start(&partner).await;
    let claim = json!({"name": "CONTOSO.test", "type": "authoritative"});
    let (status, body) = api
        .send_as(
            GLOBEX_TOKEN,
            Method::POST,
            "/api/v1/accepted-domains",
            Some(&claim),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("another organisation"), "{message}");
    assert!(!message.contains(ORG), "the owner is not named: {message}");

    let (status, body) = api
        .send(
            Method::POST,
            &format!("/api/v1/accepted-domains?org={GLOBEX}"),
            Some(&claim),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("organisation {ORG}")),
        "{message}"
    );
    let theirs = api.node.handle.org_of(GLOBEX).unwrap();
    assert!(theirs.accepted_domain("contoso.test").is_none());
    api.stop().await;
}
