"""The moderator's probe: once per question, when answers diverge or are vague.

The decision is local (`signals` reads stance and hedging; no model call is
spent on it); the probe's text is one `focus_groups.moderate` call addressed to
the clearest voices of both sides (divergent), the vague ones (vague), or a
reproducible sample (always); they answer it in one more wave. A resumed run
reuses a probe already stored.
"""

from __future__ import annotations

import random
import uuid
from typing import TYPE_CHECKING

from sight.focus_groups.events import Probe, QuestionStarted
from sight.focus_groups.signals import divergent, is_vague, stance
from sight.focus_groups.turns import Turn, speak
from sight.prompts import focus_groups as prompts

if TYPE_CHECKING:
    from sight.focus_groups.room import Room


def rng(seed: str) -> random.Random:
    # Reproducible choice of addressees for a group: not a secret.
    return random.Random(seed)  # noqa: S311


MAX_ADDRESSED = 6


async def maybe_probe(
    room: Room, index: int, text: str, said: list[Turn], speakers: int
) -> bool:
    policy = room.group.questions[index].get("follow_up", "auto")
    answers = [t for t in said if t.status == "ok" and t.persona_id is not None]
    existing = room.stored.get((index, 1, None))
    if existing is not None:
        reason = str(existing.details.get("reason", "always"))
        addressed = [uuid.UUID(p) for p in existing.details.get("addressed", [])]
        probe = Turn(index, 1, 0, speakers, None, "Moderator", None)
        probe.response_id, probe.text = existing.response_id, existing.text
    else:
        if policy == "never" or not answers:
            return False
        if policy == "auto" and not room.discussion:
            return False
        texts = [t.text for t in answers]
        vague = [t for t in answers if is_vague(t.text)]
        if policy == "always":
            reason = "always"
        elif divergent(texts):
            reason = "divergent"
        elif vague:
            reason = "vague"
        else:
            return False
        addressed = _addressed(room, reason, answers, vague)
        probe = await _ask_probe(
            room, index, text, reason, answers, addressed, speakers
        )
        if probe.status != "ok":
            return False
    await room.publish(
        Probe(
            question_index=index,
            response_id=probe.response_id,
            text=probe.text,
            reason=reason,
            addressed_to=addressed,
        )
    )
    await room.publish(
        QuestionStarted(
            question_index=index,
            round=1,
            text=probe.text,
            speakers=len(addressed),
            waves=1,
        )
    )
    turns = []
    for offset, pid in enumerate(addressed):
        turn = room.turn(index, 1, 0, speakers + 1 + offset, pid, said, probe=probe)
        turn.details["probe_text"] = probe.text
        turns.append(turn)
    said.extend(await room.speak_all(turns))
    return True


def _addressed(
    room: Room, reason: str, answers: list[Turn], vague: list[Turn]
) -> list[uuid.UUID]:
    limit = min(MAX_ADDRESSED, room.group.wave_size, len(answers))
    if reason == "vague":
        chosen = vague[:limit]
    elif reason == "divergent":
        # The clearest voices of both sides, alternating.
        ranked = sorted(answers, key=lambda t: stance(t.text))
        chosen = []
        while ranked and len(chosen) < limit:
            chosen.append(ranked.pop(0))
            if ranked and len(chosen) < limit:
                chosen.append(ranked.pop())
    else:
        seed = f"{room.group.id}:{answers[0].question_index}"
        chosen = rng(seed).sample(answers, limit)
    return [t.persona_id for t in chosen if t.persona_id is not None]


async def _ask_probe(
    room: Room,
    index: int,
    text: str,
    reason: str,
    answers: list[Turn],
    addressed: list[uuid.UUID],
    position: int,
) -> Turn:
    probe = Turn(index, 1, 0, position, None, "Moderator", None)
    probe.flow = "focus_groups.moderate"
    facts = {
        "language": room.group.language,
        "question": text,
        "reason": reason,
        "answers": [
            {"name": room.people[t.persona_id]["full_name"], "text": t.text[:300]}
            for t in answers[-12:]
            if t.persona_id is not None
        ],
        "addressed": [room.people[p]["full_name"] for p in addressed],
    }
    probe.details = {"reason": reason, "addressed": [str(p) for p in addressed]}
    probe.system = prompts.moderator_system(room.group.language)
    probe.prompt = prompts.probe_prompt(facts)
    return await speak(room, probe)
