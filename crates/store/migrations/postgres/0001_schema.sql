-- mailflow's schema on PostgreSQL, shared by every node of a cluster.
--
-- The tables and column encodings are those of the embedded store (times
-- are nanoseconds since the epoch, message ids the UUID's 16 bytes, states
-- their snake_case names, structured values JSON text), so that one reading
-- of a value serves both back ends. There are no triggers: what the
-- embedded store keeps by trigger (counts of waiting recipients, reports
-- owed to senders) the store's code writes in the transaction that changes
-- the recipients.

CREATE TABLE messages (
    id                BYTEA   NOT NULL PRIMARY KEY,
    org               TEXT    NOT NULL,
    sender            TEXT    NOT NULL,
    received_at       BIGINT  NOT NULL,
    expires_at        BIGINT  NOT NULL,
    dsn_ret           TEXT,
    dsn_envid         TEXT,
    size              BIGINT  NOT NULL,
    message_id_header TEXT,
    delay_notice_sent BOOLEAN NOT NULL DEFAULT FALSE,
    -- True while some recipient is queued, in flight, deferred or suspended.
    pending           BOOLEAN NOT NULL DEFAULT TRUE
);
CREATE INDEX messages_received ON messages (received_at);
CREATE INDEX messages_sender ON messages (LOWER(sender), received_at);
CREATE INDEX messages_pending_expiry ON messages (expires_at) WHERE pending;
CREATE INDEX messages_delay_notice ON messages (received_at)
    WHERE pending AND NOT delay_notice_sent;
CREATE INDEX messages_message_id_header ON messages (message_id_header)
    WHERE message_id_header IS NOT NULL;

-- Bodies in pieces, so that no single value is large and a node streams a
-- body to its next hop piece by piece.
CREATE TABLE bodies (
    message_id BYTEA   NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    piece      BIGINT NOT NULL,
    bytes      BYTEA   NOT NULL,
    PRIMARY KEY (message_id, piece)
);

CREATE TABLE recipients (
    message_id      BYTEA   NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    idx             BIGINT NOT NULL,
    org             TEXT    NOT NULL,
    received_at     BIGINT  NOT NULL,
    address         TEXT    NOT NULL,
    dsn_notify      TEXT,
    dsn_orcpt       TEXT,
    route_connector TEXT,
    route_domain    TEXT    NOT NULL,
    next_hop        TEXT    NOT NULL,
    state           TEXT    NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT,
    last_error      TEXT,
    -- The enhanced code of last_error (e.g. 4.4.316), for filtering.
    last_error_code TEXT,
    delivered_reply TEXT,
    -- The node that holds the recipient in flight, and until when.
    lease_node      TEXT,
    lease_until     BIGINT,
    updated_at      BIGINT  NOT NULL,
    PRIMARY KEY (message_id, idx)
);
CREATE INDEX recipients_hop_due ON recipients (next_hop, next_attempt_at, message_id, idx)
    WHERE state IN ('queued', 'deferred');
CREATE INDEX recipients_in_flight ON recipients (lease_until, lease_node)
    WHERE state = 'in_flight';
CREATE INDEX recipients_pending_by_state
    ON recipients (org, route_connector, state, message_id, idx)
    WHERE state IN ('queued', 'in_flight', 'deferred', 'suspended');
CREATE INDEX recipients_pending_connector
    ON recipients (org, route_connector, last_error_code, received_at)
    WHERE state IN ('queued', 'in_flight', 'deferred', 'suspended');
CREATE INDEX recipients_pending_last_error
    ON recipients (org, route_connector, updated_at)
    WHERE state IN ('queued', 'in_flight', 'deferred', 'suspended') AND last_error IS NOT NULL;
CREATE INDEX recipients_waiting_address
    ON recipients (org, route_connector, route_domain, LOWER(address))
    WHERE state IN ('queued', 'deferred', 'suspended');
CREATE INDEX recipients_address ON recipients (LOWER(address), received_at, message_id);
CREATE INDEX recipients_code ON recipients (last_error_code, received_at, message_id)
    WHERE last_error_code IS NOT NULL;

-- Waiting recipients per organisation, connector ('' for MX routing) and
-- last error code (''), and suspended ones per connector: kept by the
-- store's code so that counting a queue of millions reads a few rows.
CREATE TABLE pending_counts (
    org        TEXT   NOT NULL,
    connector  TEXT   NOT NULL,
    code       TEXT   NOT NULL,
    recipients BIGINT NOT NULL,
    PRIMARY KEY (org, connector, code)
);
CREATE TABLE suspended_counts (
    org        TEXT   NOT NULL,
    connector  TEXT   NOT NULL,
    recipients BIGINT NOT NULL,
    PRIMARY KEY (org, connector)
);

-- Recipients that failed for good and whose report to the sender is not
-- queued yet.
CREATE TABLE reports_owed (
    message_id BYTEA   NOT NULL,
    idx        BIGINT NOT NULL,
    failed_at  BIGINT  NOT NULL,
    PRIMARY KEY (message_id, idx)
);
CREATE INDEX reports_owed_failed_at ON reports_owed (failed_at);

CREATE TABLE next_hop_holds (
    next_hop  TEXT    NOT NULL PRIMARY KEY,
    until_at  BIGINT  NOT NULL,
    failures  BIGINT NOT NULL,
    diagnosis TEXT    NOT NULL
);

CREATE TABLE events (
    seq        BIGSERIAL PRIMARY KEY,
    message_id BYTEA     NOT NULL,
    at         BIGINT    NOT NULL,
    org        TEXT,
    connector  TEXT,
    kind       TEXT      NOT NULL,
    code       TEXT,
    recipient  TEXT,
    event      TEXT      NOT NULL
);
CREATE INDEX events_at ON events (at);
CREATE INDEX events_message ON events (message_id, at, seq);
CREATE INDEX events_connector ON events (org, connector, kind, at, code);

CREATE TABLE history (
    org       TEXT   NOT NULL,
    connector TEXT   NOT NULL,
    minute    BIGINT NOT NULL,
    queued    BIGINT NOT NULL,
    failures  TEXT   NOT NULL,
    PRIMARY KEY (org, connector, minute)
);
CREATE INDEX history_minute ON history (minute);

CREATE TABLE org_settings (
    org      TEXT NOT NULL PRIMARY KEY,
    settings TEXT NOT NULL
);

CREATE TABLE audit_log (
    id          BIGSERIAL PRIMARY KEY,
    at          BIGINT NOT NULL,
    actor       TEXT   NOT NULL,
    action      TEXT   NOT NULL,
    target      TEXT   NOT NULL,
    before_json TEXT   NOT NULL,
    after_json  TEXT   NOT NULL,
    undone_at   BIGINT
);

CREATE TABLE alert_settings (
    org      TEXT NOT NULL PRIMARY KEY,
    settings TEXT NOT NULL
);
CREATE TABLE alerts (
    id              BIGSERIAL PRIMARY KEY,
    org             TEXT   NOT NULL,
    -- NULL: mail routed by MX, without a connector.
    connector       TEXT,
    code            TEXT   NOT NULL,
    rule            TEXT   NOT NULL,
    opened_at       BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    resolved_at     BIGINT,
    acknowledged_at BIGINT,
    acknowledged_by TEXT,
    notified_at     BIGINT,
    -- What the queue looked like at the latest evaluation (JSON).
    last_values     TEXT   NOT NULL
);
CREATE INDEX alerts_by_org ON alerts (org, opened_at);
CREATE UNIQUE INDEX alerts_one_open ON alerts (org, COALESCE(connector, ''), code)
    WHERE resolved_at IS NULL;
CREATE TABLE alert_outbox (
    id              BIGSERIAL PRIMARY KEY,
    org             TEXT    NOT NULL,
    alert_id        BIGINT  NOT NULL REFERENCES alerts (id),
    channel         TEXT    NOT NULL,
    payload         TEXT    NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    created_at      BIGINT  NOT NULL,
    -- NULL once delivered or given up.
    next_attempt_at BIGINT,
    delivered_at    BIGINT,
    abandoned_at    BIGINT,
    last_failure    TEXT
);
CREATE INDEX alert_outbox_due ON alert_outbox (next_attempt_at)
    WHERE next_attempt_at IS NOT NULL;
CREATE TABLE alert_daily_counts (
    org  TEXT    NOT NULL,
    day  TEXT    NOT NULL,
    sent BIGINT NOT NULL,
    PRIMARY KEY (org, day)
);
CREATE TABLE invalid_recipients (
    seq    BIGSERIAL PRIMARY KEY,
    org    TEXT   NOT NULL,
    client TEXT   NOT NULL,
    at     BIGINT NOT NULL
);
CREATE INDEX invalid_recipients_by_org ON invalid_recipients (org, at);

CREATE TABLE submission_users (
    org           TEXT NOT NULL,
    name          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    PRIMARY KEY (org, name)
);

CREATE TABLE admin_tokens (
    name         TEXT   NOT NULL PRIMARY KEY,
    scope        TEXT   NOT NULL,
    digest       TEXT   NOT NULL UNIQUE,
    created_at   BIGINT NOT NULL,
    created_by   TEXT   NOT NULL,
    last_used_at BIGINT
);
