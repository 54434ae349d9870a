"""Fidelity: how close synthetic respondents come to real people (docs/fidelity.md)."""
