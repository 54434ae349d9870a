"""Access to a group's analysis is access to the group: the focus-group
dependencies (load the row, then the project's one access policy) apply as
they are; reading a report needs `read`, starting an analysis `write`."""

from __future__ import annotations

from sight.focus_groups.dependencies import GroupReader, GroupWriter

__all__ = ["GroupReader", "GroupWriter"]
