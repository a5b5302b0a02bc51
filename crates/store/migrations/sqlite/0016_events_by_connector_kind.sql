-- A connector's attempts and successes over the last hour (insights, and
-- the history each minute) counted the connector's events in the window
-- and read each row for its type: with a million messages received in the
-- hour, a million `received` and `routed` events read to find a few
-- attempts (20 s for the insights list). The type and the code go into the
-- index after the connector, so the count reads only the entries of the
-- types it counts, without their rows, and the last attempt is one seek.
-- The same entries as before with longer keys: nothing more is written per
-- event.

DROP INDEX events_connector;
CREATE INDEX events_connector ON events (org, connector, kind, at, code);
