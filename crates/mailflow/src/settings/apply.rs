//! `mailflow apply -f FILE [--yes] [--dry-run]`: makes a running node's
//! organisation settings match a file in the config's format. The file is
//! checked as the config is; the difference with the node's settings is
//! shown (added, changed field by field, removed); then, once confirmed,
//! the whole settings are sent as one `PUT /api/v1/org`, checked again by
//! the node, put in force at once and audited as one `org-apply` entry.

use super::SettingsError;
use super::cli::ApplyArgs;
use super::directory::read_text;
use crate::config::Config;
use crate::queue::cli_actor as actor;
use mailflow_admin::OrgView;
use mailflow_core::{OrgDiff, OrgSettings};
use reqwest::Method;
use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

/// Shows the difference and applies it; returns what to print last.
pub async fn run(args: &ApplyArgs) -> Result<String, SettingsError> {
    let wanted = read_file(&args.file)?;
    let client = crate::node_access::settings_client(&args.api).await?;
    let view: OrgView = client.get_json("/api/v1/org", &[]).await?;
    let current = view
        .each_to_settings()
        .map_err(|error| SettingsError::Refused(format!("the node's settings: {error}")))?;
    let diff = OrgDiff::between(&current, &wanted);
    let shown = args.file.display();
    if diff.is_empty() {
        return Ok(format!(
            "No difference: the node's settings match {shown}. Nothing to apply."
        ));
    }
    println!("{diff}\n\n{}", summary(&diff, false));
    if args.dry_run {
        return Ok("Dry run: nothing changed.".into());
    }
    if !args.yes {
        confirm()?;
    }
    let body = OrgView::from(&wanted);
    let _: OrgView = client
        .send_json(Method::PUT, "/api/v1/org", &actor(), Some(&body))
        .await?;
    Ok(format!(
        "Applied {shown}: {} In force now; recorded in the audit log as org-apply.",
        summary(&diff, true)
    ))
}

/// The file's organisation settings, checked as the config's are; its
/// warnings go to stderr.
fn read_file(file: &Path) -> Result<OrgSettings, SettingsError> {
    let text = read_text(file)?;
    let (label, base_dir) = if file.as_os_str() == "-" {
        (
            Path::new("<stdin>").to_path_buf(),
            std::path::PathBuf::from("."),
        )
    } else {
        let base = file.parent().map(Path::to_path_buf).unwrap_or_default();
        (file.to_path_buf(), base)
    };
    let (org, warnings) = Config::parse_org(&text, &label, &base_dir)?;
    for warning in warnings {
        eprintln!("warning: {warning}");
    }
    Ok(org)
}

fn summary(diff: &OrgDiff, done: bool) -> String {
    let (added, changed, removed) = diff.counts();
    if done {
        format!("{added} added, {changed} changed, {removed} removed.")
    } else {
        format!("{added} to add, {changed} to change, {removed} to remove.")
    }
}

/// Asks on the terminal; without one, refuses (a script says `--yes`).
fn confirm() -> Result<(), SettingsError> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(SettingsError::Refused(
            "not applied: stdin is not a terminal to ask on; pass --yes to apply without asking, or --dry-run to only look".into(),
        ));
    }
    print!("Apply these changes? [y/N] ");
    let _ = std::io::stdout().flush();
    let mut answer = String::new();
    stdin
        .lock()
        .read_line(&mut answer)
        .map_err(|source| SettingsError::Read {
            path: "stdin".into(),
            source,
        })?;
    match answer.trim().to_ascii_lowercase().as_str() {
        "y" | "yes" => Ok(()),
        _ => Err(SettingsError::Refused(
            "not applied: nothing changed.".into(),
        )),
    }
}
