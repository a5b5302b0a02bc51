-- Bodies move to the spool (segment files beside the database, see the
-- store's `spool`): a message row says which segment holds its body and
-- where; `body` stays empty. Rows written before keep their body here,
-- with no segment.

ALTER TABLE messages ADD COLUMN body_segment INTEGER;
ALTER TABLE messages ADD COLUMN body_offset INTEGER;

-- Whether a segment still holds a waiting message's body, and the highest
-- segment number used (never reused), each one index seek.
CREATE INDEX messages_body_segment ON messages (body_segment, pending);
