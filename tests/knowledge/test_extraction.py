"""Model output is mapped onto fixed vocabularies; offline extraction reads the
passage itself."""

from __future__ import annotations

import random
import uuid

from sight.knowledge.extraction import (
    ExtractedEntity,
    ExtractedRelation,
    Extraction,
    entity_key,
    extraction_prompt,
    offline_extract,
    to_facts,
)
from sight.llm.providers.offline import OfflineInput, _extract_facts


def test_types_are_mapped_to_the_whitelist() -> None:
    extraction = Extraction(
        entities=[
            ExtractedEntity(name="Oatly AB", type="Company"),
            ExtractedEntity(name="Kraków", type="city"),
            ExtractedEntity(name="Zeitgeist", type="Label`) DETACH DELETE n"),
            ExtractedEntity(name="  oatly   ab ", type="brand"),  # same entity
        ],
        relations=[
            ExtractedRelation(source="Oatly AB", target="Kraków", type="Located In"),
            ExtractedRelation(source="Oatly AB", target="Zeitgeist", type="DROP"),
            ExtractedRelation(source="Oatly AB", target="Nobody", type="owns"),
        ],
    )
    facts = to_facts(uuid.uuid4(), extraction)
    assert [(e.name, e.type) for e in facts.entities] == [
        ("Oatly AB", "organisation"),
        ("Kraków", "location"),
        ("Zeitgeist", "concept"),
    ]
    assert [r.type for r in facts.relations] == ["located_in", "related_to"]
    assert facts.relations[0].target == ("location", "krakow")


def test_keys_fold_case_accents_and_spaces() -> None:
    assert entity_key("  Łódź   Kaliska ") == "lodz kaliska"


def _offline(passage: str) -> dict[str, object]:
    prompt = extraction_prompt(passage, "Section", "Title")
    return offline_extract(
        OfflineInput(
            flow="knowledge.extract",
            system="",
            prompt=prompt,
            json_schema=None,
            rng=random.Random(1),
            facts=_extract_facts(prompt),
        )
    )


def test_offline_extraction_comes_from_the_passage() -> None:
    result = _offline(
        "In 2025 about 34% of consumers aged 18-34 in Warsaw bought oat milk. "
        "Alpro Polska and Oatly Sweden compete for the premium segment."
    )
    names = {e["name"]: e["type"] for e in result["entities"]}  # type: ignore[union-attr]
    assert names["Warsaw"] == "location"
    assert names["Alpro Polska"] == "organisation"
    assert "Oatly Sweden" in names
    assert names["aged 18-34"] == "demographic"
    assert any(n.startswith("34%") and t == "indicator" for n, t in names.items())
    assert "In" not in names  # a sentence's first word is not a name
    relation = next(
        r
        for r in result["relations"]  # type: ignore[union-attr]
        if r["source"] == "Alpro Polska"
    )
    assert relation["type"] == "competes_with"
    assert relation["target"] == "Oatly Sweden"
    assert "premium segment" in relation["description"]


def test_offline_extraction_of_plain_text_finds_nothing() -> None:
    assert _offline("no names here, only lower case words.") == {
        "entities": [],
        "relations": [],
    }


def test_defined_terms_and_dates_are_not_entities() -> None:
    """A licence's "This License" and "the Program", and a month, made junk
    nodes of the concept map; names beside them stay."""
    result = _offline(
        "This License applies to any Program released by the Free Software "
        "Foundation. You must give the Program to Acme Foods in December 2024, "
        "or on Monday. Sprzedaż w grudniu prowadzi Biedronka."
    )
    names = {e["name"] for e in result["entities"]}  # type: ignore[union-attr]
    assert {"Free Software Foundation", "Acme Foods", "Biedronka"} <= names
    assert not names & {"License", "This License", "Program", "December 2024"}
    assert not names & {"December", "Monday", "grudniu"}
