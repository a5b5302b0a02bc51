//! The node's data directory: created `0700` (see
//! `mailflow_store::private_files`), and checked at start-up for entries
//! other local users can read or change — a directory made by an older
//! mailflow, by hand, or by a package with the usual umask. The node warns
//! about each, with the command that fixes it; it does not change modes it
//! did not set itself, since an administrator may have opened the directory
//! to a backup group on purpose.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// The mode bits that let anyone but the owner in.
const GROUP_AND_OTHER: u32 = 0o077;
/// How deep the check goes: the data directory, its files and `spool/`'s.
const DEPTH: usize = 2;
/// How many loose entries are named one by one; the rest are counted.
const NAMED: usize = 10;

/// An entry of the data directory that others can read or change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LooseEntry {
    pub path: PathBuf,
    pub mode: u32,
}

/// Creates the data directory (`0700`) if it is missing, then warns about
/// every entry in it with looser modes.
pub fn prepare(data_dir: &Path) -> std::io::Result<()> {
    mailflow_store::private_files::create_dir_all(data_dir)?;
    let loose = loose_entries(data_dir)?;
    for warning in warnings(data_dir, &loose) {
        tracing::warn!("{warning}");
    }
    Ok(())
}

/// The data directory and what is in it (symbolic links aside, whose own
/// mode means nothing) with group or other permission bits set.
pub fn loose_entries(data_dir: &Path) -> std::io::Result<Vec<LooseEntry>> {
    let mut loose = Vec::new();
    visit(data_dir, DEPTH, &mut loose)?;
    Ok(loose)
}

fn visit(path: &Path, depth: usize, loose: &mut Vec<LooseEntry>) -> std::io::Result<()> {
    let metadata = std::fs::symlink_metadata(path)?;
    if metadata.file_type().is_symlink() {
        return Ok(());
    }
    let mode = metadata.permissions().mode() & 0o777;
    if mode & GROUP_AND_OTHER != 0 {
        loose.push(LooseEntry {
            path: path.to_path_buf(),
            mode,
        });
    }
    if metadata.is_dir() && depth > 0 {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)?
            .map(|entry| entry.map(|e| e.path()))
            .collect::<Result<_, _>>()?;
        entries.sort();
        for entry in entries {
            visit(&entry, depth - 1, loose)?;
        }
    }
    Ok(())
}

/// One line per loose entry (the first few), naming its path, its mode and
/// the command that makes the whole directory private.
pub fn warnings(data_dir: &Path, loose: &[LooseEntry]) -> Vec<String> {
    let fix = format!("chmod -R go-rwx {}", data_dir.display());
    let mut lines: Vec<String> = loose
        .iter()
        .take(NAMED)
        .map(|entry| {
            let kind = if entry.path.is_dir() {
                "directory"
            } else {
                "file"
            };
            format!(
                "the data {kind} {} has mode {:04o}: other local users can read it \
                 (queued messages, password hashes, the admin token); \
                 make it private with `{fix}`",
                entry.path.display(),
                entry.mode,
            )
        })
        .collect();
    if loose.len() > NAMED {
        lines.push(format!(
            "{} more entries of the data directory {} are open to other local users; \
             make them private with `{fix}`",
            loose.len() - NAMED,
            data_dir.display(),
        ));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs::Permissions;

    fn chmod(path: &Path, mode: u32) {
        std::fs::set_permissions(path, Permissions::from_mode(mode)).unwrap();
    }

    #[test]
    fn a_fresh_data_dir_is_private_and_not_warned_about() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        prepare(&data).unwrap();
        let mode = std::fs::metadata(&data).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
        assert_eq!(loose_entries(&data).unwrap(), vec![]);
    }

    #[test]
    fn loose_entries_are_named_with_their_mode_down_to_the_spool() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir_all(data.join("spool")).unwrap();
        std::fs::write(data.join("mailflow.db"), "").unwrap();
        std::fs::write(data.join("admin-token"), "").unwrap();
        std::fs::write(data.join("spool").join("00000001.seg"), "").unwrap();
        chmod(&data, 0o755);
        chmod(&data.join("spool"), 0o700);
        chmod(&data.join("mailflow.db"), 0o644);
        chmod(&data.join("admin-token"), 0o600);
        chmod(&data.join("spool").join("00000001.seg"), 0o640);
        let loose = loose_entries(&data).unwrap();
        let named: Vec<(PathBuf, u32)> = loose.iter().map(|e| (e.path.clone(), e.mode)).collect();
        assert_eq!(
            named,
            vec![
                (data.clone(), 0o755),
                (data.join("mailflow.db"), 0o644),
                (data.join("spool").join("00000001.seg"), 0o640),
            ]
        );
        let lines = warnings(&data, &loose);
        assert_eq!(lines.len(), 3);
        let fix = format!("chmod -R go-rwx {}", data.display());
        assert!(lines[0].contains(&format!("{} has mode 0755", data.display())));
        assert!(lines.iter().all(|line| line.contains(&fix)), "{lines:?}");
    }

    #[test]
    fn past_ten_loose_entries_the_rest_are_counted() {
        let dir = tempfile::tempdir().unwrap();
        for n in 0..12 {
            let path = dir.path().join(format!("f{n:02}"));
            std::fs::write(&path, "").unwrap();
            chmod(&path, 0o644);
        }
        chmod(dir.path(), 0o700);
        let lines = warnings(dir.path(), &loose_entries(dir.path()).unwrap());
        assert_eq!(lines.len(), NAMED + 1);
        assert!(
            lines[NAMED].starts_with("2 more entries"),
            "{}",
            lines[NAMED]
        );
    }
}
