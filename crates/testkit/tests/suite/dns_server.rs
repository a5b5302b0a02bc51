//! The DNS server answers a real hickory resolver as scripted.

use hickory_resolver::TokioResolver;
use hickory_resolver::config::{NameServerConfig, ResolverConfig, ResolverOpts};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError, NetError};
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::{RData, RecordType};
use mailflow_testkit::{DnsFault, DnsServer};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

fn resolver(server: SocketAddr) -> TokioResolver {
    let mut name_server = NameServerConfig::udp_and_tcp(server.ip());
    for connection in &mut name_server.connections {
        connection.port = server.port();
    }
    let config = ResolverConfig::from_name_servers(vec![name_server]);
    let mut options = ResolverOpts::default();
    options.timeout = Duration::from_millis(300);
    options.attempts = 1;
    options.cache_size = 0;
    TokioResolver::builder_with_config(config, TokioRuntimeProvider::default())
        .with_options(options)
        .build()
        .expect("resolver")
}

fn response_code(error: &NetError) -> Option<ResponseCode> {
    match error {
        NetError::Dns(DnsError::NoRecordsFound(no_records)) => Some(no_records.response_code),
        NetError::Dns(DnsError::ResponseCode(code)) => Some(*code),
        _ => None,
    }
}

#[tokio::test]
async fn answers_mx_records_in_the_order_given() {
    let dns = DnsServer::start().await;
    dns.set_mx(
        "example.test",
        &[(20, "b.example.test"), (10, "a.example.test")],
    );
    let lookup = resolver(dns.addr())
        .mx_lookup("example.test.")
        .await
        .unwrap();
    let records: Vec<(u16, String)> = lookup
        .answers()
        .iter()
        .filter_map(|record| match &record.data {
            RData::MX(mx) => Some((mx.preference, mx.exchange.to_ascii())),
            _ => None,
        })
        .collect();
    assert_eq!(
        records,
        vec![
            (20, "b.example.test.".into()),
            (10, "a.example.test.".into())
        ]
    );
    assert_eq!(dns.queries(), 1);
}

#[tokio::test]
async fn answers_a_and_aaaa() {
    let dns = DnsServer::start().await;
    dns.set_a("mx.example.test", &[Ipv4Addr::new(127, 0, 0, 2)]);
    dns.set_aaaa("mx.example.test", &[Ipv6Addr::LOCALHOST]);
    let resolver = resolver(dns.addr());
    let v4 = resolver.ipv4_lookup("mx.example.test.").await.unwrap();
    let v6 = resolver.ipv6_lookup("mx.example.test.").await.unwrap();
    assert!(matches!(&v4.answers()[0].data, RData::A(a) if a.0 == Ipv4Addr::new(127, 0, 0, 2)));
    assert!(matches!(&v6.answers()[0].data, RData::AAAA(a) if a.0 == Ipv6Addr::LOCALHOST));
}

#[tokio::test]
async fn null_mx_is_a_single_record_for_the_root() {
    let dns = DnsServer::start().await;
    dns.set_null_mx("nomail.test");
    let lookup = resolver(dns.addr())
        .mx_lookup("nomail.test.")
        .await
        .unwrap();
    assert_eq!(lookup.answers().len(), 1);
    assert!(matches!(&lookup.answers()[0].data, RData::MX(mx) if mx.exchange.is_root()));
}

#[tokio::test]
async fn unknown_names_are_nxdomain() {
    let dns = DnsServer::start().await;
    let error = resolver(dns.addr())
        .mx_lookup("missing.test.")
        .await
        .unwrap_err();
    assert_eq!(
        response_code(&error),
        Some(ResponseCode::NXDomain),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_known_name_without_the_type_is_noerror_with_no_records() {
    let dns = DnsServer::start().await;
    dns.set_a("host.test", &[Ipv4Addr::LOCALHOST]);
    let error = resolver(dns.addr())
        .mx_lookup("host.test.")
        .await
        .unwrap_err();
    assert_eq!(
        response_code(&error),
        Some(ResponseCode::NoError),
        "{error:?}"
    );
}

#[tokio::test]
async fn scripted_faults_give_their_response_codes() {
    let dns = DnsServer::start().await;
    dns.set_mx("a.test", &[(10, "mx.a.test")]);
    dns.nxdomain("a.test");
    dns.servfail("b.test");
    dns.refused("c.test");
    let resolver = resolver(dns.addr());
    let code = |name: &'static str| {
        let resolver = resolver.clone();
        async move { response_code(&resolver.mx_lookup(name).await.unwrap_err()) }
    };
    assert_eq!(code("a.test.").await, Some(ResponseCode::NXDomain));
    assert_eq!(code("b.test.").await, Some(ResponseCode::ServFail));
    assert_eq!(code("c.test.").await, Some(ResponseCode::Refused));
}

#[tokio::test]
async fn a_silent_name_times_out() {
    let dns = DnsServer::start().await;
    dns.silent("quiet.test");
    let started = tokio::time::Instant::now();
    let error = resolver(dns.addr())
        .mx_lookup("quiet.test.")
        .await
        .unwrap_err();
    assert!(matches!(error, NetError::Timeout), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(dns.queries() >= 1);
}

#[tokio::test]
async fn a_type_fault_leaves_other_types_answering() {
    let dns = DnsServer::start().await;
    dns.set_a("host.test", &[Ipv4Addr::LOCALHOST]);
    dns.set_type_fault("host.test", RecordType::AAAA, DnsFault::ServFail);
    let resolver = resolver(dns.addr());
    assert!(resolver.ipv4_lookup("host.test.").await.is_ok());
    let error = resolver.ipv6_lookup("host.test.").await.unwrap_err();
    assert_eq!(response_code(&error), Some(ResponseCode::ServFail));
}

#[tokio::test]
async fn records_change_while_running() {
    let dns = DnsServer::start().await;
    let resolver = resolver(dns.addr());
    dns.servfail("change.test");
    assert!(resolver.mx_lookup("change.test.").await.is_err());
    dns.set_mx("change.test", &[(5, "mx.change.test")]);
    assert_eq!(
        resolver
            .mx_lookup("change.test.")
            .await
            .unwrap()
            .answers()
            .len(),
        1
    );
    let log = dns.query_log();
    assert!(log.len() >= 2, "{log:?}");
    assert!(
        log.iter()
            .all(|(name, kind)| name == "change.test" && *kind == RecordType::MX),
        "{log:?}"
    );
}

#[tokio::test]
async fn answers_over_tcp_too() {
    let dns = DnsServer::start().await;
    dns.set_a("tcp.test", &[Ipv4Addr::LOCALHOST]);
    let mut name_server = NameServerConfig::tcp(dns.addr().ip());
    name_server.connections[0].port = dns.addr().port();
    let config = ResolverConfig::from_name_servers(vec![name_server]);
    let resolver = TokioResolver::builder_with_config(config, TokioRuntimeProvider::default())
        .build()
        .unwrap();
    assert!(resolver.ipv4_lookup("tcp.test.").await.is_ok());
}

#[tokio::test]
async fn a_server_that_stops_answering_drops_every_question_until_it_resumes() {
    let dns = DnsServer::start().await;
    dns.set_mx("mail.test", &[(10, "mx.mail.test")]);
    dns.set_a("mx.mail.test", &[Ipv4Addr::LOCALHOST]);
    let resolver = resolver(dns.addr());
    assert!(resolver.mx_lookup("mail.test.").await.is_ok());

    dns.stop_answering();
    let asked_before = dns.queries();
    for name in ["mail.test.", "mx.mail.test.", "unknown.test."] {
        let error = resolver.mx_lookup(name).await.unwrap_err();
        assert!(matches!(error, NetError::Timeout), "{name}: {error:?}");
    }
    let error = resolver.ipv4_lookup("mx.mail.test.").await.unwrap_err();
    assert!(matches!(error, NetError::Timeout), "{error:?}");
    assert!(
        dns.queries() >= asked_before + 4,
        "unanswered questions are still logged: {:?}",
        dns.query_log()
    );

    // The same resolver gets answers again, from the table as it was.
    dns.resume_answering();
    let lookup = resolver.ipv4_lookup("mx.mail.test.").await.unwrap();
    assert!(matches!(&lookup.answers()[0].data, RData::A(a) if a.0 == Ipv4Addr::LOCALHOST));
    assert!(resolver.mx_lookup("mail.test.").await.is_ok());
    let error = resolver.mx_lookup("unknown.test.").await.unwrap_err();
    assert_eq!(response_code(&error), Some(ResponseCode::NXDomain));
}
