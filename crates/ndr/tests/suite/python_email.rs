//! A second, independent reader: Python's `email` package, as common bounce
//! handlers use it. Skipped (with a note) where `python3` is not installed.

use crate::support::*;
use mailflow_core::Ret;
use mailflow_ndr::{ReportKind, build_report_with_id};
use std::io::Write;
use std::process::{Command, Stdio};

const READER: &str = r#"
import email, sys
msg = email.message_from_bytes(sys.stdin.buffer.read())
print("type", msg.get_content_type(), msg.get_param("report-type"))
parts = msg.get_payload()
print("parts", " ".join(part.get_content_type() for part in parts))
for block in parts[1].get_payload()[1:]:
    print("recipient", block["Final-Recipient"], "|", block["Action"], "|", block["Status"])
returned = parts[2]
if returned.get_content_type() == "message/rfc822":
    print("returned subject", returned.get_payload()[0]["Subject"])
"#;

/// Decodes the subject and the text part as a mail client would.
const TEXT_READER: &str = r#"
import email, email.policy, sys
msg = email.message_from_bytes(sys.stdin.buffer.read(), policy=email.policy.default)
text = msg.get_payload()[0]
sys.stdout.buffer.write(("subject " + str(msg["Subject"]) + "\n").encode("utf-8"))
sys.stdout.buffer.write(("charset " + text.get_content_charset() + "\n").encode("utf-8"))
sys.stdout.buffer.write((" ".join(text.get_content().split()) + "\n").encode("utf-8"))
"#;

/// Runs the reader over `report`; `None` when there is no `python3`.
fn read_with_python(report: &[u8]) -> Option<String> {
    run_python(READER, report)
}

fn run_python(script: &str, report: &[u8]) -> Option<String> {
    let mut child = Command::new("python3")
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    child.stdin.take().unwrap().write_all(report).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(String::from_utf8(output.stdout).unwrap())
}

#[test]
fn pythons_email_package_reads_recipient_action_and_status() {
    let mut input = input(
        ReportKind::Failure,
        vec![
            refused_through_connector(),
            rejected_remotely(),
            expired_after(temporarily_rejected(), None),
        ],
    );
    input.ret = Some(Ret::Full);
    let report = build_report_with_id(&input, fixed_id(9));
    let Some(output) = read_with_python(&report.bytes) else {
        eprintln!("python3 is not installed; the Python reader check is skipped");
        return;
    };
    let lines: Vec<&str> = output.lines().collect();
    assert_eq!(
        lines,
        [
            "type multipart/report delivery-status",
            "parts text/plain message/delivery-status message/rfc822",
            "recipient rfc822; carol@contoso.test | failed | 4.4.316",
            "recipient rfc822; bob@fabrikam.test | failed | 5.1.1",
            "recipient rfc822; dave@northwind.test | failed | 4.4.7",
            "returned subject Quarterly figures",
        ]
    );
}

#[test]
fn pythons_email_package_decodes_the_subject_and_text_in_every_language() {
    let cases = [
        (
            "fr",
            "Non distribué : Quarterly figures",
            "Votre message n'a pas pu être remis",
        ),
        (
            "ru",
            "Не доставлено: Quarterly figures",
            "Ваше сообщение не удалось доставить",
        ),
        (
            "pt-BR",
            "Não entregue: Quarterly figures",
            "Não foi possível entregar sua mensagem",
        ),
        (
            "zh-TW",
            "無法傳遞：Quarterly figures",
            "您的郵件無法傳遞給下列收件者",
        ),
    ];
    for (tag, subject, opening) in cases {
        let mut input = input(ReportKind::Failure, vec![refused_through_connector()]);
        let mut original = format!("Content-Language: {tag}\r\n").into_bytes();
        original.extend_from_slice(ORIGINAL);
        input.original = original;
        let report = build_report_with_id(&input, fixed_id(9));
        let Some(output) = run_python(TEXT_READER, &report.bytes) else {
            eprintln!("python3 is not installed; the Python reader check is skipped");
            return;
        };
        let lines: Vec<&str> = output.lines().collect();
        assert_eq!(lines[0], format!("subject {subject}"), "{tag}");
        assert_eq!(lines[1], "charset utf-8", "{tag}");
        assert!(lines[2].starts_with(opening), "{tag}: {}", lines[2]);
    }
}
