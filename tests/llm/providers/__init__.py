"""Provider adapters and embedding clients against local fake servers."""
