//! Next-hop resolution against the testkit's DNS server: every outcome of
//! SPEC section 3 that DNS can produce, and the order hosts come in.

use mailflow_core::{Diagnosis, DnsOutcome, DnsRecordType, SmartHost};
use mailflow_deliver::dns::{NextHopResolver, ResolvedHost};
use mailflow_deliver::{DeliverySettings, Target};
use mailflow_testkit::{DnsFault, DnsServer};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::{Duration, Instant};

const MX_PORT: u16 = 2525;

fn settings(dns: &DnsServer, dns_timeout: Duration) -> DeliverySettings {
    DeliverySettings {
        hostname: "relay.test".into(),
        mx_port: MX_PORT,
        connect_timeout: Duration::from_millis(300),
        command_timeout: Duration::from_secs(1),
        nameservers: vec![dns.addr()],
        dns_timeout,
        trusted_ca_file: None,
        max_delivery_memory: mailflow_deliver::DEFAULT_MAX_DELIVERY_MEMORY,
    }
}

fn resolver(dns: &DnsServer) -> NextHopResolver {
    NextHopResolver::new(&settings(dns, Duration::from_secs(2))).expect("resolver")
}

fn mx(domain: &str) -> Target {
    Target::Mx {
        domain: domain.into(),
    }
}

fn smart_hosts(hosts: &[&str]) -> Target {
    Target::SmartHosts(
        hosts
            .iter()
            .map(|host| host.parse::<SmartHost>().unwrap())
            .collect(),
    )
}

fn v4(last: u8, port: u16) -> SocketAddr {
    SocketAddr::from((Ipv4Addr::new(127, 0, 0, last), port))
}

fn names(hosts: &[ResolvedHost]) -> Vec<&str> {
    hosts.iter().map(|host| host.host.as_str()).collect()
}

fn dns_failed(name: &str, record: DnsRecordType, outcome: DnsOutcome) -> Diagnosis {
    Diagnosis::DnsQueryFailed {
        name: name.into(),
        record,
        outcome,
    }
}

#[tokio::test]
async fn mx_hosts_come_by_preference_with_ties_in_answer_order() {
    let dns = DnsServer::start().await;
    dns.set_mx(
        "dest.test",
        &[
            (20, "c.dest.test"),
            (10, "a.dest.test"),
            (10, "b.dest.test"),
        ],
    );
    dns.set_a("a.dest.test", &[Ipv4Addr::new(127, 0, 0, 1)]);
    dns.set_a("b.dest.test", &[Ipv4Addr::new(127, 0, 0, 2)]);
    dns.set_a("c.dest.test", &[Ipv4Addr::new(127, 0, 0, 3)]);
    let hosts = resolver(&dns)
        .resolve(&mx("dest.test"), MX_PORT, false)
        .await
        .unwrap();
    assert_eq!(
        names(&hosts),
        vec!["a.dest.test", "b.dest.test", "c.dest.test"]
    );
    assert_eq!(hosts[2].addrs, Ok(vec![v4(3, MX_PORT)]));
}

#[tokio::test]
async fn a_host_has_its_ipv4_addresses_then_its_ipv6_ones_on_the_mx_port() {
    let dns = DnsServer::start().await;
    dns.set_mx("dest.test", &[(10, "mx.dest.test")]);
    dns.set_a(
        "mx.dest.test",
        &[Ipv4Addr::new(127, 0, 0, 2), Ipv4Addr::new(127, 0, 0, 3)],
    );
    dns.set_aaaa("mx.dest.test", &[Ipv6Addr::LOCALHOST]);
    let hosts = resolver(&dns)
        .resolve(&mx("dest.test"), 2600, false)
        .await
        .unwrap();
    let ipv6 = SocketAddr::from((Ipv6Addr::LOCALHOST, 2600));
    assert_eq!(hosts[0].addrs, Ok(vec![v4(2, 2600), v4(3, 2600), ipv6]));
}

#[tokio::test]
async fn without_mx_records_the_domain_is_its_own_host() {
    let dns = DnsServer::start().await;
    dns.set_a("plain.test", &[Ipv4Addr::new(127, 0, 0, 4)]);
    let hosts = resolver(&dns)
        .resolve(&mx("Plain.Test"), MX_PORT, false)
        .await
        .unwrap();
    assert_eq!(
        hosts,
        vec![ResolvedHost {
            host: "plain.test".into(),
            addrs: Ok(vec![v4(4, MX_PORT)])
        }]
    );
}

#[tokio::test]
async fn implicit_mx_without_addresses_is_no_records() {
    let dns = DnsServer::start().await;
    dns.set_exists("empty.test");
    let hosts = resolver(&dns)
        .resolve(&mx("empty.test"), MX_PORT, false)
        .await
        .unwrap();
    let expected = dns_failed("empty.test", DnsRecordType::A, DnsOutcome::NoRecords);
    assert_eq!(hosts[0].addrs, Err(expected));
}

#[tokio::test]
async fn a_null_mx_accepts_no_mail() {
    let dns = DnsServer::start().await;
    dns.set_null_mx("nomail.test");
    let error = resolver(&dns)
        .resolve(&mx("nomail.test"), MX_PORT, false)
        .await
        .unwrap_err();
    assert_eq!(
        error,
        Diagnosis::NullMx {
            domain: "nomail.test".into()
        }
    );
    assert_eq!(error.reply_code(), 556);
}

#[tokio::test]
async fn nxdomain_without_a_connector_is_a_domain_that_does_not_exist() {
    let dns = DnsServer::start().await;
    let error = resolver(&dns)
        .resolve(&mx("nowhere.test"), MX_PORT, false)
        .await
        .unwrap_err();
    assert_eq!(
        error,
        Diagnosis::DomainNotFound {
            domain: "nowhere.test".into()
        }
    );
    assert_eq!(error.code().to_string(), "5.4.310");
}

#[tokio::test]
async fn nxdomain_through_a_connector_stays_a_temporary_dns_failure() {
    let dns = DnsServer::start().await;
    let error = resolver(&dns)
        .resolve(&mx("nowhere.test"), MX_PORT, true)
        .await
        .unwrap_err();
    assert_eq!(
        error,
        dns_failed("nowhere.test", DnsRecordType::Mx, DnsOutcome::NxDomain)
    );
    assert_eq!(error.code().to_string(), "4.4.312");
}

#[tokio::test]
async fn servfail_and_refused_on_the_mx_query() {
    let dns = DnsServer::start().await;
    dns.servfail("broken.test");
    dns.refused("closed.test");
    let resolver = resolver(&dns);
    let broken = resolver
        .resolve(&mx("broken.test"), MX_PORT, false)
        .await
        .unwrap_err();
    let closed = resolver
        .resolve(&mx("closed.test"), MX_PORT, false)
        .await
        .unwrap_err();
    assert_eq!(
        broken,
        dns_failed("broken.test", DnsRecordType::Mx, DnsOutcome::ServFail)
    );
    assert_eq!(
        closed,
        dns_failed("closed.test", DnsRecordType::Mx, DnsOutcome::Refused)
    );
}

#[tokio::test]
async fn a_silent_name_server_times_out_within_the_dns_timeout() {
    let dns = DnsServer::start().await;
    dns.silent("quiet.test");
    let resolver = NextHopResolver::new(&settings(&dns, Duration::from_millis(200))).unwrap();
    let started = Instant::now();
    let error = resolver
        .resolve(&mx("quiet.test"), MX_PORT, false)
        .await
        .unwrap_err();
    assert_eq!(
        error,
        dns_failed("quiet.test", DnsRecordType::Mx, DnsOutcome::TimedOut)
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn an_exchange_without_addresses_is_diagnosed_on_its_own() {
    let dns = DnsServer::start().await;
    dns.set_mx(
        "dest.test",
        &[
            (10, "gone.dest.test"),
            (20, "empty.dest.test"),
            (30, "broken.dest.test"),
            (40, "ok.dest.test"),
        ],
    );
    dns.set_exists("empty.dest.test");
    dns.servfail("broken.dest.test");
    dns.set_a("ok.dest.test", &[Ipv4Addr::LOCALHOST]);
    let hosts = resolver(&dns)
        .resolve(&mx("dest.test"), MX_PORT, false)
        .await
        .unwrap();
    let gone = dns_failed("gone.dest.test", DnsRecordType::A, DnsOutcome::NxDomain);
    let empty = dns_failed("empty.dest.test", DnsRecordType::A, DnsOutcome::NoRecords);
    let broken = dns_failed("broken.dest.test", DnsRecordType::A, DnsOutcome::ServFail);
    assert_eq!(hosts[0].addrs, Err(gone));
    assert_eq!(hosts[1].addrs, Err(empty));
    assert_eq!(hosts[2].addrs, Err(broken));
    assert_eq!(hosts[3].addrs, Ok(vec![v4(1, MX_PORT)]));
}

#[tokio::test]
async fn a_failed_aaaa_lookup_leaves_the_ipv4_addresses_and_a_failed_a_lookup_is_told() {
    let dns = DnsServer::start().await;
    dns.set_mx(
        "dest.test",
        &[(10, "half.dest.test"), (20, "six.dest.test")],
    );
    dns.set_a("half.dest.test", &[Ipv4Addr::LOCALHOST]);
    dns.set_type_fault(
        "half.dest.test",
        hickory_proto::rr::RecordType::AAAA,
        DnsFault::ServFail,
    );
    dns.set_exists("six.dest.test");
    dns.set_type_fault(
        "six.dest.test",
        hickory_proto::rr::RecordType::AAAA,
        DnsFault::Refused,
    );
    let hosts = resolver(&dns)
        .resolve(&mx("dest.test"), MX_PORT, false)
        .await
        .unwrap();
    assert_eq!(hosts[0].addrs, Ok(vec![v4(1, MX_PORT)]));
    let expected = dns_failed("six.dest.test", DnsRecordType::Aaaa, DnsOutcome::Refused);
    assert_eq!(hosts[1].addrs, Err(expected));
}

#[tokio::test]
async fn smart_host_ip_literals_need_no_lookup() {
    let dns = DnsServer::start().await;
    let target = smart_hosts(&["127.0.0.5", "127.0.0.6:2526", "[::1]:587"]);
    let hosts = resolver(&dns)
        .resolve(&target, MX_PORT, true)
        .await
        .unwrap();
    let addrs: Vec<_> = hosts.into_iter().map(|host| host.addrs.unwrap()).collect();
    let ipv6 = SocketAddr::from((Ipv6Addr::LOCALHOST, 587));
    assert_eq!(addrs, vec![vec![v4(5, 25)], vec![v4(6, 2526)], vec![ipv6]]);
    assert_eq!(dns.queries(), 0);
}

#[tokio::test]
async fn smart_host_names_are_resolved_in_configured_order() {
    let dns = DnsServer::start().await;
    dns.set_a("relay2.test", &[Ipv4Addr::new(127, 0, 0, 7)]);
    let target = smart_hosts(&["missing.test:2525", "relay2.test"]);
    let hosts = resolver(&dns)
        .resolve(&target, MX_PORT, true)
        .await
        .unwrap();
    assert_eq!(names(&hosts), vec!["missing.test", "relay2.test"]);
    let missing = dns_failed("missing.test", DnsRecordType::A, DnsOutcome::NxDomain);
    assert_eq!(hosts[0].addrs, Err(missing));
    assert_eq!(hosts[1].addrs, Ok(vec![v4(7, 25)]));
}

#[tokio::test]
async fn changed_records_are_seen_at_once() {
    let dns = DnsServer::start().await;
    dns.set_a("moving.test", &[Ipv4Addr::new(127, 0, 0, 8)]);
    let resolver = resolver(&dns);
    let target = smart_hosts(&["moving.test"]);
    let before = resolver.resolve(&target, MX_PORT, true).await.unwrap();
    dns.set_a("moving.test", &[Ipv4Addr::new(127, 0, 0, 9)]);
    let after = resolver.resolve(&target, MX_PORT, true).await.unwrap();
    assert_eq!(before[0].addrs, Ok(vec![v4(8, 25)]));
    assert_eq!(after[0].addrs, Ok(vec![v4(9, 25)]));
}
