from __future__ import annotations

from sight.analysis.quotes import QuoteStats, check_evidence, locate
from sight.analysis.schemas import EvidenceDraft
from tests.analysis.sample import english_group

TEXT = "It's far too expensive for a pensioner. I don't trust the subscription."


def test_exact_quote_is_found_where_it_is() -> None:
    start, end, exact = locate("too expensive for a pensioner", TEXT) or (0, 0, False)
    assert exact
    assert TEXT[start:end] == "too expensive for a pensioner"


def test_slips_are_repaired_to_the_real_span() -> None:
    for slip in (
        "“Too expensive for a pensioner.”",  # quote marks, case
        "too  expensive\nfor a pensioner",  # spacing
        "…far too expensive for a pensioner…",  # ellipses
        "I do not trust the subscription",  # a word changed: fuzzy
    ):
        found = locate(slip, TEXT)
        assert found is not None, slip
        start, end, exact = found
        assert not exact
        assert TEXT[start:end] in TEXT
        assert len(TEXT[start:end]) >= 12


def test_invented_quotes_are_dropped_and_wrong_ids_fixed() -> None:
    group = english_group()
    ruth = next(a for a in group.answers if a.persona_name == "Ruth Miller")
    anna = next(a for a in group.answers if a.persona_name == "Anna Smith")
    stats = QuoteStats()
    evidence = check_evidence(
        group,
        [
            EvidenceDraft(response_id=str(ruth.id), quote="far too expensive"),
            # Cited under the wrong answer: found in Ruth's.
            EvidenceDraft(response_id=str(anna.id), quote="I don't trust the"),
            EvidenceDraft(response_id=str(anna.id), quote="Totally made up words."),
            EvidenceDraft(response_id="not-an-id", quote="Nothing like this at all"),
        ],
        stats,
    )
    assert [e.response_id for e in evidence] == [ruth.id, ruth.id]
    for item in evidence:
        answer = group.answer(item.response_id)
        assert answer is not None
        assert answer.text[item.start : item.end] == item.quote
    assert (stats.checked, stats.repaired, stats.dropped) == (4, 1, 2)
