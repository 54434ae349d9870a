"""A survey report says its bias-guard warnings in the report's language."""

from __future__ import annotations

from sight.exports.text import guard_notes

GUARDS = {
    "warnings": ["92% chose 'Tak': implausibly uniform for a varied sample"],
    "flags": [
        {"code": "uniform_option", "share": 0.92, "option": "Tak"},
        {"code": "ignores_demographic", "field": "income_band", "v": 0.04},
    ],
    "position_effect": {
        "flagged": True,
        "first_share": 0.61,
        "expected_share": 0.25,
        "p": 0.00012,
    },
}


def test_polish_report_gets_polish_warnings() -> None:
    notes = guard_notes(GUARDS, "pl")
    assert notes == [
        "92 % wybrało „Tak”: nienaturalnie jednolicie jak na zróżnicowaną próbę",
        "odpowiedzi nie mają związku z wymiarem „przedział dochodu”, choć pytanie "
        "dotyczy czegoś, co zwykle od niego zależy (V Craméra 0,04)",
        "efekt pozycji: odpowiedź pokazana jako pierwsza była wybierana w 61 % "
        "przypadków (oczekiwane 25 %, p = 0,0001)",
    ]


def test_english_report_and_no_flags() -> None:
    assert guard_notes(GUARDS, "en")[0] == (
        "92 % chose “Tak”: implausibly uniform for a varied sample"
    )
    assert guard_notes({"warnings": [], "flags": []}, "en") == []
