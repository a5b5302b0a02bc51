//! For tests of a migration: the schema as an older mailflow left it, made
//! by the migrations numbered below the one under test.

use sqlx::migrate::Migrator;
use std::path::Path;

/// The migrations of `dialect` (`sqlite`, `postgres`) numbered below
/// `version`, copied into `dir`, for a database to be made with them.
pub async fn migrations_before(dialect: &str, version: i64, dir: &Path) -> Migrator {
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(dialect);
    for file in std::fs::read_dir(source).unwrap() {
        let file = file.unwrap();
        let name = file.file_name().into_string().unwrap();
        if name[..4].parse::<i64>().unwrap() < version {
            std::fs::copy(file.path(), dir.join(&name)).unwrap();
        }
    }
    Migrator::new(dir).await.unwrap()
}

/// What mailflow wrote before organisations (SQLite's migration 0020,
/// PostgreSQL's 0006): a token and an audit entry.
pub const BEFORE_ORGANISATIONS: [&str; 2] = [
    "INSERT INTO admin_tokens (name, scope, digest, created_at, created_by) \
     VALUES ('ci', 'admin', 'sha256:aa', 1, 'cli')",
    "INSERT INTO audit_log (at, actor, action, target, before_json, after_json) \
     VALUES (1, 'ops', 'suspend', 'onprem', 'null', 'null')",
];

/// After it, a token of (`$1` organisation, `$2` name, `$3` digest).
pub const INSERT_TOKEN: &str = "INSERT INTO admin_tokens \
     (org, name, scope, digest, created_at, created_by) VALUES ($1, $2, 'read', $3, 2, 'cli')";

/// Tokens inserted after it, each with whether it goes in: (org, name) is
/// the key, and a digest is still taken once in all.
pub const TOKENS_AFTER: [(&str, &str, &str, bool); 3] = [
    ("acme", "ci", "sha256:bb", true),
    ("", "ci", "sha256:cc", false),
    ("acme", "other", "sha256:aa", false),
];
