-- Scheduled configuration backups (issue 14): one row per backup slot (the start of each
-- --backup-every period, by the database clock). The node whose INSERT makes the row takes that
-- backup, so two nodes never take the same one; an unfinished claim older than its takeover time
-- (a node that died mid-backup) can be taken over. Owned by dev.keel.store.BackupClaims.
CREATE TABLE config_backup (
  slot        timestamptz PRIMARY KEY,
  node        text        NOT NULL,
  destination text        NOT NULL,
  claimed_at  timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  error       text
);
