-- Work that runs once per cluster (see the store's `ClusterStore`): one
-- row per kind of work, naming the node that does it and until when. An
-- embedded store has one node, which always holds every lease; the table
-- is here so that both back ends keep the same contract.

CREATE TABLE cluster_leases (
    work     TEXT    NOT NULL PRIMARY KEY,
    node     TEXT    NOT NULL,
    until_at INTEGER NOT NULL
);
