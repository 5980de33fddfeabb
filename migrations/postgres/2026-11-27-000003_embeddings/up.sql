-- Client-supplied sample embeddings for similarity selection. One vector per (sample, space);
-- little-endian f32 bytes; the dimension is fixed per (benchmark, space) by the first vector
-- (enforced by the writer, which checks every new vector against a stored one).
CREATE TABLE sample_embeddings (
    sample_id BIGINT NOT NULL REFERENCES samples (id),
    space TEXT NOT NULL,
    dim INTEGER NOT NULL CHECK (dim > 0),
    vector BYTEA NOT NULL,
    PRIMARY KEY (sample_id, space)
);
