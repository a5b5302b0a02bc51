//! The dashboard: every connector as a card (status, queue, the code and
//! cause of its failures, its fixes), charts of queue depth per connector
//! and failures by code, and the open alerts. It refreshes itself: htmx
//! asks for the page again and swaps the cards and alerts (a refresh asks
//! for no history, so it costs one insight list and one alert list).

use crate::charts::{self, Chart};
use crate::page::{PageBase, Section, render};
use crate::signed::Signed;
use askama::Template;
use axum::http::HeaderMap;
use axum::response::Response;
use mailflow_admin::AlertView;
use mailflow_insight::{ConnectorInsight, HistoryPoint};

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    page: PageBase,
    cards: Vec<Card>,
    alerts: Vec<AlertView>,
    depth: Option<Chart>,
    failures: Option<Chart>,
}

/// One connector's card.
pub(crate) struct Card {
    pub insight: ConnectorInsight,
    /// The path segment of its page: the name, or `_mx`.
    pub slug: String,
    pub title: String,
    pub oldest: Option<String>,
    /// When the last error was seen, for people.
    pub last_error_at: String,
    pub fixes: Vec<FixLink>,
}

pub(crate) struct FixLink {
    pub id: String,
    pub label: &'static str,
}

pub(crate) async fn show(signed: Signed, headers: HeaderMap) -> Result<Response, Response> {
    let page = signed.page(Section::Dashboard);
    let lang = signed.lang();
    let insights: Vec<ConnectorInsight> = signed
        .api
        .get(&format!("/api/v1/insights?lang={lang}"))
        .await
        .map_err(|e| signed.failed(e))?;
    let alerts: Vec<AlertView> = signed
        .api
        .get(&format!("/api/v1/alerts?state=open&lang={lang}"))
        .await
        .map_err(|e| signed.failed(e))?;
    let refreshing = headers.contains_key("hx-request");
    let (depth, failures) = if refreshing {
        (None, None)
    } else {
        let histories = histories(&signed, &insights).await?;
        (
            Some(charts::queue_depth(&histories)),
            Some(charts::failures_by_code(&histories)),
        )
    };
    let cards = insights.into_iter().map(|i| card(i, &page)).collect();
    Ok(render(&DashboardPage {
        page,
        cards,
        alerts,
        depth,
        failures,
    }))
}

/// Each connector's per-minute history (the list leaves it out).
async fn histories(
    signed: &Signed,
    insights: &[ConnectorInsight],
) -> Result<Vec<(String, Vec<HistoryPoint>)>, Response> {
    let mut histories = Vec::with_capacity(insights.len());
    for insight in insights {
        let slug = slug(insight);
        let path = format!("/api/v1/insights/{}", crate::api::encode(&slug));
        let full: ConnectorInsight = signed.api.get(&path).await.map_err(|e| signed.failed(e))?;
        histories.push((title(insight, &signed.page(Section::None)), full.history));
    }
    Ok(histories)
}

pub(crate) fn slug(insight: &ConnectorInsight) -> String {
    insight
        .connector
        .clone()
        .unwrap_or_else(|| mailflow_insight::MX_ROUTING.to_string())
}

pub(crate) fn title(insight: &ConnectorInsight, page: &PageBase) -> String {
    insight
        .connector
        .clone()
        .unwrap_or_else(|| page.t.mx_routing.to_string())
}

pub(crate) fn card(insight: ConnectorInsight, page: &PageBase) -> Card {
    let t = page.t;
    Card {
        slug: slug(&insight),
        title: title(&insight, page),
        oldest: insight.oldest_age_seconds.map(|s| crate::format::age(s, t)),
        last_error_at: insight
            .last_error
            .as_ref()
            .map(|error| mailflow_core::time_format::text_time(error.at))
            .unwrap_or_default(),
        fixes: insight
            .fixes
            .iter()
            .map(|id| FixLink {
                id: id.clone(),
                label: crate::fixes::label(id, page),
            })
            .collect(),
        insight,
    }
}
