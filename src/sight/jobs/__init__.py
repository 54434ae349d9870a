"""Durable jobs on PostgreSQL (procrastinate) with progress, checkpoints and events."""
