//! Next-hop resolution: from a `Target` to the hosts to try, in order, each
//! with its addresses or the diagnosis of why it has none (SPEC sections 2, 3).
//!
//! Smart hosts keep their configured order; MX hosts go by preference, ties
//! in the order the server gave them; within a host IPv4 comes before IPv6.
//! A domain without MX records is its own mail host (implicit MX); a null MX
//! means the domain takes no mail. Every DNS failure becomes a typed
//! `Diagnosis` here, where it is seen.

use crate::{DeliverySettings, Target};
use hickory_resolver::TokioResolver;
use hickory_resolver::config::{NameServerConfig, ResolveHosts, ResolverConfig};
use hickory_resolver::lookup::Lookup;
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError, NetError};
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::RData;
use mailflow_core::{Diagnosis, DnsOutcome, DnsRecordType, SmartHost};
use std::net::{IpAddr, SocketAddr};

/// The port of a smart host configured without one.
const SMTP_PORT: u16 = 25;
/// Retries after a failed query (time-out, SERVFAIL): one, so that a dead
/// name server costs at most twice the DNS time-out per lookup.
const RETRIES: usize = 1;

/// The resolver could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum ResolverSetupError {
    #[error("reading the system DNS configuration (set [dns] nameservers to bypass it): {0}")]
    SystemConfig(NetError),
    #[error("building the DNS resolver: {0}")]
    Build(NetError),
}

/// One host of a next hop, with its addresses or why it has none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedHost {
    /// The smart host or MX exchange as named, lower case, no trailing dot.
    pub host: String,
    pub addrs: Result<Vec<SocketAddr>, Diagnosis>,
}

/// Resolves next hops; answers are not cached, so a changed record is seen
/// on the next delivery.
pub struct NextHopResolver {
    resolver: TokioResolver,
}

impl NextHopResolver {
    /// Uses `settings.nameservers` (UDP and TCP), or the system configuration
    /// when there are none, with `settings.dns_timeout` per query.
    pub fn new(settings: &DeliverySettings) -> Result<Self, ResolverSetupError> {
        let mut builder = if settings.nameservers.is_empty() {
            TokioResolver::builder_tokio().map_err(ResolverSetupError::SystemConfig)?
        } else {
            let config = explicit_config(&settings.nameservers);
            TokioResolver::builder_with_config(config, TokioRuntimeProvider::default())
        };
        let options = builder.options_mut();
        options.timeout = settings.dns_timeout;
        options.attempts = RETRIES;
        options.cache_size = 0;
        if !settings.nameservers.is_empty() {
            options.use_hosts_file = ResolveHosts::Never;
        }
        let resolver = builder.build().map_err(ResolverSetupError::Build)?;
        Ok(NextHopResolver { resolver })
    }

    /// Every host of the target in order, each with its socket addresses or
    /// the diagnosis why it has none. `Err` when the target as a whole
    /// cannot be resolved (the MX query failed, null MX, no such domain).
    pub async fn resolve(
        &self,
        target: &Target,
        mx_port: u16,
        through_connector: bool,
    ) -> Result<Vec<ResolvedHost>, Diagnosis> {
        match target {
            Target::SmartHosts(hosts) => Ok(self.smart_hosts(hosts).await),
            Target::Mx { domain } => self.mx_hosts(domain, mx_port, through_connector).await,
        }
    }

    async fn smart_hosts(&self, hosts: &[SmartHost]) -> Vec<ResolvedHost> {
        let mut resolved = Vec::with_capacity(hosts.len());
        for smart_host in hosts {
            let port = smart_host.port.unwrap_or(SMTP_PORT);
            resolved.push(self.host(&smart_host.host, port).await);
        }
        resolved
    }

    async fn mx_hosts(
        &self,
        domain: &str,
        port: u16,
        through_connector: bool,
    ) -> Result<Vec<ResolvedHost>, Diagnosis> {
        let domain = bare_name(domain);
        let exchanges = match self.resolver.mx_lookup(fqdn(&domain)).await {
            Ok(lookup) => mx_exchanges(&domain, &lookup)?,
            Err(error) => match outcome(&error) {
                DnsOutcome::NoRecords => Vec::new(),
                DnsOutcome::NxDomain if !through_connector => {
                    return Err(Diagnosis::DomainNotFound { domain });
                }
                outcome => return Err(dns_failure(&domain, DnsRecordType::Mx, outcome)),
            },
        };
        if exchanges.is_empty() {
            return Ok(vec![self.host(&domain, port).await]);
        }
        let mut resolved = Vec::with_capacity(exchanges.len());
        for exchange in exchanges {
            resolved.push(self.host(&exchange, port).await);
        }
        Ok(resolved)
    }

    /// One host: an IP literal as it is, a name through A then AAAA.
    async fn host(&self, host: &str, port: u16) -> ResolvedHost {
        let addrs = match host.parse::<IpAddr>() {
            Ok(ip) => Ok(vec![SocketAddr::new(ip, port)]),
            Err(_) => self.addresses(host, port).await,
        };
        ResolvedHost {
            host: bare_name(host),
            addrs,
        }
    }

    async fn addresses(&self, host: &str, port: u16) -> Result<Vec<SocketAddr>, Diagnosis> {
        let name = fqdn(host);
        let (v4, v6) = tokio::join!(
            self.resolver.ipv4_lookup(name.as_str()),
            self.resolver.ipv6_lookup(name.as_str())
        );
        let mut ips = Vec::new();
        let mut failures = Vec::new();
        for (record, result) in [(DnsRecordType::A, v4), (DnsRecordType::Aaaa, v6)] {
            match result {
                Ok(lookup) => ips.extend(addresses_in(&lookup)),
                Err(error) => failures.push((record, outcome(&error))),
            }
        }
        if ips.is_empty() {
            let (record, outcome) = most_telling(failures);
            return Err(dns_failure(&bare_name(host), record, outcome));
        }
        Ok(ips
            .into_iter()
            .map(|ip| SocketAddr::new(ip, port))
            .collect())
    }
}

fn explicit_config(nameservers: &[SocketAddr]) -> ResolverConfig {
    let servers = nameservers
        .iter()
        .map(|server| {
            let mut config = NameServerConfig::udp_and_tcp(server.ip());
            for connection in &mut config.connections {
                connection.port = server.port();
            }
            config
        })
        .collect();
    ResolverConfig::from_name_servers(servers)
}

/// The MX exchanges by preference, ties kept in answer order; an empty list
/// when the answer held no MX record at all (implicit MX applies).
#[allow(
    clippy::result_large_err,
    reason = "Diagnosis is the one failure type, carried as is"
)]
fn mx_exchanges(domain: &str, lookup: &Lookup) -> Result<Vec<String>, Diagnosis> {
    let mut records: Vec<_> = lookup
        .answers()
        .iter()
        .filter_map(|record| match &record.data {
            RData::MX(mx) => Some((mx.preference, mx.exchange.clone())),
            _ => None,
        })
        .collect();
    if let [(_, exchange)] = records.as_slice()
        && exchange.is_root()
    {
        return Err(Diagnosis::NullMx {
            domain: domain.to_string(),
        });
    }
    records.retain(|(_, exchange)| !exchange.is_root());
    records.sort_by_key(|(preference, _)| *preference);
    Ok(records
        .into_iter()
        .map(|(_, exchange)| bare_name(&exchange.to_ascii()))
        .collect())
}

fn addresses_in(lookup: &Lookup) -> Vec<IpAddr> {
    lookup
        .answers()
        .iter()
        .filter_map(|record| match &record.data {
            RData::A(a) => Some(IpAddr::V4(a.0)),
            RData::AAAA(aaaa) => Some(IpAddr::V6(aaaa.0)),
            _ => None,
        })
        .collect()
}

/// Of the failed A and AAAA lookups of a host with no address, the one that
/// says most: a server failure over "no such records", A before AAAA.
fn most_telling(failures: Vec<(DnsRecordType, DnsOutcome)>) -> (DnsRecordType, DnsOutcome) {
    let is_absence =
        |outcome: &DnsOutcome| matches!(outcome, DnsOutcome::NoRecords | DnsOutcome::NxDomain);
    let server_failure = failures
        .iter()
        .find(|(_, outcome)| !is_absence(outcome))
        .cloned();
    server_failure
        .or_else(|| failures.into_iter().next())
        .unwrap_or((DnsRecordType::A, DnsOutcome::NoRecords))
}

/// What a failed lookup says about the name.
fn outcome(error: &NetError) -> DnsOutcome {
    match error {
        NetError::Dns(DnsError::NoRecordsFound(no_records)) => match no_records.response_code {
            ResponseCode::NXDomain => DnsOutcome::NxDomain,
            _ => DnsOutcome::NoRecords,
        },
        NetError::Dns(DnsError::ResponseCode(code)) => response_outcome(*code),
        NetError::Timeout => DnsOutcome::TimedOut,
        NetError::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => DnsOutcome::TimedOut,
        NetError::NoConnections => DnsOutcome::Other("no name server could be reached".into()),
        other => DnsOutcome::Other(other.to_string()),
    }
}

fn response_outcome(code: ResponseCode) -> DnsOutcome {
    match code {
        ResponseCode::NXDomain => DnsOutcome::NxDomain,
        ResponseCode::ServFail => DnsOutcome::ServFail,
        ResponseCode::Refused => DnsOutcome::Refused,
        other => DnsOutcome::Other(format!("the name server answered {other}")),
    }
}

fn dns_failure(name: &str, record: DnsRecordType, outcome: DnsOutcome) -> Diagnosis {
    Diagnosis::DnsQueryFailed {
        name: name.to_string(),
        record,
        outcome,
    }
}

/// Lower case, without the trailing dot: how names appear in diagnoses.
fn bare_name(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// Fully qualified, so that no search domain is ever appended.
fn fqdn(name: &str) -> String {
    format!("{}.", name.trim_end_matches('.'))
}
