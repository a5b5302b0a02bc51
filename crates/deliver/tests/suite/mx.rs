//! Next hops found through DNS, against the testkit's DNS server: MX hosts
//! tried by preference, and a name that does not resolve (4.4.312).

use crate::common::*;
use mailflow_core::{Diagnosis, SmartHost, Stage, TlsPolicy};
use mailflow_deliver::{Deliverer, DeliverySettings, NextHopPlan, RecipientOutcome, Target};
use mailflow_testkit::{DnsServer, SmtpBehavior, SmtpServer};
use std::net::{Ipv4Addr, SocketAddr};

fn deliverer_with_dns(dns: &DnsServer, mx_port: u16) -> Deliverer {
    Deliverer::new(DeliverySettings {
        nameservers: vec![dns.addr()],
        mx_port,
        ..settings()
    })
    .expect("deliverer")
}

fn plan(target: Target, through_connector: bool) -> NextHopPlan {
    NextHopPlan {
        target,
        through_connector,
        ..smart_hosts(&[], TlsPolicy::Opportunistic)
    }
}

#[tokio::test]
async fn the_second_mx_takes_the_mail_when_the_first_refuses() {
    let dns = DnsServer::start().await;
    let server =
        SmtpServer::start_on((Ipv4Addr::new(127, 0, 0, 2), 0).into(), SmtpBehavior::new()).await;
    let port = server.addr().port();
    dns.set_mx("dest.test", &[(20, "mx2.dest.test"), (10, "mx1.dest.test")]);
    dns.set_a("mx1.dest.test", &[Ipv4Addr::new(127, 0, 0, 1)]);
    dns.set_a("mx2.dest.test", &[Ipv4Addr::new(127, 0, 0, 2)]);

    let target = Target::Mx {
        domain: "dest.test".into(),
    };
    let report = deliverer_with_dns(&dns, port)
        .deliver(&plan(target, false), &[message(&["bob@dest.test"])])
        .await;

    let RecipientOutcome::Delivered { server: took, .. } = &report.messages[0][0] else {
        panic!("{:?} / {:?}", report.messages, report.addresses)
    };
    assert_eq!(took, &server.addr().to_string());
    let first_addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    assert_eq!(report.addresses[0].host, "mx1.dest.test");
    assert_eq!(
        report.addresses[0].diagnosis,
        Some(Diagnosis::ConnectionRefused { addr: first_addr })
    );
    assert_eq!(report.addresses[1].host, "mx2.dest.test");
    assert_eq!(report.addresses[1].addr, Some(server.addr()));
    assert_eq!(server.wait_for_messages(1, WAIT).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_smart_host_name_that_does_not_resolve_is_4_4_312() {
    let dns = DnsServer::start().await;
    dns.nxdomain("relay.partner.test");
    let target = Target::SmartHosts(vec![SmartHost {
        host: "relay.partner.test".into(),
        port: Some(2525),
    }]);
    let report = deliverer_with_dns(&dns, 25)
        .deliver(&plan(target, true), &[message(&["bob@partner.test"])])
        .await;

    let (diagnosis, server) = only_diagnosis(&report);
    assert_eq!(diagnosis.code().to_string(), "4.4.312");
    assert!(
        matches!(&diagnosis, Diagnosis::DnsQueryFailed { name, .. } if name == "relay.partner.test")
    );
    assert!(server.is_some_and(|server| server.contains("relay.partner.test")));
    assert_eq!(report.addresses[0].stage, Stage::Dns);
    assert_eq!(report.addresses[0].addr, None);
}
