"""The room: questions in order, speakers in waves, the moderator's probe.

normal: every persona answers each question on its own, all in parallel.
discussion / adversarial: the speaking order is shuffled per question and cut
into waves of `group.wave_size`; a wave's speakers talk in parallel and hear
the moderator and every earlier wave (bounded: the last `HEARD_LIMIT` turns).
After the question the moderator may probe once (policy `auto`: when answers
diverge or are vague, decided locally by `signals`; `always`; `never`), and
the people addressed answer the probe in one more wave.

Resumable: turns already stored (unique per group, question, round, speaker)
are loaded first and skipped; a resumed room continues at the first missing one.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from sight.focus_groups import memory as persona_memory
from sight.focus_groups.events import QuestionDone, QuestionStarted
from sight.focus_groups.models import FocusGroup, FocusGroupMode, FocusGroupResponse
from sight.focus_groups.probe import maybe_probe
from sight.focus_groups.signals import stance
from sight.focus_groups.turns import Turn, speak
from sight.focus_groups.writers import DeltaWriter, MemoryWriter
from sight.jobs.runtime import JobContext
from sight.llm.providers.base import ImagePart
from sight.prompts import focus_groups as prompts
from sight.streams import ProgressEvent, StreamKey, publish

HEARD_LIMIT = 10
HEARD_CHARS = 350


@dataclass(frozen=True)
class Stored:
    response_id: uuid.UUID
    text: str
    status: str
    wave: int
    position: int
    details: dict[str, Any]


def _with_own(
    recalled: list[persona_memory.Memory], said: list[persona_memory.Memory]
) -> list[persona_memory.Memory]:
    """The recalled memories with this run's own latest answers first (those
    not committed yet are not in the database's recall), bounded as recall is."""
    known = {m.response_id for m in recalled}
    own = [m for m in reversed(said) if m.response_id not in known]
    return (own + recalled)[: persona_memory.RECALL_LIMIT]


def rng(seed: str) -> random.Random:
    # Reproducible choices (order, addressees) for a group: not secrets.
    return random.Random(seed)  # noqa: S311


class Room:
    def __init__(
        self,
        ctx: JobContext,
        group: FocusGroup,
        people: dict[uuid.UUID, dict[str, Any]],
        key: StreamKey,
        stored: dict[tuple[int, int, uuid.UUID | None], Stored],
        question_vectors: list[list[float]] | None,
    ) -> None:
        self.ctx = ctx
        self.group = group
        self.people = people
        self.key = key
        self.stored = stored
        self.vectors = question_vectors
        self.prompt_version = prompts.PROMPT_VERSION
        # The stimulus picture, shown with every persona's answer call.
        self.images: tuple[ImagePart, ...] = ()
        self.deltas = DeltaWriter(ctx.sessionmaker, key)
        self.deltas.after_writes = self._progress
        self.last_speaker: str | None = None
        self.memory = MemoryWriter(ctx.sessionmaker, ctx.llm, ctx.call_context)
        self.order = [uuid.UUID(p) for p in group.persona_ids if uuid.UUID(p) in people]
        self.total_answers = len(self.order) * len(group.questions)
        self.answered = sum(
            1 for (_, rnd, pid) in stored if pid is not None and rnd == 0
        )
        self.discussion = group.mode != FocusGroupMode.normal
        self.embed_live = False
        self.load_vectors: Callable[[], Awaitable[list[list[float]] | None]] | None = (
            None
        )
        self._memory_known = False
        self._memory_checked: set[int] = set()
        self._vector_lock = asyncio.Lock()

    async def run(self) -> None:
        # A remote embedder costs this process nothing: answers are embedded
        # as they are stored. The local model is CPU work that would hold up the
        # speakers (and the GIL), so then the `focus_groups.remember` job queued
        # with the group's end embeds them, and this group's earlier answers
        # are recalled by recency meanwhile.
        self.embed_live = (await self.ctx.llm.embedder()).name != "local"
        self.deltas.start()
        self.memory.start()
        try:
            if self._chains_possible():
                await self.chains()
            else:
                for index in range(len(self.group.questions)):
                    await self.question(index)
            await self.deltas.flush()
            # Answers still being embedded are left to the `focus_groups.remember`
            # job queued with the group's end: the room does not wait for them.
        finally:
            await self.deltas.stop()
            await self.memory.stop()

    # ---- normal mode: each persona goes at its own pace ------------------------

    def _chains_possible(self) -> bool:
        # Without a probe nothing in a normal group needs everyone at once: each
        # person goes on to the next question as soon as they have answered, so
        # nobody waits for the slowest answer of every question.
        return not self.discussion and not any(
            q.get("follow_up") == "always" for q in self.group.questions
        )

    async def chains(self) -> None:
        questions = len(self.group.questions)
        left = [len(self.order)] * questions
        started: set[int] = set()

        def reach(index: int) -> None:
            if index not in started:
                started.add(index)
                # Batched with the words (in order, before the first speaker's
                # `speaker_started`): nobody waits for a transaction of its own.
                self.deltas.add(
                    QuestionStarted(
                        question_index=index,
                        text=str(self.group.questions[index]["text"]),
                        speakers=len(self.order),
                        waves=1,
                    )
                )

        async def leave(index: int) -> None:
            left[index] -= 1
            if left[index] == 0:
                done = [
                    v
                    for (q, r, pid), v in self.stored.items()
                    if q == index and r == 0 and pid is not None
                ]
                await self.publish(
                    QuestionDone(
                        question_index=index,
                        answered=sum(1 for v in done if v.status == "ok"),
                        failed=sum(1 for v in done if v.status != "ok"),
                        probed=False,
                    )
                )
                await self.ctx.progress(
                    self.answered,
                    self.total_answers,
                    f"question {index + 1}",
                    stage="answers",
                )

        async def stored_then_leave(store: Awaitable[None], index: int) -> None:
            await store
            await leave(index)

        async def chain(
            tasks: asyncio.TaskGroup, position: int, persona_id: uuid.UUID
        ) -> None:
            # What this persona said in this run, newest last: its next
            # question remembers it even before the commit has landed.
            said: list[persona_memory.Memory] = []
            for index in range(questions):
                reach(index)
                turn = self.turn(index, 0, 0, position, persona_id, [])
                if turn.response_id is not None:
                    await leave(index)
                    continue
                async with self.ctx.sessionmaker() as session:
                    query = await self._question_vector(session, index)
                    recalled = await persona_memory.recall_many(
                        session,
                        persona_ids=[persona_id],
                        project_id=self.group.project_id,
                        query=query,
                        before=(self.group.id, index),
                    )
                stores: list[Awaitable[None]] = []
                await self._prepare_and_speak(
                    turn,
                    _with_own(recalled[persona_id], said),
                    store_later=stores.append,
                )
                if turn.status == "ok":
                    said.append(
                        persona_memory.Memory(
                            turn.planned_id,
                            self.group.id,
                            str(self.group.questions[index]["text"]),
                            turn.text[: persona_memory.RECALL_CHARS],
                            None,
                        )
                    )
                # The commit (and the question's end, when this was its last
                # answer) go on beside the persona's next question.
                for store in stores:
                    tasks.create_task(stored_then_leave(store, index))

        async with asyncio.TaskGroup() as tasks:
            for position, persona_id in enumerate(self.order):
                tasks.create_task(chain(tasks, position, persona_id))

    # ---- one question ------------------------------------------------------

    async def question(self, index: int) -> None:
        text = str(self.group.questions[index]["text"])
        speakers = self._speaking_order(index)
        size = self.group.wave_size if self.discussion else len(speakers)
        waves = [speakers[i : i + size] for i in range(0, len(speakers), size)]
        await self.publish(
            QuestionStarted(
                question_index=index,
                text=text,
                speakers=len(speakers),
                waves=len(waves),
            )
        )
        said: list[Turn] = []
        for wave, members in enumerate(waves):
            turns = [
                self.turn(index, 0, wave, speakers.index(pid), pid, said)
                for pid in members
            ]
            said.extend(await self.speak_all(turns))
        probed = await maybe_probe(self, index, text, said, len(speakers))
        answered = [t for t in said if t.persona_id is not None and t.round == 0]
        await self.ctx.progress(
            self.answered, self.total_answers, f"question {index + 1}", stage="answers"
        )
        await self.publish(
            QuestionDone(
                question_index=index,
                answered=sum(1 for t in answered if t.status == "ok"),
                failed=sum(1 for t in answered if t.status != "ok"),
                probed=probed,
            )
        )

    def _speaking_order(self, index: int) -> list[uuid.UUID]:
        if not self.discussion:
            return list(self.order)
        # Different people open each question; the same run always agrees.
        order = list(self.order)
        rng(f"{self.group.id}:{index}").shuffle(order)
        return order

    async def speak_all(self, turns: list[Turn]) -> list[Turn]:
        pending = [t for t in turns if t.response_id is None]
        if not pending:
            return turns
        index = pending[0].question_index
        speakers = [t.persona_id for t in pending if t.persona_id]
        # One recall query for the whole wave, not one per speaker.
        async with self.ctx.sessionmaker() as session:
            query = await self._question_vector(session, index)
            memories = await persona_memory.recall_many(
                session,
                persona_ids=speakers,
                project_id=self.group.project_id,
                query=query,
                before=(self.group.id, index),
            )
        async with asyncio.TaskGroup() as tasks:
            for turn in pending:
                assert turn.persona_id is not None  # noqa: S101 (persona turns)
                tasks.create_task(
                    self._prepare_and_speak(turn, memories[turn.persona_id])
                )
        return turns

    async def _question_vector(
        self, session: AsyncSession, index: int
    ) -> list[float] | None:
        if self.load_vectors is None or index in self._memory_checked:
            # Settled for this question: no lock, no query per speaker.
            return self.vectors[index] if self.vectors else None
        async with self._vector_lock:  # one embedding per question, however many ask
            if self.vectors is None and self.load_vectors is not None:
                if index not in self._memory_checked:
                    # Asked once per question (not per speaker): whether any
                    # participant has an embedded answer to recall yet.
                    self._memory_known = (
                        self.embed_live
                        or await persona_memory.has_embedded(
                            session, self.group.project_id, list(self.people)
                        )
                    )
                    self._memory_checked.add(index)
                if self._memory_known:
                    self.vectors = await self.load_vectors()
                    self.load_vectors = None
        return self.vectors[index] if self.vectors else None

    def turn(
        self,
        index: int,
        round_: int,
        wave: int,
        position: int,
        persona_id: uuid.UUID,
        said: list[Turn],
        *,
        probe: Turn | None = None,
    ) -> Turn:
        person = self.people[persona_id]
        turn = Turn(
            question_index=index,
            round=round_,
            wave=wave,
            position=position,
            persona_id=persona_id,
            persona_name=person["full_name"],
            segment=person["segment"],
        )
        done = self.stored.get((index, round_, persona_id))
        if done is not None:
            turn.response_id, turn.text, turn.status = (
                done.response_id,
                done.text,
                done.status,
            )
            return turn
        if probe is not None:
            turn.reply_to_id = probe.response_id
        elif self.discussion and said:
            earlier = [t for t in said if t.status == "ok" and t.wave < wave]
            if earlier:
                pick = rng(f"{self.group.id}:{index}:{persona_id}")
                turn.reply_to_id = pick.choice(earlier).response_id
        turn.details = {"heard": [str(t.response_id) for t in said[-HEARD_LIMIT:]]}
        return turn

    async def _prepare_and_speak(
        self,
        turn: Turn,
        recalled: list[persona_memory.Memory],
        *,
        store_later: Callable[[Awaitable[None]], None] | None = None,
    ) -> None:
        assert turn.persona_id is not None  # noqa: S101 (persona turns only)
        person = self.people[turn.persona_id]
        heard = self._heard(turn)
        reply_to = next((h for h in heard if h["id"] == str(turn.reply_to_id)), None)
        question = self.group.questions[turn.question_index]
        facts: dict[str, Any] = {
            "language": self.group.language,
            "mode": self.group.mode,
            "turn_words": self.group.turn_words,
            "question": question["text"],
            "question_index": turn.question_index,
            "probe": turn.details.get("probe_text"),
            "stimulus": self.group.stimulus,
            "project_context": self.group.project_context,
            "persona": person,
            "income_rank": person.get("income_rank", 0.5),
            "memory": [m.as_fact() for m in recalled],
            "heard": heard,
            "reply_to": reply_to,
        }
        turn.details = {
            **turn.details,
            "memory": [str(m.response_id) for m in recalled],
        }
        turn.system = prompts.answer_system(
            person, self.group.language, self.group.turn_words
        )
        turn.prompt = prompts.answer_prompt(facts)
        await speak(self, turn, store_later=store_later)

    def _heard(self, turn: Turn) -> list[dict[str, Any]]:
        ids = turn.details.get("heard", [])
        heard: list[dict[str, Any]] = []
        for key, stored in self.stored.items():
            if str(stored.response_id) in ids and stored.status == "ok":
                pid = key[2]
                name = self.people[pid]["full_name"] if pid else "Moderator"
                heard.append(
                    {
                        "id": str(stored.response_id),
                        "name": name,
                        "text": stored.text[:HEARD_CHARS],
                        "stance": round(stance(stored.text), 2),
                    }
                )
        return heard

    # ---- plumbing ----------------------------------------------------------------

    async def _progress(self, session: AsyncSession) -> None:
        """The answers' count, once per batch of stored turns."""
        await publish(
            session,
            self.key,
            ProgressEvent(
                stage="answers",
                done=self.answered,
                total=self.total_answers,
                message=self.last_speaker,
            ),
        )

    async def publish(self, event: Any) -> None:
        await self.deltas.flush()
        async with self.ctx.sessionmaker() as session, session.begin():
            await publish(session, self.key, event)

    def remember_turn(self, turn: Turn) -> None:
        """Keep a stored turn so later waves hear it."""
        if turn.response_id is not None:
            self.stored[(turn.question_index, turn.round, turn.persona_id)] = Stored(
                turn.response_id,
                turn.text,
                turn.status,
                turn.wave,
                turn.position,
                turn.details,
            )

    async def reload_turn(
        self, session: AsyncSession, turn: Turn
    ) -> tuple[uuid.UUID, str, str]:
        row = (
            await session.execute(
                select(
                    FocusGroupResponse.id,
                    FocusGroupResponse.text,
                    FocusGroupResponse.status,
                ).where(
                    FocusGroupResponse.focus_group_id == self.group.id,
                    FocusGroupResponse.question_index == turn.question_index,
                    FocusGroupResponse.round == turn.round,
                    FocusGroupResponse.persona_id.is_(None)
                    if turn.persona_id is None
                    else FocusGroupResponse.persona_id == turn.persona_id,
                )
            )
        ).one()
        return row.id, row.text, row.status
