-- Scheduling reads the waiting part of the queue next hop by next hop, so
-- that its work follows what is due and the number of next hops, never the
-- size of a backlog (SPEC 9, the deferred-backlog benchmark).
--
-- A hold no longer moves its next hop's due times (that rewrote every
-- waiting recipient of a dead next hop at each failed probe): the scheduler
-- folds the few holds in per next hop. It finds the next hops with waiting
-- recipients by skipping through this index, and the earliest due time of
-- each at its front. Claims walk it in (due time, message, recipient)
-- order, so ties among recipients made due at the same time (a retry by an
-- operator) cost nothing to order. The index on due times alone is no
-- longer read.

DROP INDEX recipients_due;
DROP INDEX recipients_hop_due;
CREATE INDEX recipients_hop_due ON recipients (next_hop, next_attempt_at, message_id, idx)
    WHERE state IN ('queued', 'deferred');
