ALTER TABLE submissions DROP COLUMN has_blocks;
DROP TABLE measurement_blocks;
