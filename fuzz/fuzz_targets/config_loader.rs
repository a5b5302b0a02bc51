//! mailflow's config loader (`Config::parse`) on arbitrary text.
//!
//! Relative paths in the text are taken from an empty directory made for
//! the run, so file checks (`tls_cert_file`, `directory.file`, ...) answer
//! "cannot read" without touching the project's files.
//!
//! Never a panic, and these hold for any input:
//! - the answer is a config or a `ConfigError`;
//! - an error (and each warning) names the file and a line that is in the
//!   text (1 to the number of lines), and its message starts with
//!   `fuzz.toml:LINE: ` and the key when it names one; the one exception is
//!   a bad line of the directory file the text points at, named by that
//!   file and its own line under the key `directory.file`;
//! - a config that loads passed the loader's own checks: at least one SMTP
//!   listener, `max_recipients` of 1 or more, a store path that is not empty.

#![no_main]

use libfuzzer_sys::fuzz_target;
use mailflow::config::{Config, Location, Problem};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

fn base_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("mailflow-fuzz-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a scratch directory");
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let file = Path::new("fuzz.toml");
    let lines = text.bytes().filter(|&b| b == b'\n').count() + 1;
    match Config::parse(text, file, base_dir()) {
        Ok(config) => {
            for warning in &config.warnings {
                check_location(&warning.at, lines, &warning.to_string());
            }
            let receive = &config.node.receive;
            assert!(!receive.listen.is_empty(), "a config with no SMTP listener");
            assert!(
                receive.max_recipients >= 1,
                "a config with max_recipients 0"
            );
            assert!(
                !config.store_path.as_os_str().is_empty(),
                "an empty store path"
            );
        }
        Err(error) => {
            assert!(
                !matches!(error.problem, Problem::Unreadable(_)),
                "parse never reads the config file: {error}"
            );
            check_location(&error.at, lines, &error.to_string());
        }
    }
});

fn check_location(at: &Location, lines: usize, shown: &str) {
    let line = at.line.expect("a problem in the text names its line");
    if at.file != Path::new("fuzz.toml") {
        // Only a bad line of the directory file the text points at is
        // located in that file (by its own line), under `directory.file`.
        let key = at.key.as_ref().map(ToString::to_string);
        assert_eq!(key.as_deref(), Some("directory.file"), "{shown}");
        let text = std::fs::read_to_string(&at.file).expect("a readable directory file");
        assert!((1..=text.lines().count()).contains(&line), "{shown}");
    } else {
        assert!(
            (1..=lines).contains(&line),
            "line {line} of a {lines}-line text: {shown}"
        );
    }
    let file = at.file.display();
    let mut start = format!("{file}:{line}: ");
    if let Some(key) = &at.key {
        start.push_str(&format!("{key}: "));
    }
    assert!(
        shown.starts_with(&start),
        "{shown:?} does not start with {start:?}"
    );
}
