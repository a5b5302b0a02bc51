//! The data directory holds every queued message, the users' password
//! hashes, the admin token and the TLS key: whatever the umask the node
//! runs under, what it creates there is its own (`0700` directories,
//! `0600` files), and a looser directory it finds at start-up is warned
//! about with the command that fixes it.

use crate::common::{Serve, submit, write_config};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// `mailflow serve --config CONFIG` run by `sh` under `umask 000`, its logs
/// written to `log`.
fn serve_under_umask_000(config: &Path, log: &Path) -> Serve {
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(r#"umask 000 && exec "$0" serve --config "$1""#)
        .arg(env!("CARGO_BIN_EXE_mailflow"))
        .arg(config)
        .stderr(Stdio::from(std::fs::File::create(log).unwrap()));
    Serve::spawn(&mut command, config)
}

/// Every entry under `dir` (and `dir`), with its mode.
fn modes_under(dir: &Path) -> Vec<(PathBuf, u32)> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(path) = pending.pop() {
        let metadata = std::fs::symlink_metadata(&path).unwrap();
        if metadata.is_dir() {
            for entry in std::fs::read_dir(&path).unwrap() {
                pending.push(entry.unwrap().path());
            }
        }
        found.push((path, metadata.permissions().mode() & 0o7777));
    }
    found.sort();
    found
}

#[test]
fn under_umask_000_every_entry_of_a_fresh_data_dir_is_the_nodes_own() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "");
    let serve = serve_under_umask_000(&config, &dir.path().join("serve.log"));
    submit(
        serve.smtp,
        "a@fabrikam.test",
        "bob@contoso.test",
        "Subject: private\r\n\r\nqueued, not readable by others\r\n",
    );

    let modes = modes_under(&serve.data_dir);
    let names: Vec<String> = modes
        .iter()
        .map(|(path, _)| {
            let relative = path.strip_prefix(&serve.data_dir).unwrap();
            relative.display().to_string()
        })
        .collect();
    for expected in [
        "",
        "mailflow.db",
        "mailflow.db-wal",
        "mailflow.db-shm",
        "spool",
        "org-seed",
        "admin-token",
        "tls-cert.pem",
        "tls-key.pem",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "no {expected:?} in {names:?}"
        );
    }
    assert!(
        names.iter().any(|n| n.starts_with("spool/")),
        "the message's body is in a spool segment: {names:?}"
    );
    for (path, mode) in &modes {
        let want = if path.is_dir() { 0o700 } else { 0o600 };
        assert_eq!(*mode, want, "{} is {mode:04o}", path.display());
    }
    serve.terminate();
}

#[test]
fn a_loose_existing_data_dir_is_warned_about_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "");
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    let log = dir.path().join("serve.log");
    let mut command = Command::new(env!("CARGO_BIN_EXE_mailflow"));
    command
        .args(["serve", "--config"])
        .arg(&config)
        .stderr(Stdio::from(std::fs::File::create(&log).unwrap()));
    let serve = Serve::spawn(&mut command, &config);
    assert!(serve.terminate().success());

    let logged = std::fs::read_to_string(&log).unwrap();
    let warning = logged
        .lines()
        .find(|line| {
            line.contains("WARN") && line.contains(&format!("{} has mode 0755", data.display()))
        })
        .unwrap_or_else(|| panic!("no warning about {} in:\n{logged}", data.display()));
    assert!(
        warning.contains(&format!("chmod -R go-rwx {}", data.display())),
        "{warning}"
    );
    let mode = std::fs::metadata(&data).unwrap().permissions().mode() & 0o777;
    assert_eq!(
        mode, 0o755,
        "the operator's mode is left for the operator to fix"
    );
}
