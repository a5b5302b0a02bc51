-- Operator actions and fix previews read one connector's waiting
-- recipients in one organisation: counted by state, written by state, and
-- paged through in message order (a bounce of the whole queue). One
-- partial index over the pending part of the queue answers all of them,
-- counts from the index alone, so that a backlog of a million recipients is
-- counted without reading its rows. It replaces the index over every
-- recipient's connector and state, delivered ones included, which those
-- statements read before.

DROP INDEX recipients_connector;
CREATE INDEX recipients_pending_by_state
    ON recipients (org, route_connector, state, message_id, idx)
    WHERE state IN ('queued', 'in_flight', 'deferred', 'suspended');
