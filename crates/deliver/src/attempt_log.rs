//! The record of one pass over a next hop's addresses, shared by delivery
//! and validation: every address result in order, and the furthest-address
//! verdict (SPEC section 3) for when none of them worked.

use crate::Target;
use crate::furthest::FurthestFailure;
use mailflow_core::{AddressResult, Diagnosis, DnsOutcome, DnsRecordType};

#[derive(Debug, Default)]
pub(crate) struct AttemptLog {
    addresses: Vec<AddressResult>,
    furthest: FurthestFailure,
}

impl AttemptLog {
    /// Keeps one address (or unresolved host) result. A session that broke
    /// during a message's data failed that message only: it is kept for the
    /// record but is no verdict on the address for the other messages.
    pub(crate) fn record(&mut self, result: AddressResult) {
        if let Some(diagnosis) = result
            .diagnosis
            .as_ref()
            .filter(|diagnosis| !diagnosis.is_data_stage_drop())
        {
            self.furthest
                .record(result.stage, diagnosis, server_of(&result));
        }
        self.addresses.push(result);
    }

    /// The results so far, in order.
    pub(crate) fn addresses(&self) -> &[AddressResult] {
        &self.addresses
    }

    /// At least one address worked.
    pub(crate) fn any_passed(&self) -> bool {
        self.addresses
            .iter()
            .any(|result| result.diagnosis.is_none())
    }

    /// The results and the diagnosis of the address that got furthest, with
    /// the server it came from; a target that gave no host at all is a DNS
    /// failure.
    pub(crate) fn finish(self, target: &Target) -> (Vec<AddressResult>, (Diagnosis, String)) {
        let verdict = self
            .furthest
            .winner()
            .unwrap_or_else(|| nothing_resolved(target));
        (self.addresses, verdict)
    }
}

/// Where a result came from: `ip:port`, or the host name when it did not resolve.
fn server_of(result: &AddressResult) -> String {
    result
        .addr
        .map_or_else(|| result.host.clone(), |addr| addr.to_string())
}

/// The target as named in a diagnosis: the domain, or the smart hosts.
pub(crate) fn target_name(target: &Target) -> String {
    match target {
        Target::Mx { domain } => domain.clone(),
        Target::SmartHosts(hosts) => hosts
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// The resolver answered with no host at all.
fn nothing_resolved(target: &Target) -> (Diagnosis, String) {
    let name = target_name(target);
    let diagnosis = Diagnosis::DnsQueryFailed {
        name: name.clone(),
        record: DnsRecordType::A,
        outcome: DnsOutcome::NoRecords,
    };
    (diagnosis, name)
}
