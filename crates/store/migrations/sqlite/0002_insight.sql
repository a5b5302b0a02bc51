-- Mail flow intelligence: insights per connector, their history, the
-- message trace.
--
-- Insights read the pending part of the queue per connector; recipients
-- carry their message's organisation and arrival time so that those reads
-- walk one partial index and never the messages table. Events get the
-- columns the trace and the per-connector counts filter on (the JSON stays
-- the record). Connector names of MX routing without a connector are NULL
-- in recipients and events, and '' in history (part of its key).

ALTER TABLE recipients ADD COLUMN org TEXT NOT NULL DEFAULT '';
ALTER TABLE recipients ADD COLUMN received_at INTEGER NOT NULL DEFAULT 0;
UPDATE recipients SET
    org = (SELECT m.org FROM messages m WHERE m.id = recipients.message_id),
    received_at = (SELECT m.received_at FROM messages m WHERE m.id = recipients.message_id);

-- Pending recipients per connector: counts, counts by code, oldest arrival,
-- and how many arrived before a time (alerts).
CREATE INDEX recipients_pending_connector
    ON recipients (org, route_connector, last_error_code, received_at)
    WHERE state IN ('queued', 'in_flight', 'deferred', 'suspended');
-- The latest error of a connector's pending recipients.
CREATE INDEX recipients_pending_last_error
    ON recipients (org, route_connector, updated_at)
    WHERE state IN ('queued', 'in_flight', 'deferred', 'suspended') AND last_error IS NOT NULL;
-- Trace and listings by recipient and by sender, without regard to case.
CREATE INDEX recipients_address ON recipients (LOWER(address));
CREATE INDEX messages_sender ON messages (LOWER(sender), received_at);

ALTER TABLE events ADD COLUMN org TEXT;
ALTER TABLE events ADD COLUMN connector TEXT;
-- The event's type: received, attempt, delivered, deferred, failed, …
ALTER TABLE events ADD COLUMN kind TEXT NOT NULL DEFAULT '';
-- The enhanced code of the event's diagnosis, when it has one.
ALTER TABLE events ADD COLUMN code TEXT;
ALTER TABLE events ADD COLUMN recipient TEXT;
UPDATE events SET
    org = (SELECT m.org FROM messages m WHERE m.id = events.message_id),
    connector = json_extract(event, '$.connector'),
    kind = COALESCE(json_extract(event, '$.kind.type'), ''),
    recipient = json_extract(event, '$.recipient');

-- A connector's events in time order: attempts and successes over an hour,
-- the last attempt, failures per minute for the history.
CREATE INDEX events_connector ON events (org, connector, at);
-- Retention: the oldest events go first.
CREATE INDEX events_at ON events (at);

-- One row per connector per minute: pending recipients then, and the
-- failures by code during that minute (JSON object code -> count).
CREATE TABLE history (
    org       TEXT    NOT NULL,
    connector TEXT    NOT NULL,
    minute    INTEGER NOT NULL,
    queued    INTEGER NOT NULL,
    failures  TEXT    NOT NULL,
    PRIMARY KEY (org, connector, minute)
);
CREATE INDEX history_minute ON history (minute);
