"""Focus groups: moderated discussions with personas, streamed live.

See docs/focus-groups.md.
"""
