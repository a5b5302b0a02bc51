-- Pending recipients counted per organisation, connector and last error
-- code, so that insights and alerts (evaluated every few seconds) read a few
-- rows instead of counting a backlog of a million recipients each time
-- (SPEC 9: the CPU idles between retry times).
--
-- Triggers keep the counts in the transaction that changes a recipient:
-- a recipient is counted while its state is queued, in_flight, deferred or
-- suspended, under its current last_error_code. Only a change in or out of
-- those states, or of the code, moves a count. No connector (MX routing)
-- and no code are '' here, as in history.

CREATE TABLE pending_counts (
    org        TEXT    NOT NULL,
    connector  TEXT    NOT NULL,
    code       TEXT    NOT NULL,
    recipients INTEGER NOT NULL,
    PRIMARY KEY (org, connector, code)
);

INSERT INTO pending_counts (org, connector, code, recipients)
SELECT org, IFNULL(route_connector, ''), IFNULL(last_error_code, ''), COUNT(*)
FROM recipients
WHERE state IN ('queued', 'in_flight', 'deferred', 'suspended')
GROUP BY org, IFNULL(route_connector, ''), IFNULL(last_error_code, '');

CREATE TRIGGER recipients_count_insert AFTER INSERT ON recipients
WHEN new.state IN ('queued', 'in_flight', 'deferred', 'suspended')
BEGIN
    INSERT INTO pending_counts (org, connector, code, recipients)
    VALUES (new.org, IFNULL(new.route_connector, ''), IFNULL(new.last_error_code, ''), 1)
    ON CONFLICT (org, connector, code) DO UPDATE SET recipients = recipients + 1;
END;

CREATE TRIGGER recipients_count_update
AFTER UPDATE OF state, last_error_code, org, route_connector ON recipients
WHEN (old.state IN ('queued', 'in_flight', 'deferred', 'suspended'))
        <> (new.state IN ('queued', 'in_flight', 'deferred', 'suspended'))
    OR old.last_error_code IS NOT new.last_error_code
    OR old.org IS NOT new.org
    OR old.route_connector IS NOT new.route_connector
BEGIN
    UPDATE pending_counts SET recipients = recipients - 1
    WHERE old.state IN ('queued', 'in_flight', 'deferred', 'suspended')
      AND org = old.org AND connector = IFNULL(old.route_connector, '')
      AND code = IFNULL(old.last_error_code, '');
    INSERT INTO pending_counts (org, connector, code, recipients)
    SELECT new.org, IFNULL(new.route_connector, ''), IFNULL(new.last_error_code, ''), 1
    WHERE new.state IN ('queued', 'in_flight', 'deferred', 'suspended')
    ON CONFLICT (org, connector, code) DO UPDATE SET recipients = recipients + 1;
END;

CREATE TRIGGER recipients_count_delete AFTER DELETE ON recipients
WHEN old.state IN ('queued', 'in_flight', 'deferred', 'suspended')
BEGIN
    UPDATE pending_counts SET recipients = recipients - 1
    WHERE org = old.org AND connector = IFNULL(old.route_connector, '')
      AND code = IFNULL(old.last_error_code, '');
END;
