//! The demo's data directory: a fresh temporary directory, removed when the
//! demo stops unless `--keep` is given, or the directory `--data-dir` names,
//! which is always kept.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

pub struct DemoDir {
    path: PathBuf,
    /// Set while the directory is to be removed at the end.
    temporary: Option<tempfile::TempDir>,
}

/// What became of the directory when the demo stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Left {
    Removed(PathBuf),
    Kept(PathBuf),
}

impl DemoDir {
    /// `chosen`, created (mode 0700) if missing, or a new temporary
    /// directory that `keep` keeps, private (0700) as a data directory must
    /// be.
    pub fn new(chosen: Option<&Path>, keep: bool) -> std::io::Result<DemoDir> {
        if let Some(path) = chosen {
            mailflow_store::private_files::create_dir_all(path)?;
            return Ok(DemoDir {
                path: path.to_path_buf(),
                temporary: None,
            });
        }
        let temporary = tempfile::Builder::new()
            .prefix("mailflow-demo-")
            .permissions(std::fs::Permissions::from_mode(0o700))
            .tempdir()?;
        let path = temporary.path().to_path_buf();
        let temporary = if keep {
            let _kept = temporary.keep();
            None
        } else {
            Some(temporary)
        };
        Ok(DemoDir { path, temporary })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the directory stays after the demo.
    pub fn kept(&self) -> bool {
        self.temporary.is_none()
    }

    /// Removes the directory, unless it is kept.
    pub fn finish(self) -> std::io::Result<Left> {
        match self.temporary {
            Some(temporary) => {
                temporary.close()?;
                Ok(Left::Removed(self.path))
            }
            None => Ok(Left::Kept(self.path)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_temporary_directory_goes_unless_kept_and_a_chosen_one_stays() {
        let removed = DemoDir::new(None, false).unwrap();
        let path = removed.path().to_path_buf();
        assert!(path.is_dir());
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        assert_eq!(removed.finish().unwrap(), Left::Removed(path.clone()));
        assert!(!path.exists());

        let kept = DemoDir::new(None, true).unwrap();
        let path = kept.path().to_path_buf();
        assert_eq!(kept.finish().unwrap(), Left::Kept(path.clone()));
        assert!(path.is_dir());
        std::fs::remove_dir(&path).unwrap();

        let parent = tempfile::tempdir().unwrap();
        let chosen = parent.path().join("demo-data");
        let dir = DemoDir::new(Some(&chosen), false).unwrap();
        assert!(dir.kept());
        assert_eq!(dir.finish().unwrap(), Left::Kept(chosen.clone()));
        assert!(chosen.is_dir());
    }
}
