//! An alert explained to people, in any language mailflow writes: what is
//! wrong with which connector, since when and how many recipients wait,
//! why (the words reports use for the code), and the likely causes and
//! what to do — all from the one catalogue of `mailflow-ndr`.

use crate::codes::{NOT_TRIED, category_of};
use mailflow_ndr::{AlertSituation, Language, Topic};
use mailflow_store::{Alert, AlertRule};
use serde::{Deserialize, Serialize};

/// How the relay names itself in the borrowed report text.
const THIS_RELAY: &str = "this relay";

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertExplanation {
    /// What is wrong, where, since when, how much, and why.
    pub summary: String,
    /// Likely causes, most likely first; empty once resolved.
    pub causes: Vec<String>,
    /// What to do, first thing first; empty once resolved.
    pub actions: Vec<String>,
}

/// `alert` explained in `language`.
pub fn explain(alert: &Alert, language: Language) -> AlertExplanation {
    let words = language.admin_catalogue();
    let mut summary = words.alert_summary(&situation(alert));
    if !alert.is_open() {
        return AlertExplanation {
            summary,
            ..Default::default()
        };
    }
    let diagnosis = alert.values.last_error.as_ref().map(|e| &e.diagnosis);
    let diagnosis = diagnosis.filter(|d| d.code().to_string() == alert.code);
    if let (Some(diagnosis), true) = (diagnosis, about_a_queue(alert)) {
        let report =
            mailflow_ndr::explain(diagnosis, alert.connector.as_deref(), THIS_RELAY, language);
        summary.push_str(language.catalogue().sentence_separator());
        summary.push_str(&report.why);
    }
    let topic = topic(alert);
    AlertExplanation {
        summary,
        causes: words.causes(topic).iter().map(|s| s.to_string()).collect(),
        actions: words.actions(topic).iter().map(|s| s.to_string()).collect(),
    }
}

/// What the alert is about, with the facts its summary names.
pub fn situation(alert: &Alert) -> AlertSituation<'_> {
    let values = &alert.values;
    let connector = alert.connector.as_deref();
    let opened_at = alert.opened_at;
    match (alert.rule, alert.resolved_at) {
        (AlertRule::InvalidRecipients, None) => AlertSituation::UnknownRecipients {
            refused: values.invalid_recipients,
            sources: &values.sources,
            opened_at,
        },
        (AlertRule::InvalidRecipients, Some(resolved_at)) => AlertSituation::WithinQuota {
            opened_at,
            resolved_at,
        },
        (AlertRule::LostBodies, None) => AlertSituation::LostBodies {
            connector,
            lost: values.lost_messages,
            opened_at,
        },
        (AlertRule::LostBodies, Some(resolved_at)) => AlertSituation::LostBodiesOver {
            connector,
            opened_at,
            resolved_at,
        },
        (_, None) => AlertSituation::Backlog {
            connector,
            queued: values.queued,
            over_age: values.queued_over_age,
            oldest: values.oldest_received_at,
            opened_at,
        },
        (_, Some(resolved_at)) => AlertSituation::Drained {
            connector,
            opened_at,
            resolved_at,
        },
    }
}

/// Queue alerts are about a connector (or MX routing) that may be broken;
/// the invalid-recipient quota's and the lost bodies' alerts are not.
fn about_a_queue(alert: &Alert) -> bool {
    alert.rule.is_about_a_queue()
}

fn topic(alert: &Alert) -> Topic {
    match alert.rule {
        AlertRule::InvalidRecipients => return Topic::UnknownRecipients,
        AlertRule::LostBodies => return Topic::LostBodies,
        AlertRule::QueuedCount | AlertRule::OldestAge => {}
    }
    if alert.code == NOT_TRIED {
        return Topic::NotTriedYet;
    }
    let last_error = alert.values.last_error.as_ref();
    match last_error.filter(|e| e.diagnosis.code().to_string() == alert.code) {
        Some(error) => Topic::of(&error.diagnosis),
        None => category_of(&alert.code, None).map_or(Topic::Other, Topic::of_category),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mailflow_core::Diagnosis;
    use mailflow_store::{AlertValues, LastError};
    use time::macros::datetime;

    fn refused_alert() -> Alert {
        let at = datetime!(2025-03-04 08:00:00 UTC);
        let diagnosis = Diagnosis::ConnectionRefused {
            addr: "192.0.2.1:25".parse().unwrap(),
        };
        Alert {
            id: 7,
            org: "contoso".into(),
            connector: Some("onprem".into()),
            code: diagnosis.code().to_string(),
            rule: AlertRule::QueuedCount,
            opened_at: at,
            updated_at: at,
            resolved_at: None,
            acknowledged_at: None,
            acknowledged_by: None,
            notified_at: None,
            values: AlertValues {
                queued: 250,
                queued_over_age: 230,
                oldest_received_at: Some(at),
                last_error: Some(LastError {
                    diagnosis,
                    server: Some("192.0.2.1:25".into()),
                    at,
                }),
                ..Default::default()
            },
        }
    }

    #[test]
    fn an_open_alert_is_explained_in_each_language_from_the_catalogue() {
        let alert = refused_alert();
        let english = explain(&alert, Language::English);
        for language in Language::ALL {
            let explained = explain(&alert, language);
            let words = language.admin_catalogue();
            assert_eq!(explained.causes, words.causes(Topic::ConnectionRefused));
            assert_eq!(explained.actions, words.actions(Topic::ConnectionRefused));
            assert!(explained.summary.contains("onprem") && explained.summary.contains("250"));
            if language != Language::English {
                assert_ne!(explained.summary, english.summary, "{language:?}");
            }
        }
    }

    #[test]
    fn a_resolved_alert_says_so_and_asks_for_nothing() {
        let mut alert = refused_alert();
        alert.resolved_at = Some(datetime!(2025-03-04 10:00:00 UTC));
        let explained = explain(&alert, Language::French);
        assert!(
            explained.summary.contains("résolue"),
            "{}",
            explained.summary
        );
        assert!(explained.causes.is_empty() && explained.actions.is_empty());
    }
}
