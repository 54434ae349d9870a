"""Phrase banks of the offline engine's focus-group voices (Polish, English).

`⟨m|f⟩` picks the speaker's grammatical gender (Polish past and conditional
forms); `{kw}` is a word from the question, `{name}` the person answered,
`{value}`, `{pain}`, `{need}`, `{habit}`, `{interest}`, `{job}`, `{price}`
come from the persona and the stimulus. Banks are keyed by what shapes a
real voice: generation, stance, the kind of question, income and place.
"""

from __future__ import annotations

# ruff: noqa: E501 (phrase data reads better one phrase per line)

PHRASES: dict[str, dict[str, dict[str, list[str]]]] = {
    "pl": {
        "opener": {
            "young": ["Szczerze?", "No dobra,", "Serio,", "Powiem krótko:", "Hmm,"],
            "middle": [
                "Powiem tak:",
                "Wie pan, ja to widzę tak:",
                "Z mojej strony",
                "Dobra,",
                "No więc",
            ],
            "old": [
                "Proszę państwa,",
                "Ja powiem po swojemu:",
                "Wie pani,",
                "Cóż,",
                "Ja już swoje ⟨widziałem|widziałam⟩, więc",
            ],
        },
        "agree": {
            "any": [
                "{name} ma tu rację, bo",
                "Mam podobnie jak {name}.",
                "Podpisuję się pod tym, co mówi {name}:",
                "Tak jak {name}, widzę to podobnie.",
            ],
        },
        "disagree": {
            "any": [
                "Nie do końca się zgadzam, {name}.",
                "Ja to widzę inaczej niż {name}.",
                "{name}, tu się nie zgodzę.",
                "Mam inne zdanie niż {name}, u mnie jest odwrotnie.",
            ],
        },
        "positive": {
            "opinion": [
                "To mi się podoba, naprawdę.",
                "Jestem na tak, przynajmniej na start.",
                "Brzmi sensownie, ⟨chętny|chętna⟩ bym spróbował⟨|a⟩.",
                "Jeśli chodzi o „{kw}”, to jestem raczej za.",
            ],
            "price": [
                "Za {price} to uczciwa cena, ⟨zapłaciłbym|zapłaciłabym⟩.",
                "Taka kwota mnie nie odstrasza.",
                "Cena jest do przełknięcia, jeśli jakość się zgadza.",
            ],
            "intent": [
                "Tak, ⟨skorzystałbym|skorzystałabym⟩ z tego.",
                "Raczej tak, ⟨spróbowałbym|spróbowałabym⟩ choćby z ciekawości.",
                "Pewnie bym to ⟨wziął|wzięła⟩, przynajmniej na miesiąc.",
            ],
            "habit": [
                "U mnie to już jest codzienność.",
                "Robię to regularnie i dobrze mi z tym.",
                "To akurat mam dobrze ogarnięte.",
            ],
        },
        "negative": {
            "opinion": [
                "Mnie to nie przekonuje.",
                "Jestem sceptyczn⟨y|a⟩, i to mocno.",
                "Nie widzę tu nic dla siebie.",
                "Jeśli chodzi o „{kw}”, to mam spore wątpliwości.",
            ],
            "price": [
                "{price}? To dla mnie za drogo.",
                "Za tyle pieniędzy to ja wolę sam⟨|a⟩ coś ogarnąć.",
                "Ta cena mnie odstrasza, mówię wprost.",
            ],
            "intent": [
                "Nie, raczej bym się nie ⟨zdecydował|zdecydowała⟩.",
                "Nie skorzystał⟨bym|abym⟩, nie widzę potrzeby.",
                "⟨Odpuściłbym|Odpuściłabym⟩ to sobie.",
            ],
            "habit": [
                "Szczerze, rzadko to robię.",
                "U mnie to wygląda słabo, nie mam na to głowy.",
                "Prawie wcale, różnie to bywa.",
            ],
        },
        "mixed": {
            "opinion": [
                "Mam mieszane uczucia.",
                "Trochę tak, trochę nie.",
                "Nie jestem ani za, ani przeciw, zależy od szczegółów.",
                "Jeśli chodzi o „{kw}”, to widzę plusy i minusy.",
            ],
            "price": [
                "Przy {price} musiał⟨bym|abym⟩ to dobrze przeliczyć.",
                "Cena jest na granicy tego, co jestem ⟨gotów|gotowa⟩ dać.",
                "Może bym zapłacił⟨|a⟩, ale nie od razu.",
            ],
            "intent": [
                "Może, ale musiał⟨bym|abym⟩ najpierw zobaczyć, jak to działa.",
                "Nie wykluczam, ale bez entuzjazmu.",
                "Zależy, na jakich warunkach.",
            ],
            "habit": [
                "Różnie, raz częściej, raz rzadziej.",
                "Zależy od tygodnia, szczerze mówiąc.",
                "Czasem tak, ale bez reguły.",
            ],
        },
        "reason": {
            "value": [
                "Dla mnie liczy się przede wszystkim {value}.",
                "Patrzę na to przez pryzmat jednej rzeczy: {value}.",
                "Najważniejsza sprawa dla mnie to {value}, więc od tego zaczynam.",
            ],
            "pain": [
                "Mój największy problem to {pain}.",
                "Na co dzień najbardziej denerwuje mnie to: {pain}.",
                "Na co dzień męczy mnie jedno: {pain}, więc patrzę na to z tej strony.",
            ],
            "need": [
                "Potrzebuję czegoś, co pozwoli mi {need}.",
                "Chodzi mi głównie o to, żeby {need}.",
                "Jeżeli to pomoże mi {need}, to super.",
            ],
            "habit": [
                "U mnie zakupy to zwykle {habit}.",
                "Na co dzień korzystam głównie z tego: {habit}.",
                "Przyzwyczaił⟨em|am⟩ się do swojego sposobu: {habit}.",
            ],
            "job": [
                "Pracuję jako {job}, więc czasu mam mało.",
                "Jako {job} widzę, ile to kosztuje wysiłku.",
                "W mojej pracy, jako {job}, liczy się konkret.",
            ],
        },
        "voice": {
            "young": [
                "Jak jest dobra apka, to w ogóle spoko.",
                "Znajomi by to pewnie ogarnęli szybciej niż ja.",
                "Wszystko mam w telefonie, więc to musi być proste.",
                "Nie lubię, jak ktoś mi wciska abonament na siłę.",
                "Na studiach liczy się każda promocja, serio.",
                "Wszystko sprawdzam najpierw na TikToku albo w recenzjach.",
                "Jak coś nie działa w apce, to od razu odinstalowuję.",
            ],
            "middle": [
                "Mam dom na głowie, dzieci, pracę, więc liczy się wygoda.",
                "Z doświadczenia wiem, że obietnice to jedno, a życie drugie.",
                "Po pracy nie mam siły na kombinowanie.",
                "Wolę zapłacić raz a dobrze niż co chwilę coś poprawiać.",
                "Rano odwożę dzieci, potem praca, wieczorem zakupy — tak wygląda mój dzień.",
                "Przy kredycie i rachunkach człowiek liczy, na co wydaje.",
                "Żona i ja zawsze najpierw porównujemy oferty.",
            ],
            "old": [
                "Za moich czasów nikt by za to nie płacił co miesiąc.",
                "Wnuki mi pewnie pomogą to ustawić, sam⟨|a⟩ nie dam rady.",
                "Na emeryturze każdy grosz się liczy.",
                "Ja wolę porozmawiać z człowiekiem niż z aplikacją.",
                "Całe życie ⟨kupowałem|kupowałam⟩ w tym samym sklepie i pani mnie zna.",
                "Zdrowie już nie to, więc ważne, żeby nie trzeba było nigdzie chodzić.",
                "Listonosz i kurier to dla mnie jedno, byle przyszło.",
            ],
        },
        "income": {
            "low": [
                "U mnie każda złotówka jest policzona.",
                "Przy moich zarobkach to nie jest drobiazg.",
            ],
            "high": [
                "Pieniądze to nie problem, bardziej czas.",
                "Zapłacę więcej, jeśli będzie naprawdę dobrze.",
            ],
            "mid": [
                "Stać mnie, ale nie lubię przepłacać.",
                "Budżet mam, ale pilnuję go.",
            ],
        },
        "place": {
            "rural": [
                "U nas na wsi dostawy bywają różne.",
                "Do najbliższego sklepu mam kawałek drogi.",
            ],
            "urban": [
                "W mieście mam wszystko pod ręką, więc muszę mieć powód.",
                "Na osiedlu mam trzy sklepy, konkurencja jest duża.",
            ],
        },
        "condition": {
            "any": [
                "⟨Skusiłbym|Skusiłabym⟩ się, gdyby dało się zrezygnować w każdej chwili.",
                "Gdyby był okres próbny, to co innego.",
                "Musiał⟨bym|abym⟩ usłyszeć opinię od kogoś znajomego.",
                "Ważne, żeby nie było ukrytych opłat.",
            ],
        },
        "memory": {
            "any": [
                "Jak już mówił⟨em|am⟩: {memory}.",
                "Wracam do tego, co mówił⟨em|am⟩ wcześniej — {memory}.",
                "Trzymam się tego, co ⟨powiedziałem|powiedziałam⟩ przy poprzednim pytaniu: {memory}.",
            ],
        },
        "probe": {
            "any": [
                "Chodzi mi o to, że",
                "Konkretnie? To tak:",
                "Dobrze, doprecyzuję:",
                "Może podam przykład:",
            ],
        },
        "closer": {
            "any": [
                "Tyle ode mnie.",
                "Takie jest moje zdanie.",
                "Ale może się mylę.",
                "Zobaczymy, co powiedzą inni.",
            ],
        },
    },
    "en": {
        "opener": {
            "young": ["Honestly?", "Okay, so", "Real talk,", "Not gonna lie,", "Hmm,"],
            "middle": [
                "Look,",
                "The way I see it,",
                "From where I'm sitting,",
                "Okay,",
                "So",
            ],
            "old": [
                "Well,",
                "I'll put it plainly:",
                "At my age,",
                "You know,",
                "I've seen a lot of these, so",
            ],
        },
        "agree": {
            "any": [
                "I'm with {name} on this, because",
                "{name} has a point there —",
                "Same as {name}, really.",
                "I agree with {name}:",
            ],
        },
        "disagree": {
            "any": [
                "I don't quite agree with {name}.",
                "I see it differently from {name}.",
                "Sorry {name}, I'm not there.",
                "With respect to {name}, it's the opposite for me.",
            ],
        },
        "positive": {
            "opinion": [
                "I actually like it.",
                "I'm a yes, at least to start.",
                "It makes sense to me, I'd give it a go.",
                "When it comes to {kw}, I'm mostly for it.",
            ],
            "price": [
                "{price} is fair, I'd pay that.",
                "That amount doesn't scare me off.",
                "The price is fine if the quality holds up.",
            ],
            "intent": [
                "Yes, I'd use it.",
                "Probably yes, if only out of curiosity.",
                "I'd likely sign up, at least for a month.",
            ],
            "habit": [
                "It's already part of my routine.",
                "I do it regularly and it works for me.",
                "That one I've pretty much got sorted.",
            ],
        },
        "negative": {
            "opinion": [
                "It doesn't convince me.",
                "I'm skeptical, pretty strongly.",
                "I don't see anything in it for me.",
                "When it comes to {kw}, I have real doubts.",
            ],
            "price": [
                "{price}? That's too much for me.",
                "For that money I'd rather sort it out myself.",
                "The price puts me off, plain and simple.",
            ],
            "intent": [
                "No, I don't think I'd go for it.",
                "I wouldn't use it, I don't see the need.",
                "I'd pass on this one.",
            ],
            "habit": [
                "Honestly, I rarely do that.",
                "Not much, I don't have the headspace for it.",
                "Hardly ever, it depends.",
            ],
        },
        "mixed": {
            "opinion": [
                "I've got mixed feelings.",
                "Kind of yes, kind of no.",
                "I'm neither for nor against, it depends on the details.",
                "When it comes to {kw}, I see pros and cons.",
            ],
            "price": [
                "At {price} I'd have to do the math.",
                "The price is right at the edge of what I'd pay.",
                "Maybe I'd pay it, but not right away.",
            ],
            "intent": [
                "Maybe, but I'd need to see how it works first.",
                "I wouldn't rule it out, but I'm not excited.",
                "Depends on the terms.",
            ],
            "habit": [
                "It varies, some weeks more than others.",
                "Depends on the week, to be honest.",
                "Sometimes, but there's no pattern.",
            ],
        },
        "reason": {
            "value": [
                "What matters most to me is {value}.",
                "I look at everything through one lens: {value}.",
                "{value} comes first for me, so that's where I start.",
            ],
            "pain": [
                "My biggest headache is {pain}.",
                "I'm already fed up with {pain}.",
                "Day to day it's {pain} that gets to me, so that's how I judge it.",
            ],
            "need": [
                "I need something that helps me {need}.",
                "Mostly I just want to {need}.",
                "If it helps me {need}, great.",
            ],
            "habit": [
                "My shopping is usually {habit}.",
                "Day to day I rely on {habit}.",
                "I'm used to {habit}, and that's enough for me.",
            ],
            "job": [
                "I work as {job_a}, so I don't have much time.",
                "As {job_a} I know how much effort things take.",
                "In my job as {job_a} you want things concrete.",
            ],
        },
        "voice": {
            "young": [
                "If the app is good, I'm totally fine with it.",
                "My friends would figure it out faster than me.",
                "Everything's on my phone, so it has to be simple.",
                "I hate when they push a subscription on you.",
                "I'm a student, so every deal matters, seriously.",
                "I check TikTok or the reviews before I buy anything.",
                "If the app glitches, I delete it right away.",
            ],
            "middle": [
                "With the house, the kids and work, convenience wins.",
                "In my experience promises are one thing and real life another.",
                "After work I've got no energy to fiddle with stuff.",
                "I'd rather pay once and get it right than keep fixing things.",
                "School run in the morning, work, groceries at night — that's my day.",
                "With the mortgage and the bills, you watch where it goes.",
                "My partner and I always compare offers first.",
            ],
            "old": [
                "Back in my day nobody paid monthly for that.",
                "My grandkids would have to set it up for me.",
                "On a fixed income every dollar counts.",
                "I'd rather talk to a person than an app.",
                "I've shopped at the same store for thirty years and they know me.",
                "My health isn't what it was, so not having to go out matters.",
                "Mail or courier, it's all the same to me as long as it arrives.",
            ],
        },
        "income": {
            "low": [
                "Every dollar in my budget is already spoken for.",
                "On what I earn, that's not pocket change.",
            ],
            "high": [
                "Money isn't the issue, time is.",
                "I'll pay more if it's genuinely good.",
            ],
            "mid": [
                "I can afford it, but I hate overpaying.",
                "I have a budget and I stick to it.",
            ],
        },
        "place": {
            "rural": [
                "Out where I live, deliveries are hit or miss.",
                "The nearest store is a fair drive for me.",
            ],
            "urban": [
                "In the city everything's close, so it needs a reason.",
                "There are three stores on my block, plenty of choice.",
            ],
        },
        "condition": {
            "any": [
                "I'd be tempted if I could cancel anytime.",
                "A free trial would change things.",
                "I'd want to hear about it from someone I know.",
                "As long as there are no hidden fees.",
            ],
        },
        "memory": {
            "any": [
                "Like I said before: {memory}.",
                "Going back to what I said earlier — {memory}.",
                "I stand by what I said on the last question: {memory}.",
            ],
        },
        "probe": {
            "any": [
                "What I mean is,",
                "Concretely? Here's the thing:",
                "Okay, to be specific:",
                "Let me give an example:",
            ],
        },
        "closer": {
            "any": [
                "That's me.",
                "That's my take.",
                "But maybe I'm wrong.",
                "Curious what the others think.",
            ],
        },
    },
}

# Words that carry no topic: skipped when a question word is echoed.
STOPWORDS = {
    "pl": set(
        "a aby ale albo bo by być byś czy co czego czym dla do gdy gdyby jak jaka "
        "jaki jakie jakim jest jeśli już każdy kiedy która które który lub ma mi "
        "mnie może na nad nie o od oraz po pod przy się są ta tak też to tu tym w "
        "we wam was z za ze że państwo pan pani pana panu wasz wasze wasza sobie "
        "czemu dlaczego ile ten tej tego twoim twoja twoje waszym".split()
    ),
    "en": set(
        "a about an and any are as at be by can could do does did for from have "
        "how i if in is it its me my of on or our should so that the their them "
        "then there these they this to us was we were what when where which who "
        "why will with would you your".split()
    ),
}

# Question kinds, recognised by stems (lower case, accents kept).
INTENT_STEMS = {
    "price": (
        "cen",
        "zapłac",
        "płaci",
        "kosztu",
        "koszt",
        "price",
        "pay",
        "cost",
        "worth",
        "afford",
        "zł",
        "$",
    ),
    "intent": (
        "czy byś",
        "czy by",
        "skorzyst",
        "kupił",
        "kupiła",
        "would you",
        "will you",
        "sign up",
        "buy",
        "try",
        "użył",
    ),
    "habit": (
        "jak często",
        "how often",
        "zwykle",
        "usually",
        "currently",
        "obecnie",
        "teraz",
        "na co dzień",
        "routine",
    ),
}


PROBES = {
    "pl": {
        "divergent": [
            "{names} — słyszę tu zupełnie różne zdania. Co konkretnie sprawia, że jedni są na tak, a inni na nie?",
            "{names}, wasze odpowiedzi mocno się różnią. Gdzie dokładnie przebiega ta granica?",
        ],
        "vague": [
            "{names}, a gdyby to miało wejść w życie od jutra, co konkretnie by się u was zmieniło?",
            "{names}, proszę o przykład z ostatniego tygodnia. Jak to wyglądało?",
        ],
        "always": [
            "{names}, co musiałoby się stać, żebyście zmienili zdanie?",
            "{names}, a co w tym jest dla was najważniejsze i dlaczego?",
        ],
    },
    "en": {
        "divergent": [
            "{names} — I'm hearing very different views. What exactly makes some of you say yes and others no?",
            "{names}, your answers are far apart. Where exactly is the line for you?",
        ],
        "vague": [
            "{names}, if this started tomorrow, what concretely would change for you?",
            "{names}, can you give me an example from last week? What did it look like?",
        ],
        "always": [
            "{names}, what would have to happen for you to change your mind?",
            "{names}, what matters most to you here, and why?",
        ],
    },
}
