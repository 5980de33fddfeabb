-- Podium's initial schema (SQLite). Its twin for PostgreSQL lives in migrations/postgres.
-- measurements and comparisons carry no foreign keys: only the ingest path writes them, with ids
-- it resolved in the same transaction, and per-row FK triggers would roughly halve insert speed.

CREATE TABLE podium_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    data_version BIGINT NOT NULL
);
INSERT INTO podium_state (id, data_version) VALUES (1, 0);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    scope TEXT NOT NULL CHECK (scope IN ('read', 'submit', 'admin')),
    label TEXT,
    created_at TIMESTAMP NOT NULL,
    revoked BOOLEAN NOT NULL DEFAULT 0
);

CREATE TABLE benchmarks (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    description TEXT,
    metadata TEXT NOT NULL DEFAULT '{}',
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE metrics (
    id INTEGER PRIMARY KEY,
    benchmark_id BIGINT NOT NULL REFERENCES benchmarks (id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('binary', 'score', 'rank')),
    higher_is_better BOOLEAN NOT NULL,
    range_min REAL,
    range_max REAL,
    is_default BOOLEAN NOT NULL DEFAULT 0,
    UNIQUE (benchmark_id, name)
);

CREATE TABLE samples (
    id INTEGER PRIMARY KEY,
    benchmark_id BIGINT NOT NULL REFERENCES benchmarks (id),
    external_id TEXT NOT NULL,
    metadata TEXT NOT NULL DEFAULT '{}',
    UNIQUE (benchmark_id, external_id)
);

CREATE TABLE models (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    metadata TEXT NOT NULL DEFAULT '{}',
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE submissions (
    id INTEGER PRIMARY KEY,
    token_id BIGINT NOT NULL REFERENCES api_tokens (id),
    created_at TIMESTAMP NOT NULL,
    source_format TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    idempotency_key TEXT,
    n_measurements BIGINT NOT NULL DEFAULT 0,
    n_comparisons BIGINT NOT NULL DEFAULT 0,
    visibility TEXT NOT NULL DEFAULT 'public',
    retracted BOOLEAN NOT NULL DEFAULT 0,
    retracted_at TIMESTAMP,
    retracted_by BIGINT REFERENCES api_tokens (id),
    response_status INTEGER NOT NULL DEFAULT 201,
    response_body TEXT NOT NULL DEFAULT ''
);
-- A body is recognised by its hash while its submission counts; a key is one request per token.
CREATE UNIQUE INDEX submissions_live_content ON submissions (content_hash) WHERE retracted = 0;
CREATE UNIQUE INDEX submissions_idempotency ON submissions (token_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;

CREATE TABLE measurements (
    id INTEGER PRIMARY KEY,
    submission_id BIGINT NOT NULL,
    model_id BIGINT NOT NULL,
    sample_id BIGINT NOT NULL,
    metric_id BIGINT NOT NULL,
    epoch INTEGER NOT NULL,
    value REAL NOT NULL
);
-- The measurement key plus the submission: "newest non-retracted submission wins" is an index probe.
CREATE INDEX measurements_key ON measurements (sample_id, model_id, metric_id, epoch, submission_id);

CREATE TABLE comparisons (
    id INTEGER PRIMARY KEY,
    submission_id BIGINT NOT NULL,
    sample_id BIGINT NOT NULL,
    model_a_id BIGINT NOT NULL,
    model_b_id BIGINT NOT NULL,
    winner TEXT NOT NULL CHECK (winner IN ('model_a', 'model_b', 'tie', 'both_bad')),
    judge TEXT,
    weight REAL NOT NULL,
    strength REAL,
    occurred_at TIMESTAMP,
    metadata TEXT,
    CHECK (model_a_id <> model_b_id)
);
CREATE INDEX comparisons_sample ON comparisons (sample_id);
