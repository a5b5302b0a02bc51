//! `mailflow-test-sink [ADDR]`: a local SMTP server that takes every
//! message and prints its envelope and headers, for trying mailflow out by
//! hand (the example config relays to it on 127.0.0.1:2526).

use mailflow_testkit::smtp_server::{SmtpBehavior, SmtpServer};
use std::net::SocketAddr;
use std::time::Duration;

const USAGE: &str = "\
mailflow-test-sink [ADDR]

A local SMTP server for trying mailflow out by hand: it takes every message
and prints its envelope and headers. It keeps nothing and relays nothing.

Arguments:
  ADDR        ip:port to listen on (default 127.0.0.1:2526, where the
              example config's connector relays)

Options:
  -h, --help  print this and exit";

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args = std::env::args().skip(1);
    let first = args.next();
    if matches!(first.as_deref(), Some("-h" | "--help")) {
        println!("{USAGE}");
        return;
    }
    if let Some(extra) = args.next() {
        eprintln!("mailflow-test-sink: unexpected argument {extra:?}\n\n{USAGE}");
        std::process::exit(2);
    }
    let addr: SocketAddr = match first.as_deref().unwrap_or("127.0.0.1:2526").parse() {
        Ok(addr) => addr,
        Err(error) => {
            eprintln!("mailflow-test-sink: the address must be ip:port ({error})\n\n{USAGE}");
            std::process::exit(2);
        }
    };
    let sink = SmtpServer::start_on(addr, SmtpBehavior::new().hostname("sink.test")).await;
    println!(
        "mailflow-test-sink: accepting every message on {}; Ctrl-C stops it",
        sink.addr()
    );
    let mut shown = 0;
    loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => return,
            waited = sink.wait_for_messages(shown + 1, Duration::from_secs(3600)) => {
                let Ok(messages) = waited else { continue };
                for message in &messages[shown..] {
                    let headers = message.data_text();
                    let headers = headers.split("\r\n\r\n").next().unwrap_or_default();
                    println!("--- from <{}> to {:?}", message.mail_from, message.accepted_recipients());
                    println!("{}", headers.replace("\r\n", "\n"));
                }
                shown = messages.len();
            }
        }
    }
}
