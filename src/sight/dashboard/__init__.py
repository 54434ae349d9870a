"""The dashboard: KPIs across the projects a user may read, from a snapshot.

`compute.py` builds a user's snapshot (a handful of aggregate queries over the
visible projects), `store.py` keeps it (Redis with a TTL, or a PostgreSQL table
without Redis), `tasks.py` refreshes recently read snapshots on a schedule and
drops a user's snapshot when a study of theirs finishes, and `endpoints.py`
answers every dashboard route from the snapshot (computing it on a miss).
"""
