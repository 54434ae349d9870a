"""Shared building blocks: errors, model and schema bases, pagination."""
