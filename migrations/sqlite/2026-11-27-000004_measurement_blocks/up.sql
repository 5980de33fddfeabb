-- A columnar copy of each submission's measurements, one row per (submission, metric, part): the
-- leaderboard path reads a metric's values as a few large blobs instead of millions of rows
-- (the row table stays the source of truth for listings). Little-endian arrays: models and
-- samples i64, epochs i32, values f64. Submissions stored before this migration have
-- has_blocks = false and are read from the row table.
CREATE TABLE measurement_blocks (
    submission_id BIGINT NOT NULL REFERENCES submissions (id),
    metric_id BIGINT NOT NULL REFERENCES metrics (id),
    part INTEGER NOT NULL,
    row_count INTEGER NOT NULL,
    models BLOB NOT NULL,
    samples BLOB NOT NULL,
    epochs BLOB NOT NULL,
    vals BLOB NOT NULL,
    PRIMARY KEY (submission_id, metric_id, part)
);
CREATE INDEX measurement_blocks_metric ON measurement_blocks (metric_id);
ALTER TABLE submissions ADD COLUMN has_blocks BOOLEAN NOT NULL DEFAULT 0;
