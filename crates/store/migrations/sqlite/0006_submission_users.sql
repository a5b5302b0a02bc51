-- Users who may authenticate with SMTP AUTH after STARTTLS and then relay
-- like a trusted network. Only an Argon2 hash (PHC string) of the password
-- is kept.

CREATE TABLE submission_users (
    org           TEXT NOT NULL,
    name          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    PRIMARY KEY (org, name)
);
