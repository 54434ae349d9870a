"""Entity and relation extraction: the structured model output, its mapping to a
fixed vocabulary, and the offline engine's version of it.

Model output is data, never schema: entity and relation types are mapped onto
the whitelists below (unknown types become `concept` / `related_to`), names are
stored as properties, and nothing from a model or a document ever becomes a
label, a relationship type or query text.
"""

from __future__ import annotations

import itertools
import re
import uuid
from typing import Any

from pydantic import BaseModel, Field

from sight.knowledge.highlight import fold
from sight.knowledge.store import ChunkFacts, EntityFact, RelationFact
from sight.llm.providers.offline import OfflineInput, facts_block, offline_composer

PROMPT_VERSION = "knowledge.extract/1"
MAX_ENTITIES_PER_CHUNK = 30
MAX_RELATIONS_PER_CHUNK = 30

ENTITY_TYPES = (
    "organisation",
    "product",
    "demographic",
    "trend",
    "indicator",
    "location",
    "person",
    "event",
    "concept",
)
_TYPE_SYNONYMS = {
    "organization": "organisation",
    "company": "organisation",
    "brand": "organisation",
    "retailer": "organisation",
    "institution": "organisation",
    "segment": "demographic",
    "audience": "demographic",
    "group": "demographic",
    "metric": "indicator",
    "statistic": "indicator",
    "kpi": "indicator",
    "number": "indicator",
    "place": "location",
    "country": "location",
    "city": "location",
    "region": "location",
    "service": "product",
    "category": "product",
}
RELATION_TYPES = (
    "competes_with",
    "produces",
    "sells",
    "targets",
    "prefers",
    "uses",
    "located_in",
    "part_of",
    "owns",
    "partners_with",
    "influences",
    "measures",
    "related_to",
)


class ExtractedEntity(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    type: str = Field(description="one of: " + ", ".join(ENTITY_TYPES))
    description: str = Field("", max_length=500)


class ExtractedRelation(BaseModel):
    source: str = Field(description="name of an extracted entity")
    target: str = Field(description="name of an extracted entity")
    type: str = Field("related_to", description="one of: " + ", ".join(RELATION_TYPES))
    description: str = Field("", max_length=300, description="one short sentence")


class Extraction(BaseModel):
    entities: list[ExtractedEntity] = Field(default_factory=list)
    relations: list[ExtractedRelation] = Field(default_factory=list)


SYSTEM = (
    "You extract facts for market research from one passage of a document. "
    "List the entities the passage names: organisations and brands, products, "
    "demographic groups, trends, indicators (numbers, shares, prices), locations, "
    "people and events. Use the passage's own wording for names. Then list "
    "relations between those entities that the passage states, each with a "
    "short description. Do not add anything the passage does not say. "
    f"Entity types: {', '.join(ENTITY_TYPES)}. "
    f"Relation types: {', '.join(RELATION_TYPES)}."
)


def extraction_prompt(text: str, heading: str, title: str) -> str:
    return (
        f"Document: {title}\nSection: {heading or '-'}\n\nPassage:\n{text}\n\n"
        + facts_block({"passage": text})
    )


_SPACES = re.compile(r"\s+")


def entity_key(name: str) -> str:
    return _SPACES.sub(" ", fold(name)).strip()


def normalise_entity_type(raw: str) -> str:
    value = raw.strip().lower().replace("-", "_").replace(" ", "_")
    value = _TYPE_SYNONYMS.get(value, value)
    return value if value in ENTITY_TYPES else "concept"


def normalise_relation_type(raw: str) -> str:
    value = re.sub(r"[^a-z]+", "_", raw.strip().lower()).strip("_")
    return value if value in RELATION_TYPES else "related_to"


def to_facts(chunk_id: uuid.UUID, extraction: Extraction) -> ChunkFacts:
    facts = ChunkFacts(chunk_id)
    by_name: dict[str, tuple[str, str]] = {}
    for entity in extraction.entities[:MAX_ENTITIES_PER_CHUNK]:
        name = _SPACES.sub(" ", entity.name).strip()
        key = entity_key(name)
        if not key:
            continue
        type_ = normalise_entity_type(entity.type)
        if key not in by_name:
            by_name[key] = (type_, key)
            facts.entities.append(
                EntityFact(type_, name[:300], key[:300], entity.description.strip())
            )
    for relation in extraction.relations[:MAX_RELATIONS_PER_CHUNK]:
        source = by_name.get(entity_key(relation.source))
        target = by_name.get(entity_key(relation.target))
        if source is None or target is None or source == target:
            continue  # a relation must connect two entities of this passage
        facts.relations.append(
            RelationFact(
                source,
                target,
                normalise_relation_type(relation.type),
                relation.description.strip()[:300],
            )
        )
    return facts


# ---- offline engine -----------------------------------------------------------

_QUOTES = "'\u2019"
_CAP = rf"[A-ZÀ-ÖØ-ÞĄĆĘŁŃÓŚŹŻ][\w&{_QUOTES}.-]*"
_NAME = re.compile(rf"(?<![\w-])({_CAP}(?:\s+(?:of\s+|de\s+|&\s+)?{_CAP}){{0,4}})")
_PERCENT = re.compile(r"\d+(?:[.,]\d+)?\s?%(?:\s+[^\s.,;:]+){0,3}")
_AGES = re.compile(r"(?:aged|w wieku)\s+\d{2}\s?[-\u2013]\s?\d{2}(?:\s+lat)?", re.I)
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_ORG_HINTS = re.compile(
    r"\b(S\.A\.|Sp\. z o\.o\.|Inc|Ltd|GmbH|Group|Bank|Polska|Foods?)\b", re.I
)
_PLACES = frozenset(
    entity_key(p)
    for p in (
        "Poland Polska Warsaw Warszawa Krakow Kraków Gdansk Gdańsk Wroclaw Wrocław "
        "Poznan Poznań Lodz Łódź Europe Germany Sweden France Spain Italy London "
        "Berlin USA"
    ).split()
)
_DEMOGRAPHIC_WORDS = re.compile(
    r"\b(students?|seniors?|millennials|Gen Z|women|men|parents|teenagers|"
    r"families|studenci|seniorzy|kobiety|mężczyźni|rodzice)\b",
    re.I,
)
_RELATION_HINTS = (
    (re.compile(r"\bcompet|\bkonkur", re.I), "competes_with"),
    (re.compile(r"\b(sell|sold|sprzeda)", re.I), "sells"),
    (re.compile(r"\b(prefer|preferuj)", re.I), "prefers"),
    (re.compile(r"\b(produc|manufactur|produkuj)", re.I), "produces"),
)


def _guess_type(name: str) -> str:
    if entity_key(name) in _PLACES or any(
        entity_key(w) in _PLACES for w in name.split()[-1:]
    ):
        return "location" if not _ORG_HINTS.search(name) else "organisation"
    if _ORG_HINTS.search(name):
        return "organisation"
    return "concept"


# Capitalised for grammar, not because they name something: articles,
# pronouns, conjunctions, sentence openers, RFC keywords (MUST, SHALL), in
# English and Polish. A name made only of these is no entity, and they are
# trimmed from the front of longer names ("The European Union").
_NOT_NAMES = frozenset(
    entity_key(w)
    for w in (
        "a an the this that these those each every any all some such other "
        "another both either neither it its it's if in on at for to of and or "
        "but nor not no yes so as by with from into onto after before because "
        "while since although though unless until when where what which who "
        "whom whose why how also however moreover therefore thus then than "
        "there here we you they he she i me us our your their his her my "
        "example examples note notes see e.g i.e etc must shall should may "
        "might can could will would required recommended optional "
        "many most more less only just even first second third last next "
        "one two three new section chapter table figure page appendix "
        "ten ta to te ci tego tej tym tych w we na z ze do od i oraz ale lub "
        "albo czy jak gdy kiedy jeśli jeżeli każdy każda każde wszyscy "
        "wszystkie ich jego jej nasz nasza wasz tak nie już także również "
        "przykład uwaga np który która które dla przez po przy pod nad o a "
        "natomiast jednak dlatego więc zatem gdzie co kto"
    ).split()
)
# Dates are no entities: a month or a weekday alone, or with numbers
# ("December", "December 2024", "Monday"), in English and Polish.
_CALENDAR = frozenset(
    entity_key(w)
    for w in (
        "january february march april may june july august september october "
        "november december jan feb mar apr jun jul aug sep sept oct nov dec "
        "monday tuesday wednesday thursday friday saturday sunday "
        "styczeń stycznia luty lutego marzec marca kwiecień kwietnia maj maja "
        "czerwiec czerwca lipiec lipca sierpień sierpnia wrzesień września "
        "październik października listopad listopada grudzień grudnia "
        "poniedziałek wtorek środa czwartek piątek sobota niedziela"
    ).split()
)
# After one of these a single capitalised word is a defined term of the text
# ("This License", "the Program", "such Work"), not a name.
_DETERMINERS = frozenset(
    "the this that these those each every such any our your their its his "
    "her ten ta tego tej".split()
)
_LINE_OPENERS = frozenset(".:;!?\n\u2022\u00b7-\u2013\u2014(\"'\u201e\u00ab*>#|")
# "a) ", "(iv) ", "2. ", "- ": the marker of a list item.
_ITEM_MARKER = re.compile(
    r"[\s\"'\u201e\u00ab(*\u2022\u00b7\u2013\u2014-]*"
    r"(?:\(?(?:[a-zA-Z]|[ivxIVX]{1,4}|\d{1,3}(?:\.\d{1,3})*)[.)]\s*)?"
)


def _opens_sentence(sentence: str, start: int) -> bool:
    """At the start of the sentence, of a line, of a list item or after a
    colon: where any word is capitalised."""
    before = sentence[:start].rstrip(" \t")
    if not before or _ITEM_MARKER.fullmatch(before):
        return True
    line = before.rsplit("\n", 1)[-1]
    if _ITEM_MARKER.fullmatch(line):
        return True
    return before[-1] in _LINE_OPENERS


def _sentence_entities(sentence: str) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []
    for match in _NAME.finditer(sentence):
        words = match.group(1).rstrip(".-" + _QUOTES).split()
        start = match.start()
        while words and entity_key(words[0].rstrip(".,")) in _NOT_NAMES:
            start = sentence.find(words[0], start) + len(words[0])
            words = words[1:]
        name = " ".join(words)
        if not words or len(name) < 3 or name.isdigit():
            continue
        if all(entity_key(w.rstrip(".,")) in _NOT_NAMES for w in words):
            continue
        if all(
            entity_key(w.rstrip(".,")) in _CALENDAR or w.rstrip(".,").isdigit()
            for w in words
        ):
            continue
        trimmed = len(words) < len(match.group(1).split())
        preceding = sentence[: match.start()].split()[-1:]
        if (
            len(words) == 1
            and (trimmed or (preceding and preceding[0].lower() in _DETERMINERS))
            and not (name.isupper() and len(name) <= 6)
            and entity_key(name) not in _PLACES
        ):
            continue
        # A lone capitalised word opening a sentence or a line is grammar,
        # not a name, unless it is an acronym or a known place.
        if (
            len(words) == 1
            and _opens_sentence(sentence, sentence.find(name, start))
            and not (name.isupper() and len(name) <= 6)
            and entity_key(name) not in _PLACES
        ):
            continue
        found.append({"name": name, "type": _guess_type(name)})
    for match in _PERCENT.finditer(sentence):
        found.append({"name": match.group(0).strip(" ,."), "type": "indicator"})
    for pattern in (_AGES, _DEMOGRAPHIC_WORDS):
        for match in pattern.finditer(sentence):
            found.append({"name": match.group(0), "type": "demographic"})
    return found


@offline_composer("knowledge.extract")
def offline_extract(offline_input: OfflineInput) -> dict[str, Any]:
    """Entities are the passage's capitalised names, percentages and age groups;
    relations link entities named in the same sentence, described by it."""
    passage = str(offline_input.facts.get("passage", ""))
    entities: dict[str, dict[str, str]] = {}
    relations: list[dict[str, str]] = []
    for sentence in _SENTENCE.split(passage):
        names: list[str] = []
        for entity in _sentence_entities(sentence):
            key = entity_key(entity["name"])
            entities.setdefault(key, {**entity, "description": sentence.strip()[:200]})
            if entities[key]["name"] not in names:
                names.append(entities[key]["name"])
        relation_type = next(
            (t for p, t in _RELATION_HINTS if p.search(sentence)), "related_to"
        )
        for source, target in itertools.pairwise(names):
            relations.append(
                {
                    "source": source,
                    "target": target,
                    "type": relation_type,
                    "description": sentence.strip()[:300],
                }
            )
    return {
        "entities": list(entities.values())[:MAX_ENTITIES_PER_CHUNK],
        "relations": relations[:MAX_RELATIONS_PER_CHUNK],
    }
