"""Structured validation errors for a researcher's target demographics."""

from __future__ import annotations

from pydantic import BaseModel


class Problem(BaseModel):
    """One thing wrong with the input, located by a dotted path.

    `allowed` lists what would have been accepted at that path (dimension ids or
    category keys), so a client can show the choices next to the error.
    """

    path: str
    message: str
    allowed: list[str] = []


class TargetDemographicsError(ValueError):
    """Raised with every problem found, not just the first one."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        lines = "; ".join(f"{p.path}: {p.message}" for p in problems)
        super().__init__(f"invalid target demographics ({len(problems)}): {lines}")

    def to_payload(self) -> list[dict[str, object]]:
        """JSON-ready list, e.g. for an HTTP 422 body."""
        return [problem.model_dump() for problem in self.problems]
