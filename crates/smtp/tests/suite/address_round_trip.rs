//! Every address the server takes is written by the client so that a reader
//! gets the same mailbox back: the server's own reader, and an independent
//! one (Python's `email.headerregistry`). And nothing the server takes can
//! make the written command say more than one path.

use mailflow_core::{DsnRecipient, Mailbox};
use mailflow_smtp::client::{Capabilities, EnvelopeRecipient};
use mailflow_smtp::server::{Command, ForwardPath, parse_command};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use std::io::Write;
use std::process::{Command as Process, Stdio};

/// Characters an address may be tried with: specials, quotes, brackets,
/// controls, spaces and UTF-8 among ordinary ones.
fn local_part() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            6 => proptest::char::range('a', 'z'),
            1 => proptest::sample::select(vec![
                '.', ' ', '"', '\\', '<', '>', '@', '(', ')', ',', ':', ';', '[', ']', '%', '!',
                '+', '=', '\'', '\r', '\n', '\0', '\t', 'é', '中',
            ]),
        ],
        1..12,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

fn domain() -> impl Strategy<Value = String> {
    proptest::sample::select(vec![
        "contoso.test".to_string(),
        "a-b.example".to_string(),
        "[127.0.0.1]".to_string(),
        "bücher.test".to_string(),
        "x>y.test".to_string(),
        "contoso.test\r\nRCPT TO:<v@ext.example".to_string(),
    ])
}

/// The `RCPT TO` lines a client could send for a local part and a domain:
/// as it stands, and quoted.
fn lines(local: &str, domain: &str) -> [String; 2] {
    [
        format!("RCPT TO:<{local}@{domain}>\r\n"),
        format!("RCPT TO:<\"{local}\"@{domain}>\r\n"),
    ]
}

fn accepted(line: &str) -> Option<Mailbox> {
    match parse_command(line.as_bytes()) {
        Ok(Command::Rcpt {
            recipient: ForwardPath::Mailbox(mailbox),
            ..
        }) => Some(mailbox),
        _ => None,
    }
}

fn written(mailbox: &Mailbox) -> String {
    let dsn = DsnRecipient::default();
    let capabilities = Capabilities {
        dsn: true,
        ..Capabilities::default()
    };
    EnvelopeRecipient {
        address: mailbox,
        dsn: &dsn,
    }
    .rcpt_command(&capabilities)
}

proptest! {
    #![proptest_config(Config::with_cases(2000))]

    #[test]
    fn what_the_server_takes_the_client_writes_back_to_the_same_mailbox(
        local in local_part(),
        domain in domain(),
    ) {
        for line in lines(&local, &domain) {
            let Some(mailbox) = accepted(&line) else { continue };
            let command = written(&mailbox);
            prop_assert_eq!(command.matches("\r\n").count(), 1, "{:?}", command);
            prop_assert_eq!(command.matches('<').count(), 1, "{:?}", command);
            prop_assert_eq!(command.matches('>').count(), 1, "{:?}", command);
            prop_assert!(command.ends_with(">\r\n"), "{:?}", command);
            prop_assert_eq!(accepted(&command), Some(mailbox.clone()), "{:?}", command);
            prop_assert_eq!(mailbox.domain(), domain.as_str());
        }
    }
}

/// Python's reader, run once over many addresses: each line is a path as
/// the client wrote it; each answer the local part and domain it read.
#[test]
fn an_independent_reader_gets_the_same_mailbox_back() {
    let mut runner = TestRunner::new(Config::with_cases(1));
    let strategy = proptest::collection::vec((local_part(), domain()), 3000);
    let cases = strategy.new_tree(&mut runner).unwrap().current();
    let mut mailboxes: Vec<Mailbox> = cases
        .iter()
        .flat_map(|(local, domain)| lines(local, domain))
        .filter_map(|line| accepted(&line))
        .filter(|mailbox| mailbox.as_str().is_ascii())
        .collect();
    mailboxes.push(Mailbox::parse("john smith@contoso.test").unwrap());
    assert!(
        mailboxes.len() > 100,
        "too few accepted: {}",
        mailboxes.len()
    );
    let paths: String = mailboxes
        .iter()
        .map(|mailbox| {
            let command = written(mailbox);
            let path = &command["RCPT TO:<".len()..command.len() - ">\r\n".len()];
            format!("{path}\n")
        })
        .collect();
    let read = python_reads(&paths);
    let expected: Vec<String> = mailboxes
        .iter()
        .map(|m| format!("{}\t{}", m.local_part(), m.domain()))
        .collect();
    assert_eq!(read, expected);
}

const READER: &str = r"
import sys
from email.headerregistry import Address
for line in sys.stdin.read().split('\n')[:-1]:
    address = Address(addr_spec=line)
    print(address.username + '\t' + address.domain)
";

fn python_reads(paths: &str) -> Vec<String> {
    let mut child = Process::new("python3")
        .args(["-c", READER])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs (scripts/test.sh installs it)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(paths.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "python3 failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}
