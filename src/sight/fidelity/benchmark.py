"""Benchmarks: human answer distributions per question and demographic group.

A benchmark is a JSON file in `data/` in the format of the GSS 2018 file
(`meta` + one question per line with options in order and, per group, the
human `p` and unweighted `n`), plus a `<name>.sight.json` beside it that says
how to draw a persona sample matching each group (which census dimension a
group restricts, or an attribute outside the census such as race).

A researcher's uploaded study (see `upload.py`) is turned into the same
`Benchmark` shape, so one run and one set of measures serve both.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from sight.kit.errors import SightError

OVERALL = "overall"


class BenchmarkInvalid(SightError):
    """422: a selection names questions or groups the benchmark lacks."""

    status_code = 422

    @property
    def kind(self) -> str:
        return "ValidationError"


@dataclass(frozen=True)
class HumanCell:
    n: int
    p: list[float]
    uniform_baseline: float | None = None
    overall_as_prediction: float | None = None


@dataclass(frozen=True)
class GroupSpec:
    """How to sample personas of a group.

    kind "dimension": a census dimension restricted to `categories`;
    kind "age": exact ages within [age_min, age_max];
    kind "attribute": an attribute outside the census fixed to `value`;
    kind "overall": the population itself.
    """

    id: str
    kind: str
    dimension: str | None = None
    categories: tuple[str, ...] = ()
    age_min: int | None = None
    age_max: int | None = None
    attribute: str | None = None
    value: str | None = None
    label: str | None = None

    @property
    def family(self) -> str:
        """What the group varies (age, sex, ...): the part before the colon."""
        return self.id.split(":", 1)[0] if ":" in self.id else self.id

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "kind": self.kind}
        if self.dimension:
            out |= {"dimension": self.dimension, "categories": list(self.categories)}
        if self.age_min is not None:
            out |= {"age": [self.age_min, self.age_max]}
        if self.attribute:
            out |= {"attribute": self.attribute, "value": self.value}
        if self.label:
            out["label"] = self.label
        return out


def group_spec(group_id: str, raw: dict[str, Any]) -> GroupSpec:
    label = raw.get("label")
    if "age" in raw:
        low, high = raw["age"]
        return GroupSpec(
            group_id, "age", age_min=int(low), age_max=int(high), label=label
        )
    if "dimension" in raw:
        return GroupSpec(
            group_id,
            "dimension",
            dimension=str(raw["dimension"]),
            categories=tuple(str(c) for c in raw["categories"]),
            label=label,
        )
    if "attribute" in raw:
        return GroupSpec(
            group_id,
            "attribute",
            attribute=str(raw["attribute"]),
            value=str(raw["value"]),
            label=label,
        )
    if group_id == OVERALL or raw.get("kind") == "overall":
        return GroupSpec(group_id, "overall", label=label)
    raise ValueError(f"group {group_id!r} says neither dimension, age nor attribute")


@dataclass(frozen=True)
class BenchQuestion:
    id: str
    topic: str
    text: str
    options: list[str]
    scale: str  # ordinal | binary | nominal
    groups: dict[str, HumanCell]
    volunteered: list[int] = field(default_factory=list)
    short: str | None = None  # e.g. the GSS variable name

    @property
    def k(self) -> int:
        return len(self.options)


@dataclass(frozen=True)
class Benchmark:
    name: str
    title: str
    country: str
    language: str
    citation: str | None
    source: dict[str, Any]
    questions: list[BenchQuestion]
    groups: list[GroupSpec]  # persona groups, "overall" first when present
    attributes: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Groups (by family) that partition the population: the overall synthetic
    # distribution is their census-weighted mixture (no extra sample needed).
    overall_from: str | None = None
    perfect_table: dict[str, float] = field(default_factory=dict)
    summary: dict[str, dict[str, float]] = field(default_factory=dict)

    def question(self, question_id: str) -> BenchQuestion:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(question_id)

    def group(self, group_id: str) -> GroupSpec:
        for g in self.groups:
            if g.id == group_id:
                return g
        raise KeyError(group_id)

    def select(
        self, questions: list[str] | None, groups: list[str] | None
    ) -> Benchmark:
        """The benchmark restricted to some questions and groups (422 naming what
        is allowed when a name is unknown). Questions match by id or short name,
        case-insensitively."""
        problems: list[dict[str, Any]] = []
        chosen_q = self.questions
        if questions:
            index: dict[str, BenchQuestion] = {}
            for q in self.questions:
                index[q.id.lower()] = q
                if q.short:
                    index[q.short.lower()] = q
            chosen_q = []
            for position, name in enumerate(questions):
                found = index.get(name.strip().lower())
                if found is None:
                    problems.append(
                        _problem(
                            ["body", "questions", position],
                            f"unknown question {name!r}; allowed: "
                            + ", ".join(q.short or q.id for q in self.questions),
                            "unknown_question",
                        )
                    )
                elif found not in chosen_q:
                    chosen_q.append(found)
        chosen_g = self.groups
        if groups:
            known = {g.id.lower(): g for g in self.groups}
            chosen_g = []
            for position, name in enumerate(groups):
                spec = known.get(name.strip().lower())
                if spec is None:
                    problems.append(
                        _problem(
                            ["body", "groups", position],
                            f"unknown group {name!r}; allowed: "
                            + ", ".join(g.id for g in self.groups),
                            "unknown_group",
                        )
                    )
                elif spec not in chosen_g:
                    chosen_g.append(spec)
        if problems:
            raise BenchmarkInvalid(problems)
        return Benchmark(
            name=self.name,
            title=self.title,
            country=self.country,
            language=self.language,
            citation=self.citation,
            source=self.source,
            questions=chosen_q,
            groups=chosen_g,
            attributes=self.attributes,
            overall_from=self.overall_from,
            perfect_table=self.perfect_table,
            summary=self.summary,
        )


def _problem(loc: list[str | int], msg: str, kind: str) -> dict[str, Any]:
    return {
        "loc": loc,
        "field": ".".join(str(p) for p in loc[1:]),
        "msg": msg,
        "type": kind,
    }


def available() -> list[str]:
    """Names of the benchmarks shipped with Sight."""
    folder = resources.files("sight.fidelity") / "data"
    return sorted(
        entry.name.removesuffix(".sight.json")
        for entry in folder.iterdir()
        if entry.name.endswith(".sight.json")
    )


def _read(name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    folder = resources.files("sight.fidelity") / "data"
    data = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
    spec = json.loads((folder / f"{name}.sight.json").read_text(encoding="utf-8"))
    return data, spec


@lru_cache(maxsize=8)
def load_benchmark(name: str) -> Benchmark:
    """A shipped benchmark by name (422 listing the available ones otherwise)."""
    names = available()
    if name not in names:
        raise BenchmarkInvalid(
            [
                _problem(
                    ["body", "benchmark"],
                    f"unknown benchmark {name!r}; available: " + ", ".join(names),
                    "unknown_benchmark",
                )
            ]
        )
    data, spec = _read(name)
    return build_benchmark(name, data, spec)


def build_benchmark(name: str, data: dict[str, Any], spec: dict[str, Any]) -> Benchmark:
    """A benchmark from the file format (`data`) and its sampling spec; also
    used for uploaded studies, which are stored in the same shape."""
    meta = data.get("meta", {})
    questions = [
        BenchQuestion(
            id=q["id"],
            topic=q.get("topic", "general"),
            text=q["question"],
            options=list(q["options"]),
            scale=q.get("scale", "ordinal"),
            groups={
                g: HumanCell(
                    n=int(cell["n"]),
                    p=[float(x) for x in cell["p"]],
                    uniform_baseline=cell.get("uniform_baseline"),
                    overall_as_prediction=cell.get("overall_as_prediction"),
                )
                for g, cell in q["groups"].items()
            },
            volunteered=list(q.get("volunteered_options", [])),
            short=q.get("gss_variable") or q.get("short"),
        )
        for q in data["questions"]
    ]
    has_overall = any(OVERALL in q["groups"] for q in data["questions"])
    groups = [GroupSpec(OVERALL, "overall", label="overall")] if has_overall else []
    groups += [group_spec(g, raw) for g, raw in spec["groups"].items()]
    source = meta.get("source", {})
    return Benchmark(
        name=name,
        title=spec.get("title", meta.get("name", name)),
        country=spec["country"],
        language=spec.get("language", "en"),
        citation=source.get("citation") if isinstance(source, dict) else None,
        source={
            "name": meta.get("name"),
            "survey": source.get("survey") if isinstance(source, dict) else source,
            "weight": meta.get("weight"),
            "missing": meta.get("missing"),
            "terms": source.get("terms") if isinstance(source, dict) else None,
            "year": spec.get("year"),
        },
        questions=questions,
        groups=groups,
        attributes=spec.get("attributes", {}),
        overall_from=spec.get("overall_from"),
        perfect_table={
            str(k): float(v)
            for k, v in meta.get(
                "expected_score_of_perfect_simulator_by_sample_size_overall", {}
            ).items()
        },
        summary=meta.get("summary_by_group", {}),
    )


def scored_options(question: BenchQuestion, volunteered: str) -> list[int]:
    """Option indices asked and scored: volunteered answers (not read out by the
    interviewer) are left out when `volunteered == "omit"`."""
    if volunteered == "omit" and question.volunteered and question.k > 2:
        return [i for i in range(question.k) if i not in question.volunteered]
    return list(range(question.k))


def human_shares(cell: HumanCell, kept: list[int]) -> list[float]:
    """The human distribution over the kept options, renormalised."""
    values = [cell.p[i] for i in kept]
    total = sum(values)
    return [v / total for v in values] if total > 0 else values
