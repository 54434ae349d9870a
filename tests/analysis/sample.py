"""A small focus group as plain values (no database): answers written to show
clear patterns (price is criticised by older, rural participants; convenience
is praised by younger, urban ones)."""

from __future__ import annotations

import uuid

from sight.analysis.inputs import AnswerRecord, GroupRecord

_EN = [
    # (name, age_group, gender, urban_rural, answers to Q1, Q2)
    (
        "Anna Smith",
        "25-34",
        "female",
        "urban",
        "I love how convenient it is. Ordering from my phone would save me time "
        "every week.",
        "The delivery option is great for busy people like me.",
    ),
    (
        "Mark Jones",
        "25-34",
        "male",
        "urban",
        "It's really practical and easy to use, I'd recommend it.",
        "Quick delivery is a big plus, I would happily pay for that.",
    ),
    (
        "Ruth Miller",
        "65+",
        "female",
        "rural",
        "It's far too expensive for a pensioner. I don't trust the subscription "
        "model either.",
        "The price is the problem, nobody in my village would pay that much.",
    ),
    (
        "George Brown",
        "65+",
        "male",
        "rural",
        "Way overpriced. I'm worried about hidden costs.",
        "I usually shop at the local store and I don't see the point.",
    ),
    (
        "Lisa Clark",
        "35-44",
        "female",
        "urban",
        "It depends on the price, I would compare it with other shops first.",
        "Delivery is convenient, but the price has to be fair.",
    ),
    (
        "Tom White",
        "45-54",
        "male",
        "rural",
        "I'd need more information about the quality before deciding.",
        "The price seems too high for what it is, I would not pay it.",
    ),
]


def english_group() -> GroupRecord:
    return _group(_EN, "en", ["What is your first impression?", "Would you buy it?"])


_PL = [
    (
        "Anna Kowalska",
        "25-34",
        "female",
        "urban",
        "Bardzo mi się podoba, jest wygodne. Zamówienie przez telefon oszczędza "
        "mi czas.",
        "Dostawa do domu to dla mnie ogromny plus.",
    ),
    (
        "Piotr Nowak",
        "25-34",
        "male",
        "urban",
        "Praktyczne i łatwe w obsłudze, poleciłbym znajomym.",
        "Szybka dostawa to świetna sprawa, chętnie bym za to zapłacił.",
    ),
    (
        "Halina Wiśniewska",
        "65+",
        "female",
        "rural",
        "Za drogie dla emerytki. Nie ufam też tym subskrypcjom.",
        "Cena to problem, nikt u nas na wsi by tyle nie zapłacił.",
    ),
    (
        "Józef Wójcik",
        "65+",
        "male",
        "rural",
        "Zdecydowanie za drogie. Boję się ukrytych kosztów.",
        "Zwykle robię zakupy w sklepie obok i nie widzę sensu.",
    ),
]


def polish_group() -> GroupRecord:
    return _group(
        _PL, "pl", ["Jakie jest Pana/Pani pierwsze wrażenie?", "Czy kupiłby Pan to?"]
    )


def _group(
    rows: list[tuple[str, str, str, str, str, str]], language: str, questions: list[str]
) -> GroupRecord:
    answers: list[AnswerRecord] = []
    for name, age, gender, place, first, second in rows:
        persona_id = uuid.uuid4()
        for index, text in enumerate((first, second)):
            answers.append(
                AnswerRecord(
                    id=uuid.uuid4(),
                    persona_id=persona_id,
                    persona_name=name,
                    segment=f"{age}/{gender}/middle",
                    demographics={
                        "age_group": age,
                        "gender": gender,
                        "urban_rural": place,
                        "education": "secondary",
                        "income_band": "middle",
                    },
                    question_index=index,
                    question=questions[index],
                    text=text,
                )
            )
    return GroupRecord(
        id=uuid.uuid4(),
        project_id=uuid.uuid4(),
        name="Grocery delivery" if language == "en" else "Dostawa zakupów",
        language=language,
        country="PL" if language == "pl" else "US",
        questions=questions,
        answers=answers,
    )
