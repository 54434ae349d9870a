"""Interviewing a persona after its groups: a streamed answer that remembers.

The researcher's message is stored first (committed before the stream starts);
the persona recalls its focus-group answers nearest to the message (one
embedding per message) and the last turns of this conversation, answers word
by word, and the reply is stored when it is complete. One conversation per
persona and interviewer.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from sight.focus_groups import repository
from sight.focus_groups.events import InterviewDelta, InterviewDone
from sight.focus_groups.memory import MEMORY_FLOW, recall
from sight.focus_groups.models import PersonaChatMessage
from sight.focus_groups.schemas import ChatMessageRead
from sight.kit.errors import SightError
from sight.llm.gateway import LLMGateway
from sight.llm.types import CallContext, StreamDone, TextDelta
from sight.personas.models import Persona
from sight.postgres import SessionMaker, session_scope
from sight.prompts import focus_groups as prompts
from sight.streams import StreamErrorEvent

logger = logging.getLogger("sight.focus_groups")

INTERVIEW_FLOW = "personas.interview"
HISTORY_TURNS = 10


async def add_question(
    session: AsyncSession, persona: Persona, user_id: uuid.UUID, message: str
) -> PersonaChatMessage:
    row = PersonaChatMessage(
        persona_id=persona.id,
        project_id=persona.project_id,
        user_id=user_id,
        role="user",
        content=message,
        memory=[],
    )
    session.add(row)
    await session.flush()
    await session.refresh(row)
    return row


def _person(persona: Persona) -> dict[str, Any]:
    profile = persona.profile or {}
    return {
        "id": str(persona.id),
        "full_name": persona.full_name,
        "age": persona.age,
        "gender": persona.gender,
        "occupation": persona.occupation,
        "location": persona.location,
        "urban_rural": persona.urban_rural,
        "education": persona.education,
        "income_band": persona.income_band,
        "segment": persona.segment,
        "profile": profile,
    }


async def answer(
    sessionmaker: SessionMaker,
    gateway: LLMGateway,
    persona: Persona,
    user_id: uuid.UUID,
    message: str,
) -> AsyncIterator[Any]:
    """Yield the reply's events: deltas, then the stored reply (or an error)."""
    ctx = CallContext(user_id=user_id, project_id=persona.project_id)
    try:
        query = (await gateway.embed([message], ctx, flow=MEMORY_FLOW))[0]
    except SightError:
        query = None
    async with sessionmaker() as session:
        remembered = await recall(
            session,
            persona_id=persona.id,
            project_id=persona.project_id,
            query=query,
            limit=5,
        )
        history = await repository.chat_history(
            session, persona.id, user_id, limit=HISTORY_TURNS + 1
        )
    person = _person(persona)
    facts: dict[str, Any] = {
        "language": persona.language,
        "persona": person,
        "message": message,
        "memory": [m.as_fact() for m in remembered],
        "history": [{"role": h.role, "content": h.content[:500]} for h in history[:-1]],
        "turn_words": 45,
    }
    parts: list[str] = []
    generated_by = "offline-engine"
    try:
        async for item in gateway.stream(
            INTERVIEW_FLOW,
            system=prompts.interview_system(person, persona.language),
            prompt=prompts.interview_prompt(facts),
            ctx=ctx,
            sample_index=len(history),
            prompt_version=prompts.PROMPT_VERSION,
        ):
            if isinstance(item, TextDelta):
                parts.append(item.text)
                yield InterviewDelta(text=item.text)
            elif isinstance(item, StreamDone):
                generated_by = item.result.generated_by
                if not parts and item.result.text:
                    parts.append(str(item.result.text))
    except SightError as exc:
        yield StreamErrorEvent(detail=str(exc.detail))
        return
    async with session_scope(sessionmaker) as session:
        row = PersonaChatMessage(
            persona_id=persona.id,
            project_id=persona.project_id,
            user_id=user_id,
            role="persona",
            content=" ".join("".join(parts).split()),
            generated_by=generated_by,
            prompt_version=prompts.PROMPT_VERSION,
            memory=[str(m.response_id) for m in remembered],
        )
        session.add(row)
        await session.flush()
        await session.refresh(row)
        stored = ChatMessageRead.model_validate(row)
    yield InterviewDone(message=stored)
