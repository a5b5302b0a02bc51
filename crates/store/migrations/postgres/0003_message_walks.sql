-- Listings and traces walk the messages newest first, by arrival or by
-- sender, a page at a time: ties of arrival go by message id, and a page
-- goes on after the last message of the one before, (arrival, id). With
-- the id in the index the walk comes in that order and the cursor bounds
-- it, however many messages there are; without it, PostgreSQL may sort a
-- whole range of arrivals before it returns the first of a page.
DROP INDEX messages_received;
CREATE INDEX messages_received ON messages (received_at, id);
DROP INDEX messages_sender;
CREATE INDEX messages_sender ON messages (LOWER(sender), received_at, id);
