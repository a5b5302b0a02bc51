//! Computing insights from the store, the organisation's settings and the
//! clock: one connector at a time, each question answered by one
//! index-backed store read.

use crate::codes::category_of;
use crate::explanation::{explain, explain_message_drops};
use crate::fixes::applicable;
use crate::growth::growing_since;
use crate::status::{Evidence, judge};
use crate::{CodeCount, ConnectorInsight, HistoryPoint, InsightKind, LastErrorInsight};
use mailflow_core::{Clock, EventKind, MessageId, OrgSettings};
use mailflow_ndr::Language;
use mailflow_store::{ConnectorQueueStats, HistoryBucket, LastError, Result, Store};
use time::{Duration, OffsetDateTime};

/// The name under which the API and the CLI address MX routing without a
/// connector. A configured connector of that name is addressed first.
pub const MX_ROUTING: &str = "_mx";

/// Attempts and successes are counted over this window.
const RECENT: Duration = Duration::HOUR;
/// History read for "growing since" and shown with one connector.
const HISTORY_SHOWN: Duration = Duration::DAY;

/// What every insight of one request shares.
struct Context<'a> {
    store: &'a dyn Store,
    org: &'a str,
    settings: OrgSettings,
    now: OffsetDateTime,
    language: Language,
}

/// The insight of every connector of the organisation (in the settings'
/// order), then of connectors no longer configured that still have mail
/// waiting, then of MX routing when it has mail waiting or was used in the
/// last hour.
pub async fn connector_insights(
    store: &dyn Store,
    clock: &dyn Clock,
    org: &str,
    language: Language,
) -> Result<Vec<ConnectorInsight>> {
    let ctx = context(store, clock, org, language).await?;
    let mut stats = store.queue_stats(org).await?;
    let mut names: Vec<Option<String>> = ctx
        .settings
        .connectors
        .iter()
        .map(|c| Some(c.name.clone()))
        .collect();
    for stat in &stats {
        if stat.connector.is_some() && !names.contains(&stat.connector) {
            names.push(stat.connector.clone());
        }
    }
    names.push(None);
    let mut insights = Vec::with_capacity(names.len());
    for name in names {
        let position = stats.iter().position(|s| s.connector == name);
        let stat = position.map(|i| stats.swap_remove(i));
        let insight = build(&ctx, name.as_deref(), stat, false).await?;
        if name.is_some() || insight.queued > 0 || insight.attempts_last_hour > 0 {
            insights.push(insight);
        }
    }
    Ok(insights)
}

/// The insight of one connector (`None`: MX routing), with its history of
/// the last day; `None` when the connector is neither configured nor has
/// mail waiting.
pub async fn connector_insight(
    store: &dyn Store,
    clock: &dyn Clock,
    org: &str,
    connector: Option<&str>,
    language: Language,
) -> Result<Option<ConnectorInsight>> {
    let ctx = context(store, clock, org, language).await?;
    let stat = store
        .queue_stats(org)
        .await?
        .into_iter()
        .find(|s| s.connector.as_deref() == connector);
    let known = connector.is_none_or(|name| ctx.settings.connector(name).is_some());
    if !known && stat.is_none() {
        return Ok(None);
    }
    Ok(Some(build(&ctx, connector, stat, true).await?))
}

async fn context<'a>(
    store: &'a dyn Store,
    clock: &dyn Clock,
    org: &'a str,
    language: Language,
) -> Result<Context<'a>> {
    Ok(Context {
        store,
        org,
        settings: store.org_settings(org).await?.unwrap_or_default(),
        now: clock.now(),
        language,
    })
}

async fn build(
    ctx: &Context<'_>,
    name: Option<&str>,
    stat: Option<ConnectorQueueStats>,
    with_history: bool,
) -> Result<ConnectorInsight> {
    let stat = stat.unwrap_or_else(|| empty_stats(name));
    let until = ctx.now + Duration::NANOSECOND;
    let last_hour = ctx
        .store
        .delivery_stats(ctx.org, name, ctx.now - RECENT, until)
        .await?;
    let history = ctx
        .store
        .history(ctx.org, name, ctx.now - HISTORY_SHOWN)
        .await?;
    let last_address = last_address(ctx, name).await?;
    let connector = name.and_then(|n| ctx.settings.connector(n));
    let diagnosis = stat.last_error.as_ref().map(|e| &e.diagnosis);
    let status = judge(&Evidence {
        queued: stat.queued,
        last_error: stat.last_error.as_ref(),
        last_hour: &last_hour,
    });
    let dropping = dropping_messages(&stat);
    let explanation = if dropping.is_empty() {
        explain(name, status, diagnosis, ctx.language)
    } else {
        explain_message_drops(&dropping, ctx.language)
    };
    Ok(ConnectorInsight {
        connector: name.map(str::to_string),
        kind: kind_of(name, connector),
        queued: stat.queued,
        oldest_age_seconds: stat.oldest_received_at.map(|at| age_seconds(ctx.now, at)),
        growing_since: growing_since(&history, stat.queued, stat.oldest_received_at),
        by_code: stat
            .by_code
            .iter()
            .map(|(code, n)| code_count(code, *n))
            .collect(),
        last_error: stat.last_error.as_ref().map(last_error_insight),
        next_hop: stat
            .last_next_hop
            .as_deref()
            .map(|hop| mailflow_core::Route::hop_in_org(ctx.org, hop).to_string()),
        last_address,
        attempts_last_hour: last_hour.attempts,
        successes_last_hour: last_hour.successes,
        status,
        explanation,
        fixes: applicable(&ctx.settings, connector, diagnosis, stat.queued, &dropping),
        history: if with_history {
            history.iter().map(history_point).collect()
        } else {
            vec![]
        },
    })
}

/// The waiting messages that make the next hop drop the connection during
/// their data, when they are the connector's trouble: not when its latest
/// error says the next hop itself cannot be reached or talked to.
fn dropping_messages(stat: &ConnectorQueueStats) -> Vec<MessageId> {
    let hop_down = stat
        .last_error
        .as_ref()
        .is_some_and(|error| error.diagnosis.is_connection_level());
    if hop_down {
        return Vec::new();
    }
    stat.data_drop_messages.iter().map(|(id, _)| *id).collect()
}

fn empty_stats(name: Option<&str>) -> ConnectorQueueStats {
    ConnectorQueueStats {
        connector: name.map(str::to_string),
        queued: 0,
        oldest_received_at: None,
        by_code: vec![],
        last_error: None,
        last_next_hop: None,
        data_drop_messages: vec![],
    }
}

fn kind_of(name: Option<&str>, connector: Option<&mailflow_core::Connector>) -> InsightKind {
    match (name, connector) {
        (None, _) => InsightKind::Mx,
        (Some(_), None) => InsightKind::Removed,
        (Some(_), Some(c)) => match c.kind {
            mailflow_core::ConnectorKind::OnPremises => InsightKind::OnPremises,
            mailflow_core::ConnectorKind::Partner => InsightKind::Partner,
        },
    }
}

/// The last address the connector's latest attempt tried: `ip:port`, or
/// the host name when it did not resolve.
async fn last_address(ctx: &Context<'_>, name: Option<&str>) -> Result<Option<String>> {
    let Some(event) = ctx.store.last_attempt(ctx.org, name).await? else {
        return Ok(None);
    };
    let EventKind::Attempt { results } = event.kind else {
        return Ok(None);
    };
    Ok(results.last().map(|result| match result.addr {
        Some(addr) => addr.to_string(),
        None => result.host.clone(),
    }))
}

fn age_seconds(now: OffsetDateTime, at: OffsetDateTime) -> u64 {
    u64::try_from((now - at).whole_seconds()).unwrap_or(0)
}

fn code_count(code: &str, count: u64) -> CodeCount {
    CodeCount {
        code: code.to_string(),
        category: category_of(code).as_str().to_string(),
        count,
    }
}

fn last_error_insight(error: &LastError) -> LastErrorInsight {
    let diagnosis = &error.diagnosis;
    LastErrorInsight {
        code: diagnosis.code().to_string(),
        reply: diagnosis.reply(),
        category: diagnosis.category().as_str().to_string(),
        detail: diagnosis.detail(),
        server: error.server.clone(),
        at: error.at,
    }
}

fn history_point(bucket: &HistoryBucket) -> HistoryPoint {
    HistoryPoint {
        minute: bucket.minute,
        queued: bucket.queued,
        failures: bucket
            .failures
            .iter()
            .map(|(code, n)| code_count(code, *n))
            .collect(),
    }
}
