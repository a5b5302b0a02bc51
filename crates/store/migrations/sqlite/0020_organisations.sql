-- Many organisations. Admin tokens belong to one organisation, or ('') to
-- all of them, and two organisations may each have a token of the same
-- name: the key becomes (org, name). SQLite cannot change a primary key in
-- place, so the table is made anew (its rows set aside in a temporary
-- table, so that the file never holds both) and the tokens copied back,
-- each a token for all organisations as before.
--
-- Audit entries name the organisation acted on (NULL: the cluster as a
-- whole). Those written before were all of the one organisation there was.

CREATE TEMP TABLE admin_tokens_before AS SELECT * FROM admin_tokens;
DROP TABLE admin_tokens;
CREATE TABLE admin_tokens (
    org          TEXT    NOT NULL DEFAULT '',
    name         TEXT    NOT NULL,
    scope        TEXT    NOT NULL,
    digest       TEXT    NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    created_by   TEXT    NOT NULL,
    last_used_at INTEGER,
    PRIMARY KEY (org, name)
) WITHOUT ROWID;
INSERT INTO admin_tokens (org, name, scope, digest, created_at, created_by, last_used_at)
SELECT '', name, scope, digest, created_at, created_by, last_used_at FROM admin_tokens_before;
DROP TABLE admin_tokens_before;

ALTER TABLE audit_log ADD COLUMN org TEXT;
UPDATE audit_log SET org = 'default';
-- One organisation's entries, newest first.
CREATE INDEX audit_log_by_org ON audit_log (org, id);
