"""What may be cited: passages related enough to the question, and prose.

A search ranks everything; a citation claims the passage supports what is
said. So citations (answers, persona segment briefs: everything that calls
`retrieve()`) keep only chunks that
- pass the relevance floor: cosine similarity to the question of at least the
  embedder's floor, or at least half of the question's content words found in
  the passage (prefix matching, so "opłaty" matches "opłatę"), and
- read as prose: a table of codes or a hex dump (`00000010 74 65 78 74 …`)
  matches queries by accident and supports nothing.
No citation is better than an unrelated one.

Floors are cosine similarities and depend on the embedding model: measured
for the local model on the GPL text (an answering passage 0.18-0.25 for
English and Polish questions, an unrelated question's best 0.04-0.15);
`SIGHT_KNOWLEDGE__RELEVANCE_FLOOR` overrides them.
"""

from __future__ import annotations

from sight.knowledge.highlight import fold, query_terms

# Cosine floors by embedder name (`local`, `openai`, `gemini`, ...).
FLOORS = {"local": 0.17}
# Other models: a low floor that only drops the clearly unrelated.
DEFAULT_FLOOR = 0.2

_STOP = frozenset(
    fold(w)
    for w in (
        "what which who whom whose when where why how does did have has the and "
        "for with from that this are was were about into their there they them "
        "can could may might should would will shall not any all some our your "
        "czy jak jaki jaka jakie jakiej kto gdzie kiedy dlaczego ile się oraz "
        "jest są który która które dla przez mogę może można mam ma być nie tak "
        "ten ta to te tej tego czym czego".split()
    )
)


def floor_for(embedder_name: str, configured: float | None = None) -> float:
    if configured is not None:
        return configured
    return FLOORS.get(embedder_name, DEFAULT_FLOOR)


def content_stems(text: str) -> set[str]:
    """Content words as 5-letter prefixes, folded: a rough stemmer that works
    the same for English and the inflections of Polish."""
    return {
        fold(t)[:5] for t in query_terms(text) if len(t) > 2 and fold(t) not in _STOP
    }


def word_coverage(question: str, text: str) -> float:
    wanted = content_stems(question)
    if not wanted:
        return 0.0
    return len(wanted & content_stems(text)) / len(wanted)


def _is_word(token: str) -> bool:
    # Mostly letters: "Mazowieckie", "don't", "COVID-19"; not "0x3F", "6e",
    # "A1B2" or "00000010".
    letters = sum(1 for ch in token if ch.isalpha())
    alnum = sum(1 for ch in token if ch.isalnum())
    return letters >= 2 and letters >= 0.7 * alnum


def prose_share(text: str) -> float:
    """Share of the tokens (table bars aside) that are words. Numbers, codes
    and dot leaders count against it, so a hex dump, a list of codes or a
    table of contents scores low while a table of regions and shares does not."""
    tokens = [t for t in text.split() if t.strip("|")]
    if not tokens:
        return 0.0
    return sum(1 for t in tokens if _is_word(t)) / len(tokens)


def is_prose(text: str) -> bool:
    return prose_share(text) >= 0.5


def is_relevant(
    question: str, text: str, vector_score: float | None, floor: float
) -> bool:
    if vector_score is not None and vector_score >= floor:
        return True
    return word_coverage(question, text) >= 0.5
