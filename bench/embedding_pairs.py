"""Polish ↔ English sentence pairs for the local embedder's cross-lingual
quality: each Polish sentence's nearest English sentence (by cosine, among all
of them) should be its own translation, and the other way round. The topics
are the ones Sight's documents and personas talk about, several pairs share
words (prices, shops, brands) so that a model matching on surface words alone
does not pass.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

PAIRS: list[tuple[str, str]] = [
    (
        "Ceny mleka owsianego wzrosły w tym roku o piętnaście procent.",
        "Oat milk prices rose by fifteen percent this year.",
    ),
    (
        "Młode rodziny w Krakowie robią zakupy głównie w dyskontach.",
        "Young families in Krakow shop mainly at discount stores.",
    ),
    (
        "Studenci wybierają najtańszą kawę, nawet jeśli smakuje gorzej.",
        "Students choose the cheapest coffee even if it tastes worse.",
    ),
    (
        "Coraz więcej osób zamawia zakupy spożywcze przez internet.",
        "More and more people order groceries online.",
    ),
    (
        "Opakowanie z recyklingu jest dla mnie ważniejsze niż marka.",
        "Recycled packaging matters more to me than the brand.",
    ),
    (
        "Program lojalnościowy nie zatrzymał klientów, gdy konkurencja obniżyła ceny.",
        "The loyalty programme did not keep customers when competitors cut prices.",
    ),
    (
        "Emeryci na wsi rzadko korzystają z aplikacji bankowych.",
        "Rural pensioners rarely use banking apps.",
    ),
    (
        "Subskrypcja kawy kosztuje mniej niż codzienna wizyta w kawiarni.",
        "A coffee subscription costs less than a daily visit to a café.",
    ),
    (
        "Respondenci narzekali na zbyt długi czas dostawy.",
        "Respondents complained that delivery took too long.",
    ),
    (
        "Marki własne Lidla zyskały udział w rynku napojów roślinnych.",
        "Lidl's private labels gained market share in plant-based drinks.",
    ),
    (
        "Wolę płacić kartą niż gotówką, bo to szybsze.",
        "I prefer paying by card rather than cash because it is faster.",
    ),
    (
        "Rodzice zwracają uwagę na zawartość cukru w napojach dla dzieci.",
        "Parents pay attention to the sugar content of children's drinks.",
    ),
    (
        "Samochód elektryczny jest wciąż za drogi dla przeciętnej rodziny.",
        "An electric car is still too expensive for an average family.",
    ),
    (
        "W małych miastach brakuje sklepów ze zdrową żywnością.",
        "Small towns lack health food shops.",
    ),
    (
        "Reklama w mediach społecznościowych przekonała mnie do zakupu.",
        "An advert on social media convinced me to buy it.",
    ),
    (
        "Klienci porównują ceny w internecie przed wizytą w sklepie.",
        "Customers compare prices online before visiting the shop.",
    ),
    (
        "Zrezygnowałem z abonamentu, bo podnieśli opłatę miesięczną.",
        "I cancelled the subscription because they raised the monthly fee.",
    ),
    (
        "Najważniejszy jest dla mnie smak, a dopiero potem cena.",
        "Taste comes first for me, and only then the price.",
    ),
    (
        "Pracuję zdalnie, więc rzadziej kupuję lunch na mieście.",
        "I work from home, so I buy lunch in town less often.",
    ),
    (
        "Sprzedaż rowerów miejskich spadła po zakończeniu pandemii.",
        "Sales of city bikes fell after the pandemic ended.",
    ),
    (
        "Osoby starsze ufają bardziej lekarzowi niż opiniom w sieci.",
        "Older people trust their doctor more than online reviews.",
    ),
    (
        "Bilet miesięczny na komunikację miejską zdrożał o dwadzieścia złotych.",
        "The monthly public transport pass went up by twenty zlotys.",
    ),
    (
        "Kupuję ubrania z drugiej ręki, żeby oszczędzać i chronić środowisko.",
        "I buy second-hand clothes to save money and protect the environment.",
    ),
    (
        "Ankieta pokazała, że kobiety częściej czytają etykiety produktów.",
        "The survey showed that women read product labels more often.",
    ),
    (
        "Gdyby jakość była taka sama, zmieniłbym markę dla małej zniżki.",
        "If the quality stayed the same, I would switch brands for a small discount.",
    ),
    (
        "Mieszkańcy Warszawy wydają najwięcej na jedzenie poza domem.",
        "Warsaw residents spend the most on eating out.",
    ),
    (
        "Nie ufam sklepom internetowym, które nie mają polskiego adresu.",
        "I do not trust online shops that have no Polish address.",
    ),
    (
        "Rolnicy skarżą się na niskie ceny skupu zboża.",
        "Farmers complain about low grain purchase prices.",
    ),
    (
        "Dostawa następnego dnia to dla mnie standard, a nie luksus.",
        "Next-day delivery is a standard for me, not a luxury.",
    ),
    (
        "Wakacje nad Bałtykiem są dziś droższe niż wyjazd do Grecji.",
        "A holiday on the Baltic is now more expensive than a trip to Greece.",
    ),
    (
        "Młodzi dorośli rzadziej oglądają telewizję, a częściej podcasty.",
        "Young adults watch television less and listen to podcasts more.",
    ),
    (
        "Czynsz pochłania prawie połowę mojej pensji.",
        "Rent takes almost half of my salary.",
    ),
    (
        "Piekarnia na rogu zamknęła się, bo rachunki za prąd były za wysokie.",
        "The bakery on the corner closed because the electricity bills were too high.",
    ),
    (
        "Zamawiam jedzenie z aplikacji tylko w weekendy.",
        "I order food from an app only at weekends.",
    ),
    (
        "Firma planuje wprowadzić napój proteinowy dla sportowców.",
        "The company plans to launch a protein drink for athletes.",
    ),
    (
        "Darmowy zwrot towaru jest powodem, dla którego kupuję w tym sklepie.",
        "Free returns are the reason I shop at this store.",
    ),
    (
        "W grupie fokusowej padło wiele uwag o nieczytelnym menu.",
        "The focus group made many remarks about the confusing menu.",
    ),
    (
        "Mój syn gra na telefonie zamiast czytać książki.",
        "My son plays on his phone instead of reading books.",
    ),
    (
        "Inflacja sprawiła, że kupujemy mniej mięsa.",
        "Inflation has made us buy less meat.",
    ),
    (
        "Kawa z automatu na stacji benzynowej jest zaskakująco dobra.",
        "The vending machine coffee at the petrol station is surprisingly good.",
    ),
]


def recall_at_1(
    embed: Callable[[list[str]], Sequence[Sequence[float]]],
) -> tuple[float, float]:
    """(Polish → English, English → Polish) share of sentences whose nearest
    sentence in the other language is their own translation."""
    polish = _unit(embed([pl for pl, _ in PAIRS]))
    english = _unit(embed([en for _, en in PAIRS]))
    similarity = polish @ english.T
    truth = np.arange(len(PAIRS))
    return (
        float(np.mean(similarity.argmax(axis=1) == truth)),
        float(np.mean(similarity.argmax(axis=0) == truth)),
    )


def _unit(rows: Sequence[Sequence[float]]) -> np.ndarray:  # type: ignore[type-arg]
    matrix = np.asarray(rows, dtype=np.float64)
    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)
