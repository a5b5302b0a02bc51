-- Work that runs once per cluster (alert evaluation, notifications, owed
-- reports, expiry, retention, applying a fix): one row per kind of work,
-- naming the node that does it and until when. A lease that has run out
-- (its node died or stalled) is taken by the next node that asks.

CREATE TABLE cluster_leases (
    work     TEXT   NOT NULL PRIMARY KEY,
    node     TEXT   NOT NULL,
    until_at BIGINT NOT NULL
);
