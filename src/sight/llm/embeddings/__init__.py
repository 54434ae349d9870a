"""Embedding models: provider APIs and a local multilingual model."""
