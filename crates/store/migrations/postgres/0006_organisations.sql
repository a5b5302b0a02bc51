-- Many organisations. Admin tokens belong to one organisation, or ('') to
-- all of them, and two organisations may each have a token of the same
-- name: the key becomes (org, name). Tokens made before are tokens for all
-- organisations, as they were.
--
-- Audit entries name the organisation acted on (NULL: the cluster as a
-- whole). Those written before were all of the one organisation there was.

ALTER TABLE admin_tokens ADD COLUMN org TEXT NOT NULL DEFAULT '';
ALTER TABLE admin_tokens DROP CONSTRAINT admin_tokens_pkey;
ALTER TABLE admin_tokens ADD PRIMARY KEY (org, name);

ALTER TABLE audit_log ADD COLUMN org TEXT;
UPDATE audit_log SET org = 'default';
-- One organisation's entries, newest first.
CREATE INDEX audit_log_by_org ON audit_log (org, id);
