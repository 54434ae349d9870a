"""Project documents: ingestion, chunks with embeddings, entities and relations,
hybrid retrieval with citations, on PostgreSQL or Neo4j."""
