//! Admin API tokens as the built binary handles them: `mailflow token hash`
//! turns a token into the line `admin.token_hashes` takes, a node given only
//! that hash lets the token in and refuses others, and neither `serve` nor
//! `check-config` ever prints a token.

use crate::common::{Serve, write_config};
use std::path::Path;
use std::process::{Command, Output};

/// Runs `mailflow token hash` with `input` on stdin.
fn token_hash(input: &str) -> Output {
    crate::common::cli_with_stdin(&["token", "hash"], &[], input)
}

/// Adds `lines` to the `[admin]` table of a config from [`write_config`].
fn add_to_admin(config: &Path, lines: &str) {
    let text = std::fs::read_to_string(config).unwrap();
    let admin = "[admin]\nlisten = \"127.0.0.1:0\"\n";
    assert!(text.contains(admin));
    let text = text.replace(admin, &format!("{admin}{lines}\n"));
    std::fs::write(config, text).unwrap();
}

#[test]
fn token_hash_reads_the_token_from_stdin_and_prints_its_sha256_line() {
    let output = token_hash("abc\n");
    assert!(output.status.success(), "{output:?}");
    // SHA-256 of "abc" (FIPS 180-2, appendix B.1).
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n"
    );
    let empty = token_hash("");
    assert_eq!(empty.status.code(), Some(1));
    assert_eq!(
        String::from_utf8(empty.stderr).unwrap(),
        "error: no token on standard input\n"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_node_given_only_a_token_hash_lets_that_token_in_and_never_prints_it() {
    let token = "lab-token-5b1e0c7d9a2f4e8b";
    let hashed = token_hash(&format!("{token}\n"));
    let hash = String::from_utf8(hashed.stdout).unwrap().trim().to_string();
    assert!(hash.starts_with("sha256:"), "{hash}");

    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "");
    add_to_admin(&config, &format!("token_hashes = [\"{hash}\"]"));
    let node = Serve::start(&config);
    assert_eq!(
        node.line("admin token:"),
        "  admin token:    1 from the config file, kept as SHA-256 digests"
    );
    let summary = node.summary.join("\n");
    assert!(
        !summary.contains(token) && !summary.contains(&hash),
        "{summary}"
    );
    assert!(!node.data_dir.join("admin-token").exists());

    let allowed = node.cli(&["queue", "list", "--json", "--token", token]);
    assert!(
        allowed.status.success(),
        "{}",
        String::from_utf8_lossy(&allowed.stderr)
    );
    let page: serde_json::Value = serde_json::from_slice(&allowed.stdout).unwrap();
    assert_eq!(
        page,
        serde_json::json!({"messages": [], "next_cursor": null})
    );
    for wrong in ["lab-token-5b1e0c7d9a2f4e8", hash.as_str()] {
        let refused = node.cli(&["queue", "list", "--token", wrong]);
        assert_eq!(refused.status.code(), Some(1), "token {wrong:?}");
        let stderr = String::from_utf8(refused.stderr).unwrap();
        assert!(stderr.contains("(401)"), "{stderr}");
    }
    assert!(node.terminate().success());
}

#[test]
fn check_config_says_how_many_tokens_but_prints_none() {
    let token = "lab-token-c4d2a91e07f35b68";
    let hash = "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "");
    add_to_admin(
        &config,
        &format!("tokens = [\"{token}\", \"change-me\"]\ntoken_hashes = [\"{hash}\"]"),
    );
    let output = Command::new(env!("CARGO_BIN_EXE_mailflow"))
        .arg("check-config")
        .arg(&config)
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(output.status.success(), "{stderr}");
    assert!(
        stdout.contains(
            "admin API         http://127.0.0.1:0/api/v1, 1 token hash(es) and 2 plain token(s) from the config, hashed at load"
        ),
        "{stdout}"
    );
    assert!(
        stderr.contains("admin.tokens[1]: is a placeholder"),
        "{stderr}"
    );
    for shown in [&stdout, &stderr] {
        assert!(!shown.contains(token), "{shown}");
        assert!(!shown.contains(&hash["sha256:".len()..]), "{shown}");
    }
}
