"""What offline personas say in their quote: an opener (often naming the
research topic), a stance that matches their openness, and a reason drawn from
the research themes or their own situation."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from sight.personas.offline import grammar
from sight.personas.offline.themes import GENERAL, Theme, topic

# Share of quotes that give a second reason (a repair always does).
SECOND_REASON = 0.25

if TYPE_CHECKING:
    from sight.personas.offline.compose import Person, Role


def _say(phrase: str | tuple[str, str], person: Person) -> str:
    if isinstance(phrase, tuple):
        return phrase[1] if person.female else phrase[0]
    return phrase


_OPENERS_PL = (
    "Szczerze?",
    "Powiem tak.",
    "Dla mnie to proste.",
    "Wiem jedno.",
    "Nie będę ukrywać.",
    "Z doświadczenia wiem jedno.",
    "Tak między nami?",
    "Zacznę od tego, co ważne.",
    "Mam prostą zasadę.",
    "Powiem, jak jest.",
)
_OPENERS_EN = (
    "Honestly?",
    "Here's the thing.",
    "For me it's simple.",
    "I'll be straight with you.",
    "I know one thing.",
    "Look.",
    "Between you and me?",
    "Let me start with what matters.",
    "I have a simple rule.",
    "I'll tell you how it is.",
)
_TOPIC_OPENERS_PL = (
    "{t}?",
    "{t}? Dobre pytanie.",
    "{t}? Powiem szczerze.",
    "{t}? Mam na ten temat swoje zdanie.",
)
_TOPIC_OPENERS_EN = (
    "{t}?",
    "{t}? Good question.",
    "{t}? I'll be honest.",
    "{t}? I have my views on that.",
)
_STANCES_PL: dict[str, tuple[str | tuple[str, str], ...]] = {
    "open": (
        "Chętnie spróbuję czegoś nowego.",
        (
            "Jestem ciekaw, jak to wypadnie w praktyce.",
            "Jestem ciekawa, jak to wypadnie w praktyce.",
        ),
        "Lubię testować nowości, więc dam temu szansę.",
        "Jeśli ktoś mi poleci, od razu sprawdzę.",
    ),
    "neutral": (
        "Spróbuję, jeśli przekona mnie konkret.",
        "Nie mam nic przeciwko, ale potrzebuję powodu, żeby zmienić przyzwyczajenia.",
        (
            "Musiałbym najpierw zobaczyć to na własne oczy.",
            "Musiałabym najpierw zobaczyć to na własne oczy.",
        ),
    ),
    "wary": (
        "Podchodzę do takich nowości ostrożnie.",
        "Raczej zostanę przy tym, co znam.",
        "Nie dam się złapać na reklamę.",
        "Wolę poczekać, aż inni sprawdzą.",
    ),
}
_STANCES_EN = {
    "open": (
        "I'm happy to try something new.",
        "I'm curious how it works out in practice.",
        "I like testing new things, so I'd give it a go.",
        "If someone recommends it, I'll check it out right away.",
    ),
    "neutral": (
        "I'd try it if something concrete convinced me.",
        "I don't mind, but I need a reason to change my habits.",
        "I'd have to see it for myself first.",
    ),
    "wary": (
        "I'm careful with new stuff like this.",
        "I'll probably stick with what I know.",
        "Ads don't fool me.",
        "I'd rather wait until others have tried it.",
    ),
}
_PERSONAL_PL = {
    "working": (
        "wiem, ile jest warta dobra jakość.",
        "liczę się z każdym wydatkiem.",
        "mam mało wolnego czasu, więc cenię wygodę.",
        "widzę na co dzień, jak ludzie wybierają.",
    ),
    "other": (
        "liczę się z każdym wydatkiem.",
        "mam czas, żeby porównać, co się opłaca.",
    ),
}
_PERSONAL_EN = {
    "working": (
        "I know what good quality is worth.",
        "I watch every expense.",
        "I have little free time, so convenience matters.",
        "I see every day how people choose.",
    ),
    "other": ("I watch every expense.", "I have time to compare what's worth it."),
}


def compose_quote(
    person: Person,
    role: Role,
    themes: list[Theme],
    stance: str,
    rng: random.Random,
    *,
    longer: bool = False,
) -> str:
    """Opener, stance and a reason; `longer` adds a second reason (a repair
    asked for a quote that differs from the ones already in the sample)."""
    pl = person.language == "pl"
    subject = topic(themes, person.language)
    if subject and rng.random() < 0.6:
        opener = rng.choice(_TOPIC_OPENERS_PL if pl else _TOPIC_OPENERS_EN)
        opener = opener.format(t=grammar.sentence(subject))
    else:
        opener = rng.choice(_OPENERS_PL if pl else _OPENERS_EN)
    said = _say(rng.choice(_STANCES_PL[stance] if pl else _STANCES_EN[stance]), person)
    if rng.random() < 0.3:
        endings = (_PERSONAL_PL if pl else _PERSONAL_EN)[
            "working" if role.stage == "working" else "other"
        ]
        title = role.title if pl else grammar.article(role.title)
        reason = (
            f"Jako {title} {rng.choice(endings)}"
            if pl
            else f"As {title}, {rng.choice(endings)}"
        )
    else:
        reason = _theme_reason(person, themes, rng)
    if longer or rng.random() < SECOND_REASON:
        extra = _theme_reason(person, [*themes, GENERAL], rng)
        if extra != reason:
            reason = f"{reason} {extra}"
    return f"{opener} {said} {reason}"


def _theme_reason(person: Person, themes: list[Theme], rng: random.Random) -> str:
    theme = rng.choice(themes or [GENERAL])
    return _say(rng.choice(theme.reasons[0 if person.language == "pl" else 1]), person)
