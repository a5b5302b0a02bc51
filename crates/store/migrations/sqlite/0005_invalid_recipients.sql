-- The invalid-recipient quota (SPEC 4): one row per recipient refused at
-- RCPT because the directory does not know it (550 5.1.10), with the client
-- address that asked, so that the quota is counted over a rolling hour per
-- organisation and the sources causing it can be told apart.

CREATE TABLE invalid_recipients (
    seq    INTEGER PRIMARY KEY AUTOINCREMENT,
    org    TEXT    NOT NULL,
    client TEXT    NOT NULL,
    at     INTEGER NOT NULL
);

CREATE INDEX invalid_recipients_by_org ON invalid_recipients (org, at);
