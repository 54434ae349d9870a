"""Tests of the LLM layer."""
