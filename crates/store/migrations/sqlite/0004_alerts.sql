-- Alerts (SPEC 4): per organisation, one open alert per connector and code,
-- the outbox of notifications about them, and the daily notification count
-- that enforces the cap. Times are nanoseconds since the Unix epoch (UTC).

CREATE TABLE alert_settings (
    org      TEXT NOT NULL PRIMARY KEY,
    settings TEXT NOT NULL
);

CREATE TABLE alerts (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    org             TEXT    NOT NULL,
    -- NULL: mail routed by MX, without a connector.
    connector       TEXT,
    code            TEXT    NOT NULL,
    rule            TEXT    NOT NULL,
    opened_at       INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    resolved_at     INTEGER,
    acknowledged_at INTEGER,
    acknowledged_by TEXT,
    notified_at     INTEGER,
    -- What the queue looked like at the latest evaluation (JSON).
    last_values     TEXT    NOT NULL
);

-- At most one open alert per organisation, connector and code.
CREATE UNIQUE INDEX alerts_one_open ON alerts (org, IFNULL(connector, ''), code)
    WHERE resolved_at IS NULL;
CREATE INDEX alerts_by_org ON alerts (org, opened_at);

CREATE TABLE alert_outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    org             TEXT    NOT NULL,
    alert_id        INTEGER NOT NULL REFERENCES alerts (id),
    channel         TEXT    NOT NULL,
    payload         TEXT    NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    -- NULL once delivered or given up.
    next_attempt_at INTEGER,
    delivered_at    INTEGER,
    abandoned_at    INTEGER,
    last_failure    TEXT
);

CREATE INDEX alert_outbox_due ON alert_outbox (next_attempt_at)
    WHERE next_attempt_at IS NOT NULL;

-- Notifications queued per organisation per UTC day (YYYY-MM-DD).
CREATE TABLE alert_daily_counts (
    org   TEXT    NOT NULL,
    day   TEXT    NOT NULL,
    sent  INTEGER NOT NULL,
    PRIMARY KEY (org, day)
);
