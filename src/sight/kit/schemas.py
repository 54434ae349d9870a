"""Schema base classes and the input types every API schema builds on.

Every bound a value must meet to be stored is declared here, in the schema, so a
bad value is a 422 that names the field (never a database error, a 500) and the
published OpenAPI document tells a client what is allowed:

- `Text` / `Line`: strings PostgreSQL can store and people can read. `Text`
  refuses NUL and the other C0 control characters except tab, newline and
  carriage return; `Line` (names, titles, filters) refuses all of them. Both
  refuse lone surrogates (they cannot be encoded as UTF-8). Add the length with
  `StringConstraints`: `Annotated[Line, StringConstraints(max_length=200)]`.
- `Int` / `Float`: strict JSON numbers (`"5"` and `true` are not numbers); floats
  are finite. Always add bounds with `Field(ge=..., le=...)`.
- `BigInt`, `Offset`, `DateValue`: what fits the database's columns and Python's
  date arithmetic.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Strict

T = TypeVar("T")

# C0 controls and DEL; tab, newline and carriage return are allowed in `Text`.
_TEXT_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_LINE_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")
# The same rules as JSON Schema patterns, so generated clients and fuzzers know.
TEXT_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
LINE_PATTERN = r"^[^\x00-\x1f\x7f]*$"


def _check_text(value: str) -> str:
    found = _TEXT_FORBIDDEN.search(value)
    if found:
        raise ValueError(
            f"contains a control character (U+{ord(found.group()):04X}) at "
            f"position {found.start()}; only printable text, tabs and line "
            "breaks are allowed"
        )
    return value


def _check_line(value: str) -> str:
    found = _LINE_FORBIDDEN.search(value)
    if found:
        raise ValueError(
            f"contains a control character (U+{ord(found.group()):04X}) at "
            f"position {found.start()}; a single line of printable text is expected"
        )
    return value


Text = Annotated[
    str, AfterValidator(_check_text), Field(json_schema_extra={"pattern": TEXT_PATTERN})
]
Line = Annotated[
    str, AfterValidator(_check_line), Field(json_schema_extra={"pattern": LINE_PATTERN})
]

# A value a list endpoint filters by (query string): one line, short.
FilterValue = Annotated[
    str,
    AfterValidator(_check_line),
    Field(max_length=200, json_schema_extra={"pattern": LINE_PATTERN}),
]

Int = Annotated[int, Strict()]
Float = Annotated[float, Strict(), Field(allow_inf_nan=False)]

# PostgreSQL bigint, the widest integer column (ids of stream events, offsets).
BIGINT_MAX = 2**63 - 1
BigInt = Annotated[int, Field(ge=0, le=BIGINT_MAX)]
# Beyond this no page exists; it also keeps OFFSET inside bigint.
MAX_OFFSET = 1_000_000
Offset = Annotated[int, Field(ge=0, le=MAX_OFFSET)]
# Report dates: anything outside this range is a typo, and date arithmetic on
# 0001-01-01 or 9999-12-31 overflows.
MIN_DATE = date(2000, 1, 1)
MAX_DATE = date(2100, 12, 31)
DateValue = Annotated[date, Field(ge=MIN_DATE, le=MAX_DATE)]


class Schema(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class InputSchema(BaseModel):
    # Unknown fields are a client mistake worth reporting, not silently dropping.
    model_config = ConfigDict(extra="forbid")


class Page(Schema, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int
