"""Notifications: a job ended, spend crossed a threshold, a project was shared.

Each user has a list (`GET /api/v1/notifications`), marks items read or done,
chooses which kinds reach them (`/notifications/preferences`), and follows a
live per-user stream (`GET /api/v1/notifications/events`). Other domains call
`notify_project_shared`; jobs and LLM spend reach this domain through the
listeners in `tasks.py`.
"""
