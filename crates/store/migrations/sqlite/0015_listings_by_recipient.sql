-- The message list and the trace narrowed by a recipient's address or by
-- a last error code walk the recipients' index on it newest first and stop
-- after a page (the store's `by_recipient`). Walking the messages newest
-- first and testing each read the whole queue for an address or a code
-- seen only at its start: 30 s and more with a million queued.
--
-- The address index gets the arrival time and the message after the
-- address (the same entries as before, longer keys: nothing more is
-- written on accept). The code index holds only recipients that have an
-- error code: none when accepted, so accepting writes nothing more; a
-- failed attempt adds an entry.

DROP INDEX recipients_address;
CREATE INDEX recipients_address ON recipients (LOWER(address), received_at, message_id);

CREATE INDEX recipients_code ON recipients (last_error_code, received_at, message_id)
    WHERE last_error_code IS NOT NULL;
