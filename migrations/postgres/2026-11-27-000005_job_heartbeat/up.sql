-- The computing process touches heartbeat_at with every progress report; a running job whose
-- heartbeat is stale lost its process (crash, restart) and is reported as failed.
ALTER TABLE jobs ADD COLUMN heartbeat_at TIMESTAMP;
