"""Open-text answers and rating answers in words, for the offline engine.

Composed from parts chosen by the persona's stance on the question and the
trait that drives it most (a tight budget, age, living in the country, ...),
in Polish or English, in the first person, so that answers read like different
people giving reasons, not one template with a name swapped in.
"""

from __future__ import annotations

import random
from typing import Any

from sight.surveys.offline import _WEIGHTS, _topics

_STANCE: dict[str, dict[str, list[str]]] = {
    "en": {
        "negative": [
            "Honestly, this is not for me.",
            "I am rather sceptical here.",
            "To be frank, I don't see the point.",
            "Not really, I would pass on this.",
            "I have my doubts about it.",
        ],
        "neutral": [
            "It depends.",
            "I am somewhere in the middle on this.",
            "Hard to say, I see pros and cons.",
            "I could go either way.",
            "Maybe, but I would need to know more.",
        ],
        "positive": [
            "I like the idea.",
            "Yes, this appeals to me.",
            "I would definitely be interested.",
            "That sounds good to me.",
            "I am quite keen on this.",
        ],
    },
    "pl": {
        "negative": [
            "Szczerze mówiąc, to nie dla mnie.",
            "Podchodzę do tego raczej sceptycznie.",
            "Nie widzę w tym większego sensu.",
            "Raczej nie, odpuściłbym to sobie.",
            "Mam co do tego spore wątpliwości.",
        ],
        "neutral": [
            "To zależy.",
            "Nie mam tu wyrobionego zdania.",
            "Trudno powiedzieć, widzę plusy i minusy.",
            "Mogłoby być różnie.",
            "Może, ale musiałbym wiedzieć więcej.",
        ],
        "positive": [
            "Podoba mi się ten pomysł.",
            "Tak, to do mnie przemawia.",
            "Na pewno byłbym zainteresowany.",
            "Brzmi dobrze.",
            "Jestem na tak.",
        ],
    },
}

# Why: the trait that moves this persona most on the question's topic.
_REASONS: dict[str, dict[tuple[str, int], list[str]]] = {
    "en": {
        ("income", -1): [
            "On my budget every dollar counts.",
            "Money is tight, so I compare prices carefully.",
        ],
        ("income", 1): [
            "I can afford to pay for what saves me trouble.",
            "Price matters less to me than whether it is worth it.",
        ],
        ("age", -1): [
            "I do most things on my phone anyway.",
            "People my age are used to trying new services.",
        ],
        ("age", 1): [
            "At {age} I prefer what I know works.",
            "I have seen many of these ideas come and go.",
        ],
        ("urban", 1): [
            "In the city everything is close and fast.",
            "Living in town I have plenty of options.",
        ],
        ("urban", -1): [
            "Where I live, out in the country, the choice is limited.",
            "Outside the city things take longer to reach us.",
        ],
        ("education", 1): [
            "I like to read up on things before I decide.",
            "I usually check the facts behind such claims.",
        ],
        ("education", -1): [
            "I go by what works in everyday life.",
            "I judge by my own experience, not by adverts.",
        ],
        ("female", 1): ["I think about what it means for the whole household."],
        ("female", -1): ["I look at it practically."],
        ("openness", 1): ["I enjoy trying something new."],
        ("openness", -1): ["I stick to my habits."],
        ("conscientiousness", 1): ["I plan my spending and my week carefully."],
        ("conscientiousness", -1): ["I tend to decide on the spot."],
        ("agreeableness", 1): ["I listen to what my friends recommend."],
        ("agreeableness", -1): ["I don't buy things just because others do."],
        ("neuroticism", 1): ["I worry about being disappointed."],
        ("neuroticism", -1): ["I don't overthink these things."],
        ("extraversion", 1): ["I talk about such things with friends a lot."],
        ("extraversion", -1): ["I keep to myself about such choices."],
    },
    "pl": {
        ("income", -1): [
            "Przy moich dochodach liczy się każda złotówka.",
            "Pieniędzy nie jest dużo, więc dokładnie porównuję ceny.",
        ],
        ("income", 1): [
            "Stać mnie na to, żeby zapłacić za wygodę.",
            "Cena jest dla mnie mniej ważna niż to, czy warto.",
        ],
        ("age", -1): [
            "I tak większość spraw załatwiam w telefonie.",
            "W moim wieku łatwo się próbuje nowych rzeczy.",
        ],
        ("age", 1): [
            "Mam {age_pl} i wolę to, co sprawdzone.",
            "Widziałem już wiele takich pomysłów, które przeminęły.",
        ],
        ("urban", 1): [
            "W mieście wszystko jest blisko i szybko.",
            "Mieszkam w mieście, więc mam duży wybór.",
        ],
        ("urban", -1): [
            "Na wsi, gdzie mieszkam, wybór jest mniejszy.",
            "Poza miastem wszystko dociera do nas wolniej.",
        ],
        ("education", 1): [
            "Zanim zdecyduję, lubię o tym poczytać.",
            "Zwykle sprawdzam, co stoi za takimi obietnicami.",
        ],
        ("education", -1): [
            "Kieruję się tym, co działa na co dzień.",
            "Oceniam po swoim doświadczeniu, nie po reklamach.",
        ],
        ("female", 1): ["Myślę o tym, co to znaczy dla całego domu."],
        ("female", -1): ["Patrzę na to praktycznie."],
        ("openness", 1): ["Lubię próbować nowych rzeczy."],
        ("openness", -1): ["Trzymam się swoich przyzwyczajeń."],
        ("conscientiousness", 1): ["Planuję wydatki i tydzień z wyprzedzeniem."],
        ("conscientiousness", -1): ["Zwykle decyduję spontanicznie."],
        ("agreeableness", 1): ["Słucham, co polecają znajomi."],
        ("agreeableness", -1): ["Nie kupuję czegoś tylko dlatego, że inni kupują."],
        ("neuroticism", 1): ["Boję się, że się rozczaruję."],
        ("neuroticism", -1): ["Nie zastanawiam się nad tym za długo."],
        ("extraversion", 1): ["Często rozmawiam o takich sprawach ze znajomymi."],
        ("extraversion", -1): ["Takie decyzje podejmuję sam."],
    },
}

_CONDITIONS: dict[str, dict[str, list[str]]] = {
    "en": {
        "price": ["A lower price or a trial period would convince me."],
        "tech": ["It has to be simple to use, without creating another account."],
        "eco": ["I would want proof that it really is better for the environment."],
        "health": ["I would check the ingredients first."],
        "convenience": ["What counts is that it saves me time."],
        "quality": ["Quality comes first for me."],
        "tradition": ["I trust local, proven products."],
        "new": ["I would try it once and see."],
        "general": [
            "I would need to see it in practice.",
            "A recommendation from someone I trust would help.",
            "Much depends on the details.",
        ],
    },
    "pl": {
        "price": ["Przekonałaby mnie niższa cena albo okres próbny."],
        "tech": ["Musiałoby to być proste, bez zakładania kolejnego konta."],
        "eco": ["Chciałbym dowodu, że to naprawdę lepsze dla środowiska."],
        "health": ["Najpierw sprawdziłbym skład."],
        "convenience": ["Liczy się dla mnie to, żeby oszczędzało mi czas."],
        "quality": ["Dla mnie najważniejsza jest jakość."],
        "tradition": ["Ufam lokalnym, sprawdzonym produktom."],
        "new": ["Spróbowałbym raz i zobaczył."],
        "general": [
            "Musiałbym zobaczyć, jak to działa w praktyce.",
            "Pomogłaby mi opinia kogoś, komu ufam.",
            "Wiele zależy od szczegółów.",
        ],
    },
}

_LEVELS: dict[str, list[list[str]]] = {
    "en": [
        ["Definitely not.", "Not at all, no.", "Absolutely not for me."],
        ["Rather not.", "Probably not.", "I doubt it."],
        ["Hard to say, maybe.", "I'm not sure either way.", "Neither yes nor no."],
        ["Rather yes.", "Probably yes.", "I quite like it."],
        ["Definitely yes!", "Absolutely, I love it.", "Yes, very much so."],
    ],
    "pl": [
        ["Zdecydowanie nie.", "Absolutnie nie.", "W ogóle mnie to nie przekonuje."],
        ["Raczej nie.", "Chyba nie.", "Mam wątpliwości."],
        ["Trudno powiedzieć, może.", "Nie mam zdania.", "Ani tak, ani nie."],
        ["Raczej tak.", "Chyba tak.", "Całkiem mi się podoba."],
        [
            "Zdecydowanie tak!",
            "Absolutnie tak, bardzo mi się podoba.",
            "Jak najbardziej.",
        ],
    ],
}


_BACKGROUND = {
    "age": 0.6,
    "income": 0.6,
    "urban": 0.4,
    "education": 0.4,
    "openness": 0.3,
    "conscientiousness": 0.3,
    "agreeableness": 0.3,
    "neuroticism": 0.3,
    "extraversion": 0.3,
}


def _article(noun: str) -> str:
    return "an" if noun[:1].lower() in "aeiou" else "a"


def _years_pl(age: int) -> str:
    if age % 10 in (2, 3, 4) and age % 100 not in (12, 13, 14):
        return f"{age} lata"
    return f"{age} lat"


def _reason(
    question: dict[str, Any],
    persona: dict[str, Any],
    traits: dict[str, float],
    language: str,
    rng: random.Random,
) -> str:
    text = f"{question['title']} {question.get('description') or ''}"
    pulls: dict[str, float] = {}
    for topic in _topics(text):
        for trait, weight in _WEIGHTS[topic].items():
            pulls[trait] = pulls.get(trait, 0.0) + weight * traits[trait]
    # Who the person is colours every answer a little; the strongest pull decides.
    for trait, weight in _BACKGROUND.items():
        pulls.setdefault(trait, weight * traits[trait])
    ranked = sorted(pulls.items(), key=lambda item: -abs(item[1]))
    trait, pull = ranked[0] if rng.random() < 0.75 else rng.choice(ranked[:3])
    sign = 1 if pull >= 0 else -1
    if trait in ("age", "urban", "income", "education", "female"):
        sign = 1 if traits[trait] >= 0 else -1
    options = (
        _REASONS[language].get((trait, sign)) or _REASONS[language][("openness", 1)]
    )
    age = int(persona.get("age") or 40)
    return rng.choice(options).format(age=age, age_pl=_years_pl(age))


def open_text(
    question: dict[str, Any],
    persona: dict[str, Any],
    traits: dict[str, float],
    propensity: float,
    language: str,
    rng: random.Random,
) -> str:
    lang = language if language in _STANCE else "en"
    stance = (
        "negative"
        if propensity < -0.4
        else "positive"
        if propensity > 0.4
        else "neutral"
    )
    parts = [
        rng.choice(_STANCE[lang][stance]),
        _reason(question, persona, traits, lang, rng),
    ]
    topic = rng.choice(
        _topics(f"{question['title']} {question.get('description') or ''}")
    )
    if rng.random() < 0.7:
        parts.append(rng.choice(_CONDITIONS[lang][topic]))
    occupation = persona.get("occupation")
    if occupation and rng.random() < 0.35:
        parts.insert(
            1,
            f"Pracuję jako {occupation}."
            if lang == "pl"
            else f"I work as {_article(occupation)} {occupation}.",
        )
    values = persona.get("values") or []
    if values and rng.random() < 0.3:
        value = rng.choice(values)
        parts.append(
            f"Dla mnie liczy się {value}."
            if lang == "pl"
            else f"What matters to me is {value}."
        )
    return " ".join(parts)


def rating_words(
    question: dict[str, Any],
    persona: dict[str, Any],
    traits: dict[str, float],
    level: float,
    language: str,
    rng: random.Random,
) -> str:
    lang = language if language in _LEVELS else "en"
    bucket = min(4, max(0, round(level * 4)))
    reason = _reason(question, persona, traits, lang, rng)
    return f"{rng.choice(_LEVELS[lang][bucket])} {reason}"
