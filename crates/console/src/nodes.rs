//! The nodes sharing the store: each with its state, the work it holds,
//! its version and last heartbeat; draining one (it takes no new mail,
//! finishes or gives back what it holds) and resuming it.

use crate::api::{Sent, encode};
use crate::page::{PageBase, Section, render};
use crate::posted::{NoFields, Posted};
use crate::signed::Signed;
use askama::Template;
use axum::extract::Path;
use axum::response::Response;
use mailflow_admin::NodeView;

#[derive(Template)]
#[template(path = "nodes.html")]
struct NodesPage {
    page: PageBase,
    nodes: Vec<NodeView>,
}

pub(crate) async fn list(signed: Signed) -> Result<Response, Response> {
    let nodes: Vec<NodeView> = signed
        .api
        .get("/api/v1/nodes")
        .await
        .map_err(|e| signed.failed(e))?;
    Ok(render(&NodesPage {
        page: signed.page(Section::Nodes),
        nodes,
    }))
}

pub(crate) async fn drain(Path(name): Path<String>, posted: Posted<NoFields>) -> Response {
    ask(&posted.signed, &name, "drain", |t| t.nodes.asked_to_drain).await
}

pub(crate) async fn resume(Path(name): Path<String>, posted: Posted<NoFields>) -> Response {
    ask(&posted.signed, &name, "resume", |t| t.nodes.resumed).await
}

async fn ask(
    signed: &Signed,
    name: &str,
    action: &str,
    words: impl Fn(&crate::texts::Texts) -> &'static str,
) -> Response {
    let t = signed.page(Section::None).t;
    let path = format!("/api/v1/nodes/{}/{action}", encode(name));
    let done = signed
        .api
        .post::<NodeView>(&path, Sent::Nothing)
        .await
        .map(|node| format!("{}: {}", words(t), node.name));
    signed.done("/nodes", done)
}
