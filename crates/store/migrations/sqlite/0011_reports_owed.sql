-- Reports owed to senders: a recipient that fails for good owes its sender
-- a non-delivery report from the same transaction that records the
-- failure, so a crash before the report is queued cannot lose it. The row
-- goes once the report is queued (see the relay's notices); a start, and
-- later passes, send the reports still owed.
--
-- A message from <> never causes a report, so it never owes one. Whether a
-- recipient asked for failure reports (NOTIFY) is for the report to decide.

CREATE TABLE reports_owed (
    message_id BLOB    NOT NULL,
    idx        INTEGER NOT NULL,
    failed_at  INTEGER NOT NULL,
    PRIMARY KEY (message_id, idx)
) WITHOUT ROWID;

CREATE INDEX reports_owed_failed_at ON reports_owed (failed_at);

CREATE TRIGGER recipients_report_owed AFTER UPDATE OF state ON recipients
WHEN new.state = 'failed' AND old.state <> 'failed'
    AND (SELECT sender FROM messages WHERE id = new.message_id) <> ''
BEGIN
    INSERT OR IGNORE INTO reports_owed (message_id, idx, failed_at)
    VALUES (new.message_id, new.idx, new.updated_at);
END;
