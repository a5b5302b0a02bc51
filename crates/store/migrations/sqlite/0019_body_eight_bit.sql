-- Whether the message's body holds a byte that is not ASCII, found as it
-- was accepted: delivery says `BODY=8BITMIME` to a server that offers it
-- without reading the body once more to find out. Messages accepted
-- before have none, and are read for it.

ALTER TABLE messages ADD COLUMN eight_bit BOOLEAN;
