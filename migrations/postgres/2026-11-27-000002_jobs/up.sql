-- Long computations (leaderboards with big bootstraps) run as jobs. The row is the shared
-- truth across server processes: any replica answers GET and DELETE; the computing one writes
-- progress and polls cancel_requested. Ids are random (unguessable): knowing one is the right
-- to read or cancel that job.
CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    request TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'cancelled')),
    progress DOUBLE PRECISION NOT NULL DEFAULT 0,
    cancel_requested BOOLEAN NOT NULL DEFAULT FALSE,
    result TEXT,
    etag TEXT,
    error TEXT,
    created_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP
);
