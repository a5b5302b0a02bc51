-- Node status: each node's last heartbeat (written every few seconds while
-- it runs) and an operator's request that it drain. The request lives here
-- so that whichever node's API is asked, the node named sees it at its
-- next heartbeat. Times are nanoseconds since the epoch.

CREATE TABLE nodes (
    name               TEXT   NOT NULL PRIMARY KEY,
    version            TEXT   NOT NULL,
    started_at         BIGINT NOT NULL,
    heartbeat_at       BIGINT NOT NULL,
    -- Three of the node's own heartbeat intervals after heartbeat_at:
    -- past it, the node is missing.
    fresh_until        BIGINT NOT NULL,
    -- running, draining, drained or stopped, as the node last wrote it.
    state              TEXT   NOT NULL,
    admin_addr         TEXT,
    -- Set by an operator's drain, cleared by resume; never by a heartbeat.
    drain_requested_at BIGINT
);
