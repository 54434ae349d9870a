"""A researcher's own study: detected columns, nothing identifying kept, a
mapping that names census cells, and 422s that say what is allowed."""

from __future__ import annotations

import io

import pytest

from sight.fidelity.schemas import StudyMapping
from sight.fidelity.upload import UploadInvalid, analyse, apply_mapping

ROWS = [
    # id, email, sex, age, trust in the government (ordinal), brand (nominal)
    ("1", "a@x.pl", "Kobieta", "23", "Raczej tak", "A"),
    ("2", "b@x.pl", "Kobieta", "34", "Raczej nie", "B"),
    ("3", "c@x.pl", "Mężczyzna", "45", "Zdecydowanie nie", "A"),
    ("4", "d@x.pl", "Mężczyzna", "67", "Raczej nie", "C"),
    ("5", "e@x.pl", "Kobieta", "71", "Zdecydowanie tak", "A"),
    ("6", "f@x.pl", "Mężczyzna", "29", "Raczej tak", "B"),
]
OPTIONS = ["Zdecydowanie tak", "Raczej tak", "Raczej nie", "Zdecydowanie nie"]


def respondents_csv() -> bytes:
    lines = ["id;email;plec;wiek;zaufanie;marka"]
    lines += [";".join(r) for r in ROWS]
    return "\n".join(lines).encode("utf-8")


def mapping() -> StudyMapping:
    return StudyMapping.model_validate(
        {
            "group_columns": [
                {
                    "column": "plec",
                    "name": "sex",
                    "values": [
                        {
                            "value": "Kobieta",
                            "dimension": "gender",
                            "categories": ["female"],
                        },
                        {
                            "value": "Mężczyzna",
                            "dimension": "gender",
                            "categories": ["male"],
                        },
                    ],
                },
                {
                    "column": "wiek",
                    "name": "age",
                    "values": [
                        {"value": "18-39", "age": [18, 39]},
                        {"value": "40+", "age": [40, 100]},
                    ],
                },
            ],
            "question_columns": [
                {
                    "column": "zaufanie",
                    "text": "Czy ufasz rządowi?",
                    "options": OPTIONS,
                },
                {"column": "marka", "options": ["A", "B", "C"], "scale": "nominal"},
            ],
        }
    )


def test_respondent_rows_become_per_group_distributions() -> None:
    study = analyse("badanie.csv", respondents_csv())
    assert study["layout"] == "respondents"
    kinds = {c["name"]: c["kind"] for c in study["columns"]}
    assert kinds["id"] == "identifier"
    assert kinds["email"] == "identifier"
    assert kinds["wiek"] == "categorical"
    # Nothing identifying is kept, not even in the two-way counts.
    stored = repr(study["pending"]) + repr(study["columns"])
    assert "a@x.pl" not in stored
    mapped = apply_mapping(
        {**study, "name": "Badanie", "filename": "badanie.csv"},
        mapping(),
        country="pl",
        language="pl",
    )
    trust = mapped["data"]["questions"][0]
    assert trust["options"] == OPTIONS
    assert trust["groups"]["overall"] == {
        "n": 6,
        "p": pytest.approx([1 / 6, 2 / 6, 2 / 6, 1 / 6], abs=1e-6),
    }
    women = trust["groups"]["sex:Kobieta"]
    assert women["n"] == 3
    assert women["p"] == pytest.approx([1 / 3, 1 / 3, 1 / 3, 0], abs=1e-6)
    young = trust["groups"]["age:18-39"]  # ages 23, 34, 29
    assert young["p"] == pytest.approx([0, 2 / 3, 1 / 3, 0], abs=1e-6)
    assert mapped["data"]["questions"][1]["scale"] == "nominal"
    assert mapped["spec"]["groups"]["sex:Kobieta"] == {
        "dimension": "gender",
        "categories": ["female"],
        "label": "Kobieta",
    }
    assert mapped["spec"]["groups"]["age:40+"]["age"] == [40, 100]


def test_per_group_distributions_upload() -> None:
    text = (
        "question,option,group,share,n\n"
        "Czy ufasz rządowi?,Tak,Ogółem,40,1000\n"
        "Czy ufasz rządowi?,Nie,Ogółem,60,1000\n"
        "Czy ufasz rządowi?,Tak,Kobiety,45,520\n"
        "Czy ufasz rządowi?,Nie,Kobiety,55,520\n"
    )
    study = analyse("tabela.csv", text.encode())
    assert study["layout"] == "distributions"
    m = StudyMapping.model_validate(
        {
            "groups": [
                {"value": "Kobiety", "dimension": "gender", "categories": ["female"]}
            ]
        }
    )
    mapped = apply_mapping({**study, "name": "T"}, m, country="pl", language="pl")
    q = mapped["data"]["questions"][0]
    assert q["scale"] == "binary"
    assert q["groups"]["overall"] == {"n": 1000, "p": [0.4, 0.6]}
    assert q["groups"]["group:Kobiety"]["p"] == [0.45, 0.55]


def test_xlsx_is_read_like_csv() -> None:
    from openpyxl import Workbook  # type: ignore[import-untyped]

    book = Workbook()
    sheet = book.active
    sheet.append(["id", "email", "plec", "wiek", "zaufanie", "marka"])
    for r in ROWS:
        sheet.append([int(r[0]), r[1], r[2], int(r[3]), r[4], r[5]])
    out = io.BytesIO()
    book.save(out)
    study = analyse("badanie.xlsx", out.getvalue())
    assert study["layout"] == "respondents"
    mapped = apply_mapping(
        {**study, "name": "x"}, mapping(), country="pl", language="pl"
    )
    assert mapped["data"]["questions"][0]["groups"]["age:40+"]["n"] == 3


def test_bad_columns_and_values_are_named_with_what_is_allowed() -> None:
    study = analyse("badanie.csv", respondents_csv())
    bad = StudyMapping.model_validate(
        {
            "group_columns": [
                {
                    "column": "plec",
                    "values": [
                        {"value": "Kobieta", "dimension": "sex", "categories": ["f"]},
                        {
                            "value": "Inna",
                            "dimension": "gender",
                            "categories": ["male"],
                        },
                    ],
                }
            ],
            "question_columns": [
                {"column": "zaufanie", "options": ["Tak", "Nie"]},
                {"column": "email", "options": ["a", "b"]},
                {"column": "brak", "options": ["a", "b"]},
            ],
        }
    )
    with pytest.raises(UploadInvalid) as caught:
        apply_mapping({**study, "name": "x"}, bad, country="pl", language="pl")
    errors = caught.value.errors or []
    text = " | ".join(e["msg"] for e in errors)
    fields = {e["field"] for e in errors}
    assert "question_columns.1.column" in fields  # email: dropped
    assert "question_columns.2.column" in fields  # no such column
    assert "identifier" in text
    assert "columns: id, email, plec" in text
    with pytest.raises(UploadInvalid) as caught:
        apply_mapping(
            {**study, "name": "x"},
            StudyMapping.model_validate(
                {
                    **bad.model_dump(exclude_none=True),
                    "question_columns": [
                        {"column": "zaufanie", "options": ["Tak", "Nie"]}
                    ],
                }
            ),
            country="pl",
            language="pl",
        )
    text = " | ".join(e["msg"] for e in caught.value.errors or [])
    assert "unknown dimension 'sex'; allowed: age_group, gender" in text
    assert "'Inna' does not occur in 'plec'" in text
    assert "['Tak', 'Nie'] do not occur in 'zaufanie'" in text


def test_ages_distinct_per_person_are_not_taken_for_identifiers() -> None:
    lines = ["nr,wiek,kod,ocena"]
    lines += [f"{i},{18 + i},X{i:04d},{i % 3}" for i in range(40)]
    study = analyse("n.csv", "\n".join(lines).encode())
    kinds = {c["name"]: c["kind"] for c in study["columns"]}
    assert kinds == {
        "nr": "identifier",
        "wiek": "numeric",
        "kod": "identifier",
        "ocena": "categorical",
    }
    assert "X0001" not in repr(study)


def test_unreadable_files_are_refused() -> None:
    with pytest.raises(UploadInvalid, match="neither CSV nor XLSX"):
        analyse("raport.pdf", b"%PDF-1.4")
    with pytest.raises(UploadInvalid, match="header row and at least one data row"):
        analyse("pusty.csv", b"a,b,c\n")
    with pytest.raises(UploadInvalid, match="must be unique"):
        analyse("dup.csv", b"a,a\n1,2\n")
