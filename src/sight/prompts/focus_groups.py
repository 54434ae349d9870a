"""Prompts of focus groups: a persona's turn, the moderator's probe, interviews.

Every prompt ends with a facts block (JSON the offline engine reads back; real
models read it as plain context), so the offline engine answers from the same
inputs a model gets: who speaks, what was asked, what was said before.
"""

from __future__ import annotations

from typing import Any

from sight.llm.providers.offline import facts_block

PROMPT_VERSION = "focus-groups-2026-12-01.2"

_LANGUAGE = {"pl": "Polish", "en": "English"}

_MODE_RULES = {
    "normal": "You answer on your own; you have not heard the others.",
    "discussion": (
        "You are in the room with the others. React to what they said when it "
        "matters to you: agree, disagree or build on it, naming the person."
    ),
    "adversarial": (
        "You are in the room with the others. The moderator wants the concept "
        "tested hard: look for its weak points, doubt claims, push back where "
        "your own life gives you reason to, and name the person you answer."
    ),
}


def persona_card(persona: dict[str, Any]) -> str:
    profile = persona.get("profile", {})
    lines = [
        f"Name: {persona['full_name']}, {persona['age']}, {persona['occupation']}",
        f"Lives in: {persona['location']} ({persona['urban_rural']})",
        f"Education: {persona['education']}; income band: {persona['income_band']}",
        f"Values: {', '.join(profile.get('values', []))}",
        f"Needs: {'; '.join(profile.get('needs', []))}",
        f"Pain points: {'; '.join(profile.get('pain_points', []))}",
        f"Shopping: {'; '.join(profile.get('shopping_habits', []))}",
        f"Story: {str(profile.get('background_story', ''))[:600]}",
    ]
    traits = profile.get("big_five")
    if isinstance(traits, dict):
        scored = ", ".join(f"{k} {float(v):.1f}" for k, v in traits.items())
        lines.append(f"Personality (0-1): {scored}")
    return "\n".join(lines)


def answer_system(persona: dict[str, Any], language: str, turn_words: int) -> str:
    return (
        "You are a participant in a market research focus group, not an "
        "assistant. Speak as this person, in the first person, the way they "
        "talk: their vocabulary, their worries, their experience.\n"
        f"{persona_card(persona)}\n"
        f"Say about {turn_words} words (a person talking, not an essay): no "
        "lists, no headings, no summary of the question, no 'as a persona'. "
        "Disagree when you disagree; say 'I don't know' when you would. Stay "
        f"consistent with what you said before. Speak {_LANGUAGE[language]}."
    )


def answer_prompt(facts: dict[str, Any]) -> str:
    parts = [
        f"Research context: {facts.get('project_context') or '(none given)'}",
    ]
    stimulus = facts.get("stimulus")
    if stimulus and stimulus.get("image"):
        # The picture itself is attached to this message; the words are the
        # researcher's, so react to what you see.
        parts.append(
            f"Shown to the group: the attached image {stimulus.get('title', '')}\n"
            f"(the researcher's note on it: {stimulus['content']})"
        )
    elif stimulus:
        parts.append(
            f"Shown to the group ({stimulus['kind']}): {stimulus.get('title', '')}\n"
            f"{stimulus['content']}"
        )
    memory = facts.get("memory") or []
    if memory:
        remembered = "\n".join(f"- {m['text']}" for m in memory)
        parts.append(f"What you said earlier in this research:\n{remembered}")
    heard = facts.get("heard") or []
    if heard:
        said = "\n".join(f"{h['name']}: {h['text']}" for h in heard)
        parts.append(f"Said so far in the room about this question:\n{said}")
    parts.append(_MODE_RULES[str(facts.get("mode", "normal"))])
    reply_to = facts.get("reply_to")
    if reply_to:
        parts.append(f"You are reacting in particular to {reply_to['name']}.")
    if facts.get("probe"):
        parts.append(
            f"The moderator asked: {facts['question']}\n"
            f"Then followed up, to you among others: {facts['probe']}"
        )
    else:
        parts.append(f"The moderator asks: {facts['question']}")
    parts.append(facts_block(facts))
    return "\n\n".join(parts)


MODERATOR_SYSTEM = (
    "You are an experienced qualitative research moderator. You ask one short, "
    "neutral follow-up question (one or two sentences) that gets participants to "
    "explain vague answers or the reasons behind disagreement. Address people by "
    "first name. Never lead, never summarise, never praise. Speak {language}."
)


def moderator_system(language: str) -> str:
    return MODERATOR_SYSTEM.format(language=_LANGUAGE[language])


def probe_prompt(facts: dict[str, Any]) -> str:
    answers = "\n".join(f"{a['name']}: {a['text']}" for a in facts["answers"])
    why = {
        "divergent": "The answers diverge: ask about the reasons behind the split.",
        "vague": "Some answers are vague: ask for something concrete.",
        "always": "Ask a follow-up that deepens the most interesting point.",
    }[facts["reason"]]
    names = ", ".join(facts["addressed"])
    return (
        f"Question: {facts['question']}\n\nAnswers:\n{answers}\n\n{why}\n"
        f"Address: {names}.\n{facts_block(facts)}"
    )


def interview_system(persona: dict[str, Any], language: str) -> str:
    return (
        "A researcher interviews you one on one after the focus groups you took "
        "part in. Answer as this person, in the first person, briefly and "
        "concretely, consistent with what you said in the groups.\n"
        f"{persona_card(persona)}\nSpeak {_LANGUAGE[language]}."
    )


def interview_prompt(facts: dict[str, Any]) -> str:
    memory = "\n".join(f"- ({m['question']}) {m['text']}" for m in facts["memory"])
    history = "\n".join(
        f"{'Researcher' if h['role'] == 'user' else 'You'}: {h['content']}"
        for h in facts["history"]
    )
    return (
        f"What you said in the focus groups:\n{memory or '(nothing yet)'}\n\n"
        f"Conversation so far:\n{history or '(it starts now)'}\n\n"
        f"Researcher: {facts['message']}\n{facts_block(facts)}"
    )
