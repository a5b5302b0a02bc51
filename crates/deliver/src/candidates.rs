//! The order addresses are tried in: the resolver's hosts in order (smart
//! hosts as configured, MX by preference), and within each host its IPv4
//! addresses before its IPv6 ones. A host that did not resolve stays in the
//! list as a DNS failure, so that it is part of the attempt record.

use crate::dns::ResolvedHost;
use mailflow_core::Diagnosis;
use std::net::SocketAddr;

#[derive(Clone)]
pub(crate) enum Candidate {
    Unresolved { host: String, diagnosis: Diagnosis },
    Address { host: String, addr: SocketAddr },
}

impl Candidate {
    pub(crate) fn host(&self) -> &str {
        match self {
            Candidate::Unresolved { host, .. } | Candidate::Address { host, .. } => host,
        }
    }
}

pub(crate) fn candidates(hosts: Vec<ResolvedHost>) -> Vec<Candidate> {
    let mut list = Vec::new();
    for resolved in hosts {
        match resolved.addrs {
            Err(diagnosis) => list.push(Candidate::Unresolved {
                host: resolved.host,
                diagnosis,
            }),
            Ok(mut addrs) => {
                addrs.sort_by_key(SocketAddr::is_ipv6);
                list.extend(addrs.into_iter().map(|addr| Candidate::Address {
                    host: resolved.host.clone(),
                    addr,
                }));
            }
        }
    }
    list
}
