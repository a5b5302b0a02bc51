-- Admin API tokens made through the API or the CLI: each has a name, a
-- scope (`admin` may change things, `read` may only look) and the SHA-256
-- digest of the token, which is shown once when it is made and never kept.
-- Tokens are the node's (or the cluster's), not an organisation's.

CREATE TABLE admin_tokens (
    name         TEXT    NOT NULL PRIMARY KEY,
    scope        TEXT    NOT NULL,
    digest       TEXT    NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    created_by   TEXT    NOT NULL,
    last_used_at INTEGER
);
