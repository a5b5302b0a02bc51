-- What operators and fix actions did: one row per action, with the state
-- before and after it as JSON, so that an action can be shown and undone.

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          INTEGER NOT NULL,
    actor       TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    target      TEXT    NOT NULL,
    before_json TEXT    NOT NULL,
    after_json  TEXT    NOT NULL,
    undone_at   INTEGER
);

-- Operator queue actions pick a connector's recipients in one organisation.
CREATE INDEX recipients_connector ON recipients (route_connector, state);
