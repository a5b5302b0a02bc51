//! The explanation of an insight: a summary in the words NDRs use for the
//! same code (`mailflow_ndr::explain`), and the likely causes and actions
//! of the diagnosis's topic, from the same catalogue
//! (`mailflow_ndr::AdminCatalogue`).

use crate::{Explanation, Status};
use mailflow_core::{Diagnosis, MessageId};
use mailflow_ndr::{Language, Topic};

/// How the relay names itself in the borrowed report text.
const THIS_RELAY: &str = "this relay";

/// The explanation when the connector's trouble is one message (or a few)
/// that makes the server drop the connection during its data: it names
/// them, and what to do is about them, not the connector.
pub fn explain_message_drops(messages: &[MessageId], language: Language) -> Explanation {
    let words = language.admin_catalogue();
    let ids: Vec<String> = messages.iter().map(ToString::to_string).collect();
    let topic = Topic::MessageDropsConnection;
    Explanation {
        summary: words.message_drops_connection(&ids.join(", ")),
        causes: words.causes(topic).iter().map(|s| s.to_string()).collect(),
        actions: words.actions(topic).iter().map(|s| s.to_string()).collect(),
    }
}

pub fn explain(
    connector: Option<&str>,
    status: Status,
    last_error: Option<&Diagnosis>,
    language: Language,
) -> Explanation {
    let words = language.admin_catalogue();
    let Some(diagnosis) = last_error else {
        let summary = match status {
            Status::Healthy => words.all_clear(),
            _ => words.recovered(),
        };
        return Explanation {
            summary: summary.to_string(),
            causes: vec![],
            actions: vec![],
        };
    };
    let report = mailflow_ndr::explain(diagnosis, connector, THIS_RELAY, language);
    let topic = Topic::of(diagnosis);
    Explanation {
        summary: report.why,
        causes: words.causes(topic).iter().map(|s| s.to_string()).collect(),
        actions: words.actions(topic).iter().map(|s| s.to_string()).collect(),
    }
}
