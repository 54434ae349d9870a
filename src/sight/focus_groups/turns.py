"""One turn: a persona (or the moderator) speaks, word by word, and is stored.

The answer streams through `gateway.stream` into the group's stream; the turn
row, its `answer_done` event and the progress count commit together the moment
it completes. A failed attempt is tried again (`TURN_ATTEMPTS` in all; the
gateway already retried the provider's transient errors), then stored as
failed with its reason: the group goes on. Running out of budget stops it.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from sight.focus_groups import repository
from sight.focus_groups.events import AnswerDone, SpeakerStarted, TextDelta
from sight.focus_groups.models import TurnRole, TurnStatus
from sight.focus_groups.signals import word_count
from sight.kit.errors import SightError
from sight.llm.budget import BudgetExceeded
from sight.llm.types import OFFLINE_MARK, LLMResult, StreamDone
from sight.llm.types import TextDelta as ModelDelta
from sight.streams import publish

logger = logging.getLogger("sight.focus_groups")

TURN_ATTEMPTS = 2


@dataclass
class Turn:
    """A planned turn; `response_id` and `text` are set once it is stored."""

    question_index: int
    round: int
    wave: int
    position: int
    persona_id: uuid.UUID | None  # None: the moderator
    persona_name: str | None
    segment: str | None
    reply_to_id: uuid.UUID | None = None
    flow: str = "focus_groups.answer"
    system: str = ""
    prompt: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    response_id: uuid.UUID | None = None
    text: str = ""
    status: str = TurnStatus.ok
    # The id the turn is stored under (known before it is committed, so the
    # speaker's next turn can remember it while the commit is still on its way).
    planned_id: uuid.UUID = field(default_factory=uuid.uuid4)

    @property
    def role(self) -> str:
        return TurnRole.moderator if self.persona_id is None else TurnRole.persona


async def speak(
    room: Any,
    turn: Turn,
    *,
    store_later: Callable[[Awaitable[None]], None] | None = None,
) -> Turn:
    """Stream the turn, store it, return it with its id (room: `room.Room`).

    With `store_later` the commit is handed to it (a task group's
    `create_task`) and the turn returns as soon as its words are complete, its
    `text` and `status` set and `response_id` still None: the speaker goes on
    while the answer commits in the writer's next batch.
    """
    errors: list[str] = []
    for attempt in range(1, TURN_ATTEMPTS + 1):
        room.deltas.add(_started(turn, attempt))
        started = time.perf_counter()
        first_token: float | None = None
        parts: list[str] = []
        result: LLMResult[Any] | None = None
        try:
            async for item in room.ctx.llm.stream(
                turn.flow,
                system=turn.system,
                prompt=turn.prompt,
                ctx=room.ctx.call_context,
                sample_index=attempt - 1,
                prompt_version=room.prompt_version,
                images=room.images if turn.persona_id is not None else (),
            ):
                if isinstance(item, ModelDelta):
                    if first_token is None:
                        first_token = time.perf_counter()
                    parts.append(item.text)
                    room.deltas.add(
                        TextDelta(
                            question_index=turn.question_index,
                            round=turn.round,
                            persona_id=turn.persona_id,
                            text=item.text,
                        )
                    )
                elif isinstance(item, StreamDone):
                    result = item.result
        except BudgetExceeded:
            raise
        except SightError as exc:
            errors.append(str(exc.detail))
            continue
        text = " ".join("".join(parts).split()) if parts else ""
        if not text and result is not None:
            text = " ".join(str(result.text).split())
        if not text:
            errors.append("the model returned no text")
            continue
        done = time.perf_counter()
        await _store_now_or_later(
            store_later,
            room,
            turn,
            text=text,
            status=TurnStatus.ok,
            error=None,
            attempts=attempt,
            latency_ms=round((done - started) * 1000),
            first_token_ms=round(((first_token or done) - started) * 1000),
            generated_by=result.generated_by if result else OFFLINE_MARK,
        )
        return turn
    await _store_now_or_later(
        store_later,
        room,
        turn,
        text="",
        status=TurnStatus.failed,
        error="; ".join(errors)[-1000:],
        attempts=TURN_ATTEMPTS,
        latency_ms=None,
        first_token_ms=None,
        generated_by="none",
    )
    return turn


def _started(turn: Turn, attempt: int) -> SpeakerStarted:
    return SpeakerStarted(
        question_index=turn.question_index,
        round=turn.round,
        wave=turn.wave,
        position=turn.position,
        role=turn.role,
        persona_id=turn.persona_id,
        persona_name=turn.persona_name,
        segment=turn.segment,
        reply_to_id=turn.reply_to_id,
        attempt=attempt,
    )


async def _store_now_or_later(
    store_later: Callable[[Awaitable[None]], None] | None,
    room: Any,
    turn: Turn,
    **values: Any,
) -> None:
    if store_later is None:
        await _store(room, turn, **values)
        return
    turn.text, turn.status = values["text"], values["status"]
    store_later(_store(room, turn, **values))


async def _store(
    room: Any,
    turn: Turn,
    *,
    text: str,
    status: str,
    error: str | None,
    attempts: int,
    latency_ms: int | None,
    first_token_ms: int | None,
    generated_by: str,
) -> None:
    # Committed with the words still waiting in the batch, after them, so
    # `answer_done` follows its words and answers finishing together share a
    # transaction.
    now = datetime.now(UTC)
    fresh = False

    async def write(session: AsyncSession) -> None:
        nonlocal fresh
        response_id = await repository.insert_turn(
            session,
            {
                "id": turn.planned_id,
                "focus_group_id": room.group.id,
                "project_id": room.group.project_id,
                "persona_id": turn.persona_id,
                "role": turn.role,
                "question_index": turn.question_index,
                "round": turn.round,
                "wave": turn.wave,
                "position": turn.position,
                "reply_to_id": turn.reply_to_id,
                "text": text,
                "status": status,
                "error": error,
                "word_count": word_count(text),
                "latency_ms": latency_ms,
                "first_token_ms": first_token_ms,
                "attempts": attempts,
                "generated_by": generated_by[:160],
                "prompt_version": room.prompt_version,
                "details": turn.details,
                "started_at": now,
                "completed_at": now,
            },
        )
        if response_id is None:
            # Stored by an earlier attempt that we did not see finish: keep it.
            logger.info("turn already stored", extra={"group": str(room.group.id)})
            stored = await room.reload_turn(session, turn)
            turn.response_id, turn.text, turn.status = stored
            room.remember_turn(turn)
            return
        turn.response_id, turn.text, turn.status = response_id, text, status
        fresh = True
        await publish(
            session,
            room.key,
            AnswerDone(
                response_id=response_id,
                question_index=turn.question_index,
                round=turn.round,
                wave=turn.wave,
                position=turn.position,
                role=turn.role,
                persona_id=turn.persona_id,
                reply_to_id=turn.reply_to_id,
                status=status,
                text=text,
                error=error,
                word_count=word_count(text),
                latency_ms=latency_ms,
                first_token_ms=first_token_ms,
                generated_by=generated_by,
            ),
        )
        if turn.persona_id is not None and turn.round == 0:
            # One `progress` event per batch of answers (the writer's
            # `after_writes`), not one per answer.
            room.answered += 1
            room.last_speaker = turn.persona_name

    await room.deltas.commit_with(write)
    if not fresh or turn.response_id is None:
        return  # kept what an earlier attempt stored
    room.remember_turn(turn)
    if room.embed_live and status == TurnStatus.ok and turn.persona_id is not None:
        room.memory.add(turn.response_id, text)
