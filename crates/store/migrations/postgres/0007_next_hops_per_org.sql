-- Queue keys name their organisation (`acme/to-onprem`, `acme/mx/x.test`),
-- so that two organisations' connectors of one name are two queues, each
-- with its own holds and connections. Waiting recipients and holds take
-- the new keys; finished recipients keep theirs for the trace, which shows
-- a key without its organisation either way.

UPDATE next_hop_holds SET next_hop = COALESCE(
    (SELECT r.org FROM recipients r WHERE r.next_hop = next_hop_holds.next_hop LIMIT 1),
    'default') || '/' || next_hop;

UPDATE recipients SET next_hop = org || '/' || next_hop
WHERE state IN ('queued', 'in_flight', 'deferred', 'suspended');
