DROP TABLE sample_embeddings;
