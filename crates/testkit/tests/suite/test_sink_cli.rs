//! `mailflow-test-sink` as the built binary: `--help` answers and exits
//! without listening; a wrong argument is refused with the usage.

use std::process::Command;

fn sink(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_mailflow-test-sink"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn help_prints_the_usage_and_exits() {
    for flag in ["--help", "-h"] {
        let output = sink(&[flag]);
        assert!(output.status.success(), "{flag}");
        let text = String::from_utf8(output.stdout).unwrap();
        assert!(text.starts_with("mailflow-test-sink [ADDR]"), "{text}");
        assert!(text.contains("127.0.0.1:2526"), "{text}");
    }
}

#[test]
fn a_wrong_address_is_refused_with_the_usage() {
    let output = sink(&["not-an-address"]);
    assert_eq!(output.status.code(), Some(2));
    let text = String::from_utf8(output.stderr).unwrap();
    assert!(text.contains("the address must be ip:port"), "{text}");
    assert!(text.contains("-h, --help"), "{text}");
}
