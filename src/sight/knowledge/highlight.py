"""Query terms and highlighted snippets.

Snippets are HTML-escaped text with matches wrapped in `<mark>…</mark>`, so
the web app can render them as HTML without trusting document text. PostgreSQL
marks matches with `ts_headline` (stemming-aware) using control characters that
cannot occur in documents, which are turned into tags after escaping; Neo4j
snippets are made here, matching words by their first letters.
"""

from __future__ import annotations

import html
import re
import unicodedata

START, STOP = "\x02", "\x03"
_WORD = re.compile(r"\w+", re.UNICODE)
# Prefix matching stands in for stemming: "consumers" matches "consumer".
_STEM = 5
SNIPPET_WORDS = 40


def fold(text: str) -> str:
    """Lower-case without diacritics: "Łódź" → "lodz"."""
    decomposed = unicodedata.normalize("NFKD", text.lower().replace("ł", "l"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def query_terms(query: str) -> list[str]:
    """Distinct words of a query, in order; safe to embed in any query syntax."""
    seen: dict[str, None] = {}
    for word in _WORD.findall(query):
        if len(word) > 1 or word.isdigit():
            seen.setdefault(word, None)
    return list(seen)


def marked_to_html(marked: str) -> str:
    """Escape text whose matches are wrapped in START/STOP, then tag them."""
    escaped = html.escape(marked, quote=False)
    return escaped.replace(START, "<mark>").replace(STOP, "</mark>")


def highlight(text: str, query: str, words: int = SNIPPET_WORDS) -> str:
    """The window of `words` words with the most query matches, marked."""
    stems = {fold(t)[:_STEM] for t in query_terms(query) if len(t) > 2}
    tokens = re.split(r"(\s+)", text.strip())
    word_positions = [i for i, tok in enumerate(tokens) if tok and not tok.isspace()]

    def matches(token: str) -> bool:
        core = _WORD.search(token)
        if core is None:
            return False
        word = core.group(0)
        # ASCII folds to its lower case: skip the Unicode normalisation
        # (issue 16: folding was most of a Neo4j search's Python time).
        return (word.lower() if word.isascii() else fold(word))[:_STEM] in stems

    hits = [matches(tokens[i]) for i in word_positions]
    # The first window with the most matches, by a running count.
    count = sum(hits[:words])
    best, best_count = 0, count
    for start in range(1, max(1, len(word_positions) - words + 1)):
        count += hits[start + words - 1] - hits[start - 1]
        if count > best_count:
            best, best_count = start, count
    chosen = word_positions[best : best + words]
    if not chosen:
        return ""
    marked = dict(zip(word_positions, hits, strict=True))
    pieces: list[str] = []
    for index in range(chosen[0], chosen[-1] + 1):
        token = tokens[index]
        if marked.get(index, False):
            pieces.append(START + token + STOP)
        else:
            pieces.append(token)
    prefix = "… " if best > 0 else ""
    suffix = " …" if best + words < len(word_positions) else ""
    return marked_to_html(prefix + "".join(pieces) + suffix)
