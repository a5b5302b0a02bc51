//! One diagnosis explained in one language: why it failed, who has to act,
//! and what they have to do.
//!
//! Reports use this for each recipient; anything else that tells people
//! about a failure (an insight about a connector, an alert) can use it too,
//! so that a code is explained in the same words everywhere.

use crate::advice::{Advice, ConnectorProblem, Remedy, advise};
use crate::catalogue::{Catalogue, Language};
use crate::clean;
use mailflow_core::{Diagnosis, RemoteReply};

/// The words about one diagnosis, with the typed judgement behind them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// Who has to act and what they have to do, as types.
    pub advice: Advice,
    /// Why: the category's explanation; for an expired message also its
    /// last error's; and the server's own words when it replied.
    pub why: String,
    /// Who has to act, in words.
    pub who_must_act: String,
    /// What they have to do, in words addressed to the report's reader.
    pub what_to_do: String,
    /// For a connector's administrators: what is wrong with it, as a clause
    /// that reads after "the connector cannot deliver:". `None` when the
    /// problem is not the connector's.
    pub connector_problem: Option<&'static str>,
}

/// Explains `diagnosis` for a recipient routed through `connector` (`None`
/// for ordinary internet mail by MX); `reporting_mta` names this relay.
pub fn explain(
    diagnosis: &Diagnosis,
    connector: Option<&str>,
    reporting_mta: &str,
    language: Language,
) -> Explanation {
    explain_with(diagnosis, connector, reporting_mta, language, true)
}

/// As [`explain`], for a reader outside the organisation: as if the
/// recipient were reached without a connector, and without the server's
/// own words, which may name the organisation's internal hosts.
pub(crate) fn explain_for_outside(
    diagnosis: &Diagnosis,
    reporting_mta: &str,
    language: Language,
) -> Explanation {
    explain_with(diagnosis, None, reporting_mta, language, false)
}

fn explain_with(
    diagnosis: &Diagnosis,
    connector: Option<&str>,
    reporting_mta: &str,
    language: Language,
    server_words: bool,
) -> Explanation {
    let words = language.catalogue();
    let advice = advise(diagnosis, connector);
    Explanation {
        why: why(diagnosis, words, server_words),
        who_must_act: words.actor(advice.actor, reporting_mta),
        what_to_do: words.remedy(&advice.remedy),
        connector_problem: problem_of(&advice.remedy).map(|p| words.connector_problem(p)),
        advice,
    }
}

fn problem_of(remedy: &Remedy) -> Option<ConnectorProblem> {
    match remedy {
        Remedy::FixConnector { problem, .. } => Some(*problem),
        _ => None,
    }
}

/// The category's explanation; for an expired recipient, also its last
/// error's; and the server's own words when it replied.
fn why(diagnosis: &Diagnosis, words: &dyn Catalogue, server_words: bool) -> String {
    let mut sentences = vec![words.explanation(diagnosis.category()).to_string()];
    if let Diagnosis::Expired { last: Some(last) } = diagnosis {
        sentences.push(words.last_error_because(words.explanation(last.category())));
    }
    if let Some(reply) = remote_reply(diagnosis).filter(|_| server_words) {
        sentences.push(words.server_said(&clean::header_text(&reply.to_string())));
    }
    sentences.join(words.sentence_separator())
}

fn remote_reply(diagnosis: &Diagnosis) -> Option<&RemoteReply> {
    match diagnosis {
        Diagnosis::RemoteTransient { reply, .. } | Diagnosis::RemotePermanent { reply, .. } => {
            Some(reply)
        }
        Diagnosis::Expired { last: Some(last) } => remote_reply(last),
        _ => None,
    }
}
