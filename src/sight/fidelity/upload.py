"""A researcher's own study, uploaded as CSV or XLSX, reduced on arrival.

Two layouts are recognised:

- **distributions**: one row per question x option x group with a share or a
  count (columns such as question, option, group, share, n);
- **respondents**: one row per respondent, with demographic columns and one
  column per question.

Respondent rows are never stored. On arrival each column is summarised (its
values and counts) and every pair of columns is reduced to a two-way count
table; identifier-like columns (ids, e-mails, names: nearly one value per
row) and free-text columns are dropped unseen. When the researcher maps the
columns (which are groups and to which census cell each group belongs, which
are questions and their options in order), those counts become per-group
distributions in the benchmark format and the two-way tables are deleted.

Pure functions, run in a worker thread.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from itertools import combinations
from typing import Any

from sight.demographics import load_census
from sight.fidelity.benchmark import OVERALL
from sight.fidelity.schemas import StudyMapping
from sight.kit.errors import SightError

MAX_BYTES = 10 * 1024 * 1024
MAX_COLUMNS = 120
MAX_ROWS = 200_000
MAX_PAIR_WORK = 30_000_000
MAX_VALUES = 120  # a column with more distinct values is not a question or group
SEP = "\u241f"
_IDENTIFYING = re.compile(
    r"^(id|uuid|nr|lp|no|respondent|resp_?id|email|e-mail|mail|name|imię|imie|nazwisko|"
    r"surname|phone|telefon|tel|address|adres|ip|postcode|zip|pesel)\b",
    re.IGNORECASE,
)
_OVERALL_WORDS = {"", "overall", "all", "total", "ogółem", "ogolem", "wszyscy", "razem"}
_ROLE_WORDS = {
    "question": ("question", "pytanie", "item", "variable", "zmienna"),
    "option": ("option", "answer", "odpowiedź", "odpowiedz", "category", "kategoria"),
    "group": ("group", "grupa", "segment", "subgroup"),
    "value": (
        "share",
        "percent",
        "pct",
        "%",
        "p",
        "proportion",
        "count",
        "odsetek",
        "udział",
        "udzial",
        "liczba",
        "n_answers",
        "value",
    ),
    "n": ("n", "base", "baza", "respondents", "sample"),
}


class UploadInvalid(SightError):
    """422: the file or its mapping cannot be used; says what is allowed."""

    status_code = 422

    @property
    def kind(self) -> str:
        return "ValidationError"


def _problem(field: str, msg: str, kind: str) -> dict[str, Any]:
    loc: list[str | int] = [
        "body",
        *[int(p) if p.isdigit() else p for p in field.split(".")],
    ]
    return {"loc": loc, "field": field, "msg": msg, "type": kind}


def _fail(field: str, msg: str, kind: str = "invalid_upload") -> UploadInvalid:
    return UploadInvalid([_problem(field, msg, kind)])


# ---- reading ---------------------------------------------------------------


def read_table(filename: str, content: bytes) -> list[list[str]]:
    if len(content) > MAX_BYTES:
        raise _fail(
            "file",
            f"the file has {len(content)} bytes; at most {MAX_BYTES} are allowed",
        )
    lower = filename.lower()
    if lower.endswith(".xlsx") or content[:4] == b"PK\x03\x04":
        rows = _xlsx(content)
    elif lower.endswith((".csv", ".txt", ".tsv")) or not lower.rpartition(".")[1]:
        rows = _csv(content)
    else:
        raise _fail(
            "file", f"{filename!r} is neither CSV nor XLSX; allowed: .csv, .xlsx"
        )
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if len(rows) < 2:
        raise _fail("file", "the file needs a header row and at least one data row")
    if len(rows) - 1 > MAX_ROWS:
        raise _fail("file", f"{len(rows) - 1} rows; at most {MAX_ROWS} are allowed")
    return rows


def _csv(content: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "cp1250", "latin-1"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    sample = text[:20000]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text), dialect)]


def _xlsx(content: bytes) -> list[list[str]]:
    from openpyxl import load_workbook  # type: ignore[import-untyped]

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # a corrupt or non-XLSX zip
        raise _fail(
            "file", "the XLSX file could not be read; save it again as .xlsx or .csv"
        ) from exc
    sheet = book.worksheets[0]
    rows = []
    for row in sheet.iter_rows(values_only=True):
        rows.append(["" if v is None else _cell(v) for v in row])
    book.close()
    return rows


def _cell(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# ---- detecting -------------------------------------------------------------


def _number(value: str) -> float | None:
    try:
        return float(value.replace(",", ".").rstrip("%"))
    except ValueError:
        return None


def _role_of(name: str) -> str | None:
    lowered = name.strip().lower()
    for role, words in _ROLE_WORDS.items():
        if lowered in words:
            return role
    return None


def analyse(filename: str, content: bytes) -> dict[str, Any]:
    """Columns, layout and the aggregates kept until mapping (never the rows)."""
    rows = read_table(filename, content)
    header, body = rows[0], rows[1:]
    width = len(header)
    if width > MAX_COLUMNS:
        raise _fail("file", f"{width} columns; at most {MAX_COLUMNS} are allowed")
    names = [h.strip() or f"column {i + 1}" for i, h in enumerate(header)]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise _fail(
            "file", "column names must be unique; repeated: " + ", ".join(duplicates)
        )
    body = [(r + [""] * width)[:width] for r in body]
    roles = {n: _role_of(n) for n in names}
    found = {r for r in roles.values() if r}
    if {"question", "option", "value"} <= found:
        return _analyse_distributions(names, body, roles)
    return _analyse_respondents(names, body)


def _analyse_distributions(
    names: list[str], body: list[list[str]], roles: dict[str, str | None]
) -> dict[str, Any]:
    columns = []
    for i, name in enumerate(names):
        counts = Counter(r[i] for r in body if r[i])
        columns.append(
            {
                "name": name,
                "kind": "numeric"
                if all(_number(v) is not None for v in counts)
                else "categorical",
                "distinct": len(counts),
                "values": [{"value": v, "count": c} for v, c in counts.most_common(60)],
                "suggested_role": roles[name],
            }
        )
    return {
        "layout": "distributions",
        "rows": len(body),
        "columns": columns,
        "pending": {"header": names, "table": body},
    }


def _age_like(counts: Counter[str]) -> bool:
    """Whole numbers within a human lifespan: ages (or another small scale),
    distinct per person in a small file without identifying anyone."""
    values = [_number(v) for v in counts]
    return all(v is not None and v.is_integer() and 0 <= v <= 120 for v in values)


def _analyse_respondents(names: list[str], body: list[list[str]]) -> dict[str, Any]:
    rows = len(body)
    columns: list[dict[str, Any]] = []
    kept: list[int] = []
    for i, name in enumerate(names):
        counts = Counter(r[i] for r in body if r[i])
        numeric = bool(counts) and all(_number(v) is not None for v in counts)
        if not counts:
            kind = "empty"
        elif _IDENTIFYING.match(name) or (
            rows >= 20
            and len(counts) > 0.9 * rows
            and not (numeric and _age_like(counts))
        ):
            kind = "identifier"
        elif len(counts) > MAX_VALUES:
            kind = "numeric" if numeric else "text"
        else:
            kind = "numeric" if numeric and len(counts) > 12 else "categorical"
        column: dict[str, Any] = {
            "name": name,
            "kind": kind,
            "distinct": len(counts),
            "values": [],
        }
        if kind in ("categorical", "numeric") and len(counts) <= MAX_VALUES:
            ordered = sorted(
                counts.items(),
                key=lambda kv: (_number(kv[0]) is None, _number(kv[0]) or 0, kv[0]),
            )
            column["values"] = [{"value": v, "count": c} for v, c in ordered]
            kept.append(i)
        elif kind in ("identifier", "text"):
            column["dropped"] = "identifying or free text: not stored"
        columns.append(column)
    pairs = len(kept) * (len(kept) - 1) // 2
    if pairs * rows > MAX_PAIR_WORK:
        raise _fail(
            "file",
            f"{rows} respondents x {len(kept)} answer columns is too large to reduce "
            "here; upload per-group distributions instead "
            "(question, option, group, share)",
        )
    tables: dict[str, list[list[Any]]] = {}
    for a, b in combinations(kept, 2):
        counter = Counter((r[a], r[b]) for r in body if r[a] and r[b])
        tables[f"{names[a]}{SEP}{names[b]}"] = [
            [x, y, n] for (x, y), n in counter.items()
        ]
    return {
        "layout": "respondents",
        "rows": rows,
        "columns": columns,
        "pending": {"pairs": tables},
    }


# ---- mapping ---------------------------------------------------------------


def _slug(text: str, index: int) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:30] or "q"
    return f"q{index + 1}_{slug}"[:40]


def _group_spec(
    value: Any, family: str, census: Any, field: str, problems: list[dict[str, Any]]
) -> tuple[str, dict[str, Any]] | None:
    group_id = f"{family}:{value.value}"
    if value.age is not None:
        low, high = value.age
        if not 0 <= low <= high <= 120:
            problems.append(
                _problem(
                    f"{field}.age",
                    "age needs [min, max] with 0 <= min <= max <= 120",
                    "invalid_age",
                )
            )
            return None
        return group_id, {"age": [low, high], "label": value.value}
    if value.dimension is None or not value.categories:
        problems.append(
            _problem(
                field,
                f"group {value.value!r} needs a census cell: dimension + categories "
                "(e.g. gender: [female]) or age: [min, max]",
                "missing_census_cell",
            )
        )
        return None
    if value.dimension not in census.dimensions:
        problems.append(
            _problem(
                f"{field}.dimension",
                f"unknown dimension {value.dimension!r}; allowed: "
                + ", ".join(census.dimensions),
                "unknown_dimension",
            )
        )
        return None
    allowed = census.dimensions[value.dimension].category_keys
    wrong = [c for c in value.categories if c not in allowed]
    if wrong:
        problems.append(
            _problem(
                f"{field}.categories",
                f"unknown {value.dimension} categories {wrong}; allowed: "
                + ", ".join(allowed),
                "unknown_category",
            )
        )
        return None
    return group_id, {
        "dimension": value.dimension,
        "categories": list(value.categories),
        "label": value.value,
    }


def apply_mapping(
    study: dict[str, Any], mapping: StudyMapping, *, country: str, language: str
) -> dict[str, Any]:
    """The study in the benchmark format ({"data", "spec"}) or 422 listing every
    problem with what is allowed."""
    census = load_census(country)
    if study["layout"] == "distributions":
        return _map_distributions(study, mapping, census, country, language)
    return _map_respondents(study, mapping, census, country, language)


def _map_respondents(
    study: dict[str, Any],
    mapping: StudyMapping,
    census: Any,
    country: str,
    language: str,
) -> dict[str, Any]:
    problems: list[dict[str, Any]] = []
    columns = {c["name"]: c for c in study["columns"]}
    usable = [n for n, c in columns.items() if c["values"]]
    if not mapping.group_columns:
        problems.append(
            _problem(
                "group_columns",
                "name at least one demographic column; "
                "usable columns: " + ", ".join(usable),
                "missing",
            )
        )
    if not mapping.question_columns:
        problems.append(
            _problem(
                "question_columns",
                "name at least one question column; "
                "usable columns: " + ", ".join(usable),
                "missing",
            )
        )
    if problems:
        raise UploadInvalid(problems)
    assert mapping.group_columns is not None  # noqa: S101
    assert mapping.question_columns is not None  # noqa: S101
    pairs: dict[str, list[list[Any]]] = study["pending"]["pairs"]

    def table(a: str, b: str) -> list[tuple[str, str, int]]:
        if f"{a}{SEP}{b}" in pairs:
            return [(x, y, n) for x, y, n in pairs[f"{a}{SEP}{b}"]]
        return [(y, x, n) for x, y, n in pairs.get(f"{b}{SEP}{a}", [])]

    named = [
        (f"group_columns.{i}.column", g.column)
        for i, g in enumerate(mapping.group_columns)
    ] + [
        (f"question_columns.{i}.column", q.column)
        for i, q in enumerate(mapping.question_columns)
    ]
    for field, column in named:
        if column not in columns:
            problems.append(
                _problem(
                    field,
                    f"no column {column!r}; columns: " + ", ".join(columns),
                    "unknown_column",
                )
            )
        elif not columns[column]["values"]:
            problems.append(
                _problem(
                    field,
                    f"column {column!r} was dropped "
                    f"({columns[column]['kind']}); usable: " + ", ".join(usable),
                    "unusable_column",
                )
            )
    if problems:
        raise UploadInvalid(problems)
    groups: dict[str, dict[str, Any]] = {}
    matchers: list[tuple[str, str, Any]] = []  # group id, column, value test
    for i, gc in enumerate(mapping.group_columns):
        family = gc.name or gc.column
        present = {v["value"] for v in columns[gc.column]["values"]}
        for j, value in enumerate(gc.values):
            field = f"group_columns.{i}.values.{j}"
            if value.age is None and value.value not in present:
                problems.append(
                    _problem(
                        f"{field}.value",
                        f"{value.value!r} does not occur in "
                        f"{gc.column!r}; values: " + ", ".join(sorted(present)),
                        "unknown_value",
                    )
                )
                continue
            spec = _group_spec(value, family, census, field, problems)
            if spec is None:
                continue
            groups[spec[0]] = spec[1]
            if value.age is not None:
                low, high = value.age
                matchers.append(
                    (
                        spec[0],
                        gc.column,
                        lambda v, lo=low, hi=high: (
                            (n := _number(v)) is not None and lo <= n <= hi
                        ),
                    )
                )
            else:
                matchers.append(
                    (spec[0], gc.column, lambda v, want=value.value: v == want)
                )
    questions: list[dict[str, Any]] = []
    for i, qc in enumerate(mapping.question_columns):
        seen = {v["value"]: v["count"] for v in columns[qc.column]["values"]}
        missing = [o for o in qc.options if o not in seen]
        if missing:
            problems.append(
                _problem(
                    f"question_columns.{i}.options",
                    f"{missing} do not occur in {qc.column!r}; values: "
                    + ", ".join(seen),
                    "unknown_option",
                )
            )
            continue
        if len(set(qc.options)) != len(qc.options):
            problems.append(
                _problem(
                    f"question_columns.{i}.options",
                    "options must be distinct",
                    "duplicate_option",
                )
            )
            continue
        if any(qc.column == gc.column for gc in mapping.group_columns):
            problems.append(
                _problem(
                    f"question_columns.{i}.column",
                    "a column cannot be both a group and a question",
                    "column_twice",
                )
            )
            continue
        cells: dict[str, dict[str, Any]] = {}
        overall = [seen[o] for o in qc.options]
        if sum(overall):
            cells[OVERALL] = _tally(overall)
        for group_id, column, test in matchers:
            tally = {o: 0 for o in qc.options}
            for g_value, q_value, n in table(column, qc.column):
                if q_value in tally and test(g_value):
                    tally[q_value] += n
            counts = [tally[o] for o in qc.options]
            if sum(counts):
                cells[group_id] = _tally(counts)
        questions.append(
            {
                "id": _slug(qc.column, i),
                "short": qc.column,
                "topic": "study",
                "question": qc.text or qc.column,
                "options": list(qc.options),
                "scale": "binary"
                if len(qc.options) == 2 and qc.scale == "ordinal"
                else qc.scale,
                "groups": cells,
            }
        )
    if problems:
        raise UploadInvalid(problems)
    return _stored(
        study,
        questions,
        groups,
        mapping.group_columns[0].name or mapping.group_columns[0].column,
        country,
        language,
    )


def _tally(counts: list[int]) -> dict[str, Any]:
    total = sum(counts)
    return {"n": int(total), "p": [round(c / total, 6) for c in counts]}


def _stored(
    study: dict[str, Any],
    questions: list[dict[str, Any]],
    groups: dict[str, Any],
    family: str | None,
    country: str,
    language: str,
) -> dict[str, Any]:
    if not questions:
        raise _fail("question_columns", "no question could be mapped")
    return {
        "data": {
            "meta": {
                "name": study.get("name"),
                "source": {
                    "survey": f"uploaded by the researcher ({study.get('filename')})"
                },
            },
            "questions": questions,
        },
        "spec": {
            "country": country,
            "language": language,
            "title": study.get("name"),
            "groups": groups,
            "overall_from": family,
        },
    }


def _map_distributions(
    study: dict[str, Any],
    mapping: StudyMapping,
    census: Any,
    country: str,
    language: str,
) -> dict[str, Any]:
    header: list[str] = study["pending"]["header"]
    table: list[list[str]] = study["pending"]["table"]
    suggested = {c["name"]: c.get("suggested_role") for c in study["columns"]}
    roles = dict(mapping.roles or {})
    for name, role in suggested.items():
        if role and role not in roles:
            roles[role] = name
    problems: list[dict[str, Any]] = []
    for role in ("question", "option", "value"):
        if role not in roles:
            problems.append(
                _problem(
                    f"roles.{role}",
                    f"say which column holds the {role}; columns: " + ", ".join(header),
                    "missing_role",
                )
            )
    for role, column in roles.items():
        if role not in _ROLE_WORDS:
            problems.append(
                _problem(
                    f"roles.{role}",
                    f"unknown role {role!r}; allowed: " + ", ".join(_ROLE_WORDS),
                    "unknown_role",
                )
            )
        elif column not in header:
            problems.append(
                _problem(
                    f"roles.{role}",
                    f"no column {column!r}; columns: " + ", ".join(header),
                    "unknown_column",
                )
            )
    if problems:
        raise UploadInvalid(problems)
    index = {role: header.index(col) for role, col in roles.items()}
    labels: dict[str, str] = {}
    group_specs: dict[str, dict[str, Any]] = {}
    for j, group_value in enumerate(mapping.groups or []):
        spec = _group_spec(group_value, "group", census, f"groups.{j}", problems)
        if spec:
            labels[group_value.value] = spec[0]
            group_specs[spec[0]] = spec[1]
    data: dict[
        str, dict[str, dict[str, list[float]]]
    ] = {}  # q -> group -> option -> [v, n]
    option_order: dict[str, list[str]] = {}
    unmapped: set[str] = set()
    for r, row in enumerate(table):
        question, option = row[index["question"]], row[index["option"]]
        raw_group = row[index["group"]] if "group" in index else ""
        value = _number(row[index["value"]])
        if not question or not option:
            continue
        if value is None or value < 0:
            problems.append(
                _problem(
                    f"rows.{r + 2}",
                    f"{roles['value']!r} must be a "
                    f"non-negative number, got {row[index['value']]!r}",
                    "not_a_number",
                )
            )
            continue
        group = (
            OVERALL
            if raw_group.strip().lower() in _OVERALL_WORDS
            else labels.get(raw_group)
        )
        if group is None:
            unmapped.add(raw_group)
            continue
        n = _number(row[index["n"]]) if "n" in index else None
        option_order.setdefault(question, [])
        if option not in option_order[question]:
            option_order[question].append(option)
        cell = data.setdefault(question, {}).setdefault(group, {})
        cell[option] = [value, n or 0.0]
    if unmapped:
        problems.append(
            _problem(
                "groups",
                "say which census cell each group is; unmapped: "
                + ", ".join(sorted(unmapped)),
                "unmapped_group",
            )
        )
    if problems:
        raise UploadInvalid(problems[:50])
    questions: list[dict[str, Any]] = []
    for i, (question, by_group) in enumerate(data.items()):
        options = option_order[question]
        if len(options) < 2:
            continue
        cells: dict[str, dict[str, Any]] = {}
        for group, values in by_group.items():
            shares_ = [values.get(o, [0.0, 0.0])[0] for o in options]
            total = sum(shares_)
            if total <= 0:
                continue
            n = max((v[1] for v in values.values()), default=0.0) or (
                total
                if total > 1.5 and all(float(s).is_integer() for s in shares_)
                else 0.0
            )
            cells[group] = {"n": int(n), "p": [round(s / total, 6) for s in shares_]}
        scale = (mapping.scales or {}).get(question, "ordinal")
        questions.append(
            {
                "id": _slug(question, i),
                "short": question[:60],
                "topic": "study",
                "question": question,
                "options": options,
                "scale": "binary"
                if len(options) == 2 and scale == "ordinal"
                else scale,
                "groups": cells,
            }
        )
    families = {gid.split(":", 1)[0] for gid in group_specs}
    return _stored(
        study, questions, group_specs, next(iter(families), None), country, language
    )
