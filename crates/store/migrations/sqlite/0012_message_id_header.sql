-- The message's own `Message-ID:` header (without its angle brackets),
-- kept at receive so that the trace finds a message by the id its sender
-- and its recipients see, not only by mailflow's. Messages received before
-- have none.

ALTER TABLE messages ADD COLUMN message_id_header TEXT;

CREATE INDEX messages_message_id_header ON messages (message_id_header)
    WHERE message_id_header IS NOT NULL;
