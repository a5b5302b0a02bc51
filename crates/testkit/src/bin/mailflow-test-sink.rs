//! `mailflow-test-sink [ADDR]`: a local SMTP server that takes every
//! message and prints its envelope and headers, for trying mailflow out by
//! hand (the example config relays to it on 127.0.0.1:2526).

use mailflow_testkit::smtp_server::{SmtpBehavior, SmtpServer};
use std::net::SocketAddr;
use std::time::Duration;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let addr: SocketAddr = match std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:2526".into())
        .parse()
    {
        Ok(addr) => addr,
        Err(error) => {
            eprintln!("mailflow-test-sink: the address must be ip:port ({error})");
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
