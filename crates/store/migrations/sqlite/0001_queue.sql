-- mailflow's queue, embedded flavour.
--
-- Times are integers: nanoseconds since the Unix epoch (UTC).
-- Message ids are the 16 bytes of their UUIDv7, so they sort by arrival.
-- The SQL is kept plain so that the PostgreSQL schema can mirror it.

CREATE TABLE messages (
    id                BLOB    NOT NULL PRIMARY KEY,
    org               TEXT    NOT NULL,
    sender            TEXT    NOT NULL,
    received_at       INTEGER NOT NULL,
    expires_at        INTEGER NOT NULL,
    dsn_ret           TEXT,
    dsn_envid         TEXT,
    size              INTEGER NOT NULL,
    delay_notice_sent INTEGER NOT NULL DEFAULT 0,
    -- 1 while some recipient is queued, in flight, deferred or suspended.
    pending           INTEGER NOT NULL DEFAULT 1,
    -- Last, so that reading the envelope does not page the body in.
    body              BLOB    NOT NULL
);

-- Newest first listings.
CREATE INDEX messages_received ON messages (received_at);
-- Expiry sweeps and the wake-up time look only at unfinished messages.
CREATE INDEX messages_pending_expiry ON messages (expires_at) WHERE pending = 1;
-- Delay notices look only at unfinished messages that have not had theirs.
CREATE INDEX messages_delay_notice ON messages (received_at)
    WHERE pending = 1 AND delay_notice_sent = 0;

CREATE TABLE recipients (
    message_id      BLOB    NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    idx             INTEGER NOT NULL,
    address         TEXT    NOT NULL,
    dsn_notify      TEXT,
    dsn_orcpt       TEXT,
    route_connector TEXT,
    route_domain    TEXT    NOT NULL,
    next_hop        TEXT    NOT NULL,
    state           TEXT    NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    last_error      TEXT,
    -- The enhanced code of last_error (e.g. 4.4.316), for filtering.
    last_error_code TEXT,
    delivered_reply TEXT,
    lease_node      TEXT,
    lease_until     INTEGER,
    updated_at      INTEGER NOT NULL,
    PRIMARY KEY (message_id, idx)
);

-- Due work, in time order: the wake-up time and the due next hops.
CREATE INDEX recipients_due ON recipients (next_attempt_at)
    WHERE state IN ('queued', 'deferred');
-- Due work of one next hop: claims.
CREATE INDEX recipients_hop_due ON recipients (next_hop, next_attempt_at)
    WHERE state IN ('queued', 'deferred');
-- Leases to recover after a crash.
CREATE INDEX recipients_in_flight ON recipients (lease_node, lease_until)
    WHERE state = 'in_flight';

CREATE TABLE next_hop_holds (
    next_hop  TEXT    NOT NULL PRIMARY KEY,
    until_at  INTEGER NOT NULL,
    failures  INTEGER NOT NULL,
    diagnosis TEXT    NOT NULL
);

CREATE TABLE org_settings (
    org      TEXT NOT NULL PRIMARY KEY,
    settings TEXT NOT NULL
);

-- Events are a log: no foreign key, they may outlive their message.
CREATE TABLE events (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id BLOB    NOT NULL,
    at         INTEGER NOT NULL,
    event      TEXT    NOT NULL
);

CREATE INDEX events_message ON events (message_id, at, seq);
