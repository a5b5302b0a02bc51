//! The furthest-address rule (SPEC section 3): when no address of a next hop
//! took the mail, its last error is the diagnosis of the address that got
//! furthest in the conversation; a tie goes to the later address. Connect
//! time-outs are merged so that `4.4.315` lists every address:port tried.

use mailflow_core::{Diagnosis, Stage};
use std::net::SocketAddr;

#[derive(Debug, Default)]
pub(crate) struct FurthestFailure {
    best: Option<(Stage, Diagnosis, String)>,
    timed_out: Vec<SocketAddr>,
}

impl FurthestFailure {
    /// Records one failed address (or host) attempt.
    pub(crate) fn record(&mut self, stage: Stage, diagnosis: &Diagnosis, server: String) {
        if let Diagnosis::ConnectionTimedOut { tried } = diagnosis {
            self.timed_out.extend(tried.iter().copied());
        }
        if self.best.as_ref().is_none_or(|(best, _, _)| stage >= *best) {
            self.best = Some((stage, diagnosis.clone(), server));
        }
    }

    /// The winning diagnosis and the server it came from.
    pub(crate) fn winner(self) -> Option<(Diagnosis, String)> {
        let (_, diagnosis, server) = self.best?;
        let diagnosis = match diagnosis {
            Diagnosis::ConnectionTimedOut { .. } => Diagnosis::ConnectionTimedOut {
                tried: self.timed_out,
            },
            other => other,
        };
        Some((diagnosis, server))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mailflow_core::{RemoteReply, ServerRefusal};

    fn addr(text: &str) -> SocketAddr {
        text.parse().unwrap()
    }

    #[test]
    fn a_greeting_error_beats_a_later_refused_connection() {
        let mut furthest = FurthestFailure::default();
        let reply = RemoteReply {
            code: 421,
            enhanced: None,
            text: "busy".into(),
        };
        let greeting = Diagnosis::RemoteServerError {
            refusal: ServerRefusal::Greeting { reply },
        };
        furthest.record(Stage::Greeting, &greeting, "127.0.0.1:2525".into());
        let refused = Diagnosis::ConnectionRefused {
            addr: addr("127.0.0.1:2526"),
        };
        furthest.record(Stage::Connect, &refused, "127.0.0.1:2526".into());
        assert_eq!(furthest.winner(), Some((greeting, "127.0.0.1:2525".into())));
    }

    #[test]
    fn a_tie_goes_to_the_later_address_and_time_outs_are_merged() {
        let mut furthest = FurthestFailure::default();
        let first = Diagnosis::ConnectionTimedOut {
            tried: vec![addr("127.0.0.1:1")],
        };
        let second = Diagnosis::ConnectionTimedOut {
            tried: vec![addr("127.0.0.2:1")],
        };
        furthest.record(Stage::Connect, &first, "127.0.0.1:1".into());
        furthest.record(Stage::Connect, &second, "127.0.0.2:1".into());
        let (diagnosis, server) = furthest.winner().unwrap();
        assert_eq!(server, "127.0.0.2:1");
        assert_eq!(
            diagnosis,
            Diagnosis::ConnectionTimedOut {
                tried: vec![addr("127.0.0.1:1"), addr("127.0.0.2:1")]
            }
        );
    }
}
