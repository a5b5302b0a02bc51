-- The fixes' previews count a connector's waiting mail on every look at
-- the console (GET /api/v1/fixes): what retry and suspend move, what
-- resume moves, what bounce-all fails, and what stop relaying bounces.
-- Counted from the recipients, a backlog of a million took seconds, so:
--
-- Suspended recipients are counted per organisation and connector by
-- triggers that act only when a recipient goes into or out of `suspended`
-- (an operator's action), never on accept or delivery. With
-- `pending_counts` and the few recipients in flight, that gives every
-- waiting count in a few rows. No connector (MX routing) is '' here, as in
-- pending_counts.

CREATE TABLE suspended_counts (
    org        TEXT    NOT NULL,
    connector  TEXT    NOT NULL,
    recipients INTEGER NOT NULL,
    PRIMARY KEY (org, connector)
);

INSERT INTO suspended_counts (org, connector, recipients)
SELECT org, IFNULL(route_connector, ''), COUNT(*)
FROM recipients
WHERE state = 'suspended'
GROUP BY org, IFNULL(route_connector, '');

CREATE TRIGGER recipients_suspended_insert AFTER INSERT ON recipients
WHEN new.state = 'suspended'
BEGIN
    INSERT INTO suspended_counts (org, connector, recipients)
    VALUES (new.org, IFNULL(new.route_connector, ''), 1)
    ON CONFLICT (org, connector) DO UPDATE SET recipients = recipients + 1;
END;

CREATE TRIGGER recipients_suspended_update
AFTER UPDATE OF state, org, route_connector ON recipients
WHEN (old.state = 'suspended' OR new.state = 'suspended')
    AND (old.state IS NOT new.state
        OR old.org IS NOT new.org
        OR old.route_connector IS NOT new.route_connector)
BEGIN
    UPDATE suspended_counts SET recipients = recipients - 1
    WHERE old.state = 'suspended'
      AND org = old.org AND connector = IFNULL(old.route_connector, '');
    INSERT INTO suspended_counts (org, connector, recipients)
    SELECT new.org, IFNULL(new.route_connector, ''), 1
    WHERE new.state = 'suspended'
    ON CONFLICT (org, connector) DO UPDATE SET recipients = recipients + 1;
END;

CREATE TRIGGER recipients_suspended_delete AFTER DELETE ON recipients
WHEN old.state = 'suspended'
BEGIN
    UPDATE suspended_counts SET recipients = recipients - 1
    WHERE org = old.org AND connector = IFNULL(old.route_connector, '');
END;

-- Stop relaying bounces the waiting recipients of its domains that the
-- directory does not know. The preview reads the distinct addresses of a
-- connector's waiting recipients per domain, one seek each (however many
-- recipients share an address: the million of the deferred-backlog
-- benchmark share one), and counts only those of unknown addresses.
CREATE INDEX recipients_waiting_address
    ON recipients (org, route_connector, route_domain, LOWER(address))
    WHERE state IN ('queued', 'deferred', 'suspended');
