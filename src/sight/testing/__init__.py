"""Helpers for tests and benchmarks (fake LLM provider servers)."""
