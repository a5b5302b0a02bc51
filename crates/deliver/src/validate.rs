//! Connector validation: a live check of a next hop that answers with the
//! diagnosis a delivery attempt would give, because it runs the same code —
//! the same resolution, address order, session set-up under the TLS policy
//! and furthest-address rule — but visits every address instead of stopping
//! at the first that works, and says QUIT instead of sending mail.

use crate::attempt_log::AttemptLog;
use crate::session::Session;
use crate::tls::NegotiatedTls;
use crate::{Deliverer, NextHopPlan};
use mailflow_core::{AddressResult, Diagnosis};
use serde::Serialize;
use std::net::SocketAddr;
use std::time::Instant;

/// What validating a next hop found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValidationReport {
    /// One result per address tried (or per host that did not resolve), in
    /// order. A passing address reached `starttls` (TLS negotiated) or `ehlo`
    /// (plaintext, as the policy allows) with no diagnosis.
    pub addresses: Vec<AddressResult>,
    /// The verdict a delivery attempt would record when no address passed
    /// (the address that got furthest); `None` when at least one passed.
    pub diagnosis: Option<Diagnosis>,
    /// The server the verdict came from (`ip:port`, or a name that did not
    /// resolve); `None` when at least one address passed.
    pub server: Option<String>,
    /// What TLS looked like at each address whose session set-up passed.
    pub tls: Vec<TlsObservation>,
}

/// TLS at one address that passed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TlsObservation {
    pub host: String,
    pub addr: SocketAddr,
    /// The server offered STARTTLS in its EHLO reply.
    pub starttls_offered: bool,
    /// What the handshake negotiated; `None` when the session stayed in
    /// plaintext.
    pub negotiated: Option<NegotiatedTls>,
}

impl Deliverer {
    /// Connects to every address of the next hop (not stopping at the first
    /// that works), runs the greeting, EHLO and STARTTLS with the
    /// certificate check as the plan's TLS policy says, then QUIT. Sends no
    /// mail.
    pub async fn validate(&self, plan: &NextHopPlan) -> ValidationReport {
        let mut log = AttemptLog::default();
        let mut tls = Vec::new();
        let started = Instant::now();
        let params = self.session_params(plan);
        for candidate in self.candidates_of(plan).await {
            let mut seen = None;
            let greet_and_quit = async |session: Session, _addr| {
                // `StartTls` when TLS was negotiated, else `Ehlo`: the
                // stage after the certificate check.
                let stage = session.stage;
                seen = Some((session.starttls_offered, session.tls));
                session.client.quit().await;
                (stage, None)
            };
            let result = self
                .try_candidate(candidate, &params, started, greet_and_quit)
                .await;
            if let (Some((offered, negotiated)), Some(addr)) = (seen, result.addr) {
                tls.push(TlsObservation {
                    host: result.host.clone(),
                    addr,
                    starttls_offered: offered,
                    negotiated,
                });
            }
            log.record(result);
        }
        let passed = log.any_passed();
        let (addresses, (diagnosis, server)) = log.finish(&plan.target);
        ValidationReport {
            addresses,
            diagnosis: (!passed).then_some(diagnosis),
            server: (!passed).then_some(server),
            tls,
        }
    }
}
