"""What the research is about, read from the project's research goal, and what
personas say about it: needs, pain points, a story line and quote parts per theme.

Polish first-person phrases that change with the speaker's sex are
(masculine, feminine) pairs; the rest are plain strings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

Phrase = str | tuple[str, str]


@dataclass(frozen=True)
class Theme:
    key: str
    stems: tuple[str, ...]
    topic: tuple[str, str] | None  # (pl, en) nominative noun phrase, for "X?" openers
    needs: tuple[tuple[str, ...], tuple[str, ...]]  # (pl, en)
    pains: tuple[tuple[str, ...], tuple[str, ...]]
    story: tuple[tuple[str, str], tuple[str, str]]  # ((pl open, pl wary), (en ...))
    reasons: tuple[tuple[Phrase, ...], tuple[str, ...]]


THEMES: tuple[Theme, ...] = (
    Theme(
        "plant",
        (
            "roślin",
            "wegań",
            "wegetar",
            "owsian",
            "sojow",
            "plant",
            "vegan",
            "vegetarian",
            "oat milk",
            "dairy-free",
        ),
        ("produkty roślinne", "plant-based products"),
        (
            (
                "znaleźć roślinny napój, który dobrze smakuje w kawie",
                "ograniczyć nabiał bez rezygnowania ze smaku",
                "kupować roślinne produkty w normalnej cenie",
            ),
            (
                "find a plant-based drink that tastes good in coffee",
                "cut down on dairy without giving up taste",
                "buy plant-based products at a normal price",
            ),
        ),
        (
            (
                "wysokie ceny roślinnych zamienników",
                "dziwny posmak niektórych napojów roślinnych",
                "mały wybór roślinnych produktów w sklepie osiedlowym",
            ),
            (
                "plant-based alternatives that cost more",
                "the odd aftertaste of some plant-based drinks",
                "little plant-based choice at the corner store",
            ),
        ),
        (
            (
                "Od czasu do czasu sięga po roślinne zamienniki mleka.",
                "Do roślinnych zamienników podchodzi z rezerwą.",
            ),
            (
                "Now and then {s} buys plant-based alternatives to milk.",
                "{S} is wary of plant-based alternatives.",
            ),
        ),
        (
            (
                "Roślinne zamienniki kupuję od czasu do czasu, głównie do kawy.",
                (
                    "Próbowałem kiedyś napoju owsianego i był całkiem niezły.",
                    "Próbowałam kiedyś napoju owsianego i był całkiem niezły.",
                ),
                "Nie rozumiem, dlaczego roślinne produkty są droższe od zwykłych.",
                "Jem mniej mięsa niż kiedyś, ale nie jestem na żadnej diecie.",
            ),
            (
                "I buy plant-based milk now and then, mostly for coffee.",
                "I tried oat milk once and it was pretty decent.",
                "I don't get why plant-based stuff costs more than the regular kind.",
                "I eat less meat than I used to, but I'm not on any diet.",
            ),
        ),
    ),
    Theme(
        "drinks",
        (
            "napoj",
            "napój",
            "mlek",
            "mleczn",
            "kaw",
            "herbat",
            "sok",
            "drink",
            "beverage",
            "milk",
            "coffee",
            "juice",
        ),
        ("napoje", "drinks"),
        (
            (
                "mieć coś do picia, co pasuje do śniadania",
                "kupić napój, który nie ma dużo cukru",
                "łatwo znaleźć ulubiony napój w sklepie",
            ),
            (
                "have something to drink that goes with breakfast",
                "buy a drink without much sugar",
                "find a favourite drink easily in the store",
            ),
        ),
        (
            (
                "napoje pełne cukru",
                "niejasne etykiety napojów",
                "napoje, które znikają z półek po miesiącu",
            ),
            (
                "drinks full of sugar",
                "confusing drink labels",
                "drinks that vanish from shelves after a month",
            ),
        ),
        (
            (
                "Codziennie pije kawę z mlekiem i lubi próbować nowych smaków.",
                "Pije to, co zna od lat, i rzadko zmienia przyzwyczajenia.",
            ),
            (
                "{S} drinks coffee with milk every day and likes trying new flavours.",
                "{S} drinks what {s} has known for years and rarely switches.",
            ),
        ),
        (
            (
                "Najważniejszy jest smak, reszta to dodatki.",
                "Jeśli smak mi nie podejdzie, drugi raz nie kupię.",
                "Do kawy muszę mieć coś, co się dobrze pieni.",
            ),
            (
                "Taste comes first, the rest is extras.",
                "If I don't like the taste, I won't buy it twice.",
                "For my coffee it has to froth properly.",
            ),
        ),
    ),
    Theme(
        "price",
        (
            "cen",
            "koszt",
            "tani",
            "price",
            "pricing",
            "cost",
            "cheap",
            "afford",
            "budget",
            "budżet",
            "ile zapłac",
            "willingness to pay",
        ),
        None,
        (
            (
                "płacić rozsądnie za dobrą jakość",
                "łatwo porównać ceny przed zakupem",
                "wiedzieć, kiedy są promocje",
            ),
            (
                "pay a fair price for decent quality",
                "compare prices easily before buying",
                "know when things go on sale",
            ),
        ),
        (
            (
                "rosnące ceny w sklepach",
                "promocje, które tylko udają okazję",
                "mniejsze opakowania w tej samej cenie",
            ),
            (
                "rising prices at the store",
                "sales that only pretend to be deals",
                "smaller packs at the same price",
            ),
        ),
        (
            (
                "Przy zakupach najpierw patrzy na cenę i chętnie korzysta z promocji.",
                "Pilnuje wydatków i nie lubi przepłacać.",
            ),
            (
                "{S} checks the price first and likes a good sale.",
                "{S} watches spending and hates overpaying.",
            ),
        ),
        (
            (
                "Liczę każdą złotówkę, więc cena musi być uczciwa.",
                "Jeśli będzie drożej niż to, co kupuję teraz, nie przejdę na to.",
                "W promocji pewnie wezmę, ale nie za każdą cenę.",
            ),
            (
                "Every dollar counts, so the price has to be fair.",
                "If it costs more than what I buy now, I'm not switching.",
                "On sale I'd probably grab it, but not at any price.",
            ),
        ),
    ),
    Theme(
        "health",
        (
            "zdrow",
            "diet",
            "cukier",
            "kalori",
            "białk",
            "health",
            "sugar",
            "calor",
            "nutri",
            "protein",
            "wellness",
        ),
        None,
        (
            (
                "jeść zdrowiej bez wielkich zmian w diecie",
                "szybko sprawdzić skład produktu",
                "mieć pewność, że produkt nie ma zbędnych dodatków",
            ),
            (
                "eat healthier without overhauling the diet",
                "check what's in a product quickly",
                "be sure there are no needless additives",
            ),
        ),
        (
            (
                "długie i niezrozumiałe składy",
                "dużo cukru w produktach dla dzieci",
                "brak czasu na gotowanie",
            ),
            (
                "long, unreadable ingredient lists",
                "lots of sugar in kids' products",
                "no time to cook",
            ),
        ),
        (
            (
                "Od pewnego czasu czyta etykiety i stara się jeść zdrowiej.",
                "Nie wierzy w modne diety i je to, co lubi.",
            ),
            (
                "Lately {s} reads labels and tries to eat healthier.",
                "{S} doesn't trust fad diets and eats what {s} likes.",
            ),
        ),
        (
            (
                "Zwracam uwagę na skład i na to, ile jest cukru.",
                (
                    "Po wizycie u lekarza zacząłem bardziej uważać na to, co jem.",
                    "Po wizycie u lekarza zaczęłam bardziej uważać na to, co jem.",
                ),
                "Chcę jeść zdrowiej, ale bez wyrzeczeń.",
            ),
            (
                "I look at the ingredients and how much sugar there is.",
                "After a check-up I started watching what I eat.",
                "I want to eat better, but without sacrifices.",
            ),
        ),
    ),
    Theme(
        "environment",
        (
            "ekolog",
            "środowisk",
            "klimat",
            "plastik",
            "recykl",
            "zrównoważ",
            "environment",
            "climate",
            "sustainab",
            "carbon",
            "plastic",
            "recycl",
            "green",
        ),
        ("ekologiczne produkty", "eco-friendly products"),
        (
            (
                "kupować produkty z mniejszą ilością opakowań",
                "wybierać lokalnie, gdy to możliwe",
                "wiedzieć, czy hasła ekologiczne są prawdziwe",
            ),
            (
                "buy products with less packaging",
                "choose local when possible",
                "know whether green claims are true",
            ),
        ),
        (
            (
                "nadmiar plastiku w opakowaniach",
                "greenwashing w reklamach",
                "drogie produkty ekologiczne",
            ),
            (
                "too much plastic packaging",
                "greenwashing in ads",
                "pricey eco products",
            ),
        ),
        (
            (
                "Segreguje śmieci i stara się ograniczać plastik.",
                "Uważa, że ekologia to często tylko marketing.",
            ),
            (
                "{S} recycles and tries to use less plastic.",
                '{S} thinks "eco" is mostly marketing.',
            ),
        ),
        (
            (
                "Staram się kupować tak, żeby mniej szkodzić środowisku.",
                "Denerwuje mnie, ile plastiku zostaje po zakupach.",
                "Ekologia jest ważna, ale nie może być tylko hasłem na opakowaniu.",
            ),
            (
                "I try to shop in a way that does less harm.",
                "It bugs me how much plastic is left after shopping.",
                "Green matters, but not as a slogan on the box.",
            ),
        ),
    ),
    Theme(
        "digital",
        (
            "aplikacj",
            "online",
            "internet",
            "cyfrow",
            "smartfon",
            "platform",
            "e-commerce",
            "apps",
            "mobile app",
            "digital",
            "smartphone",
            "website",
            "sztuczn",
            "artificial intelligence",
        ),
        ("aplikacje", "apps"),
        (
            (
                "załatwić sprawę w telefonie w kilka minut",
                "mieć jedną prostą aplikację zamiast kilku",
                "nie podawać więcej danych, niż trzeba",
            ),
            (
                "get things done on the phone in minutes",
                "have one simple app instead of several",
                "share no more data than needed",
            ),
        ),
        (
            (
                "skomplikowane aplikacje",
                "ciągłe aktualizacje i nowe hasła",
                "brak kontaktu z żywym człowiekiem",
            ),
            (
                "complicated apps",
                "constant updates and new passwords",
                "never reaching a real person",
            ),
        ),
        (
            (
                "Większość spraw załatwia przez telefon.",
                "Nowe aplikacje instaluje niechętnie.",
            ),
            (
                "{S} handles most things on {p} phone.",
                "{S} installs new apps reluctantly.",
            ),
        ),
        (
            (
                "Aplikacja musi być prosta, bo nie mam cierpliwości do kombinowania.",
                "Wszystko załatwiam w telefonie, jeśli tylko się da.",
                "Nie lubię zakładać kolejnych kont i podawać danych.",
            ),
            (
                "An app has to be simple, I have no patience for fiddling.",
                "I do everything on my phone if I can.",
                "I hate creating yet another account.",
            ),
        ),
    ),
    Theme(
        "finance",
        (
            "bank",
            "finans",
            "kredyt",
            "pożycz",
            "płatnoś",
            "inwest",
            "ubezpiecz",
            "loan",
            "payment",
            "invest",
            "saving",
            "insurance",
            "credit",
        ),
        ("usługi bankowe", "banking services"),
        (
            (
                "mieć kontrolę nad domowym budżetem",
                "odkładać co miesiąc choć trochę",
                "unikać ukrytych opłat",
            ),
            (
                "keep the household budget under control",
                "put a little aside every month",
                "avoid hidden fees",
            ),
        ),
        (
            ("ukryte opłaty", "niejasne warunki umów", "rosnące raty"),
            ("hidden fees", "unclear contract terms", "rising loan payments"),
        ),
        (
            (
                "Co miesiąc pilnuje domowego budżetu.",
                "Bankom nie ufa i czyta każdą umowę dwa razy.",
            ),
            (
                "{S} keeps a close eye on the monthly budget.",
                "{S} doesn't trust banks and reads every contract twice.",
            ),
        ),
        (
            (
                (
                    "Z pieniędzmi jestem ostrożny, wolę wiedzieć, za co płacę.",
                    "Z pieniędzmi jestem ostrożna, wolę wiedzieć, za co płacę.",
                ),
                "Ukryte opłaty to dla mnie powód, żeby zmienić bank.",
                "Chcę mieć wszystko czarno na białym, bez drobnego druku.",
            ),
            (
                "I'm careful with money, I want to know what I'm paying for.",
                "Hidden fees are reason enough to switch banks.",
                "I want it all in black and white, no fine print.",
            ),
        ),
    ),
)

GENERAL = Theme(
    "general",
    (),
    None,
    (
        (
            "mieć więcej czasu dla bliskich",
            "zrobić zakupy szybko, bez szukania",
            "kupować sprawdzone rzeczy bez ryzyka",
        ),
        (
            "have more time for the people close to them",
            "shop quickly without hunting around",
            "buy proven things without risk",
        ),
    ),
    (
        ("brak czasu", "długie kolejki", "słaba obsługa klienta"),
        ("lack of time", "long lines", "poor customer service"),
    ),
    (
        ("Ceni wygodę i sprawdzone rozwiązania.", "Nowości zwykle zostawia innym."),
        (
            "{S} values convenience and things that work.",
            "{S} usually leaves new things to others.",
        ),
    ),
    (
        (
            "Najważniejsze, żeby było szybko i bez kombinowania.",
            "Ufam opiniom znajomych bardziej niż reklamom.",
            "Kupuję raczej z przyzwyczajenia niż z ciekawości.",
        ),
        (
            "It just has to be quick and simple.",
            "I trust friends' opinions more than ads.",
            "I buy out of habit more than curiosity.",
        ),
    ),
)

_WORD = re.compile(r"\w[\w-]*", re.UNICODE)


def detect(*texts: str) -> list[Theme]:
    """Themes whose word stems occur in the research goal (or the project's name)."""
    words = " ".join(_WORD.findall(" ".join(texts).casefold()))
    found = [
        t
        for t in THEMES
        if any(re.search(rf"\b{re.escape(s)}", words) for s in t.stems)
    ]
    return found


def topic(themes: list[Theme], language: str) -> str | None:
    """A short noun phrase naming what is researched, in the nominative."""
    keys = {t.key for t in themes}
    if {"plant", "drinks"} <= keys:
        return "napoje roślinne" if language == "pl" else "plant-based drinks"
    for theme in themes:
        if theme.topic is not None:
            return theme.topic[0 if language == "pl" else 1]
    return None
