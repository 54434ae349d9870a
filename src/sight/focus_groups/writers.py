"""Background writers of a running group: stream deltas and memory embeddings.

`DeltaWriter` batches the words of every speaker into one transaction every
~100 ms (consecutive words of one speaker become one `text_delta`), so twenty
people talking at once cost a few writes per second, not one per word. A
speaker's first words go out within ~20 ms: that is what a listener waits for.
`MemoryWriter` embeds stored answers in batches, off the speaking path.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from sight.focus_groups.events import SpeakerStarted, TextDelta
from sight.focus_groups.memory import remember
from sight.kit.cancelling import stop_if_cancelled
from sight.llm.gateway import LLMGateway
from sight.llm.types import CallContext
from sight.postgres import SessionMaker, session_scope
from sight.streams import StreamKey, publish_many

logger = logging.getLogger("sight.focus_groups")

Write = Callable[[AsyncSession], Awaitable[None]]


class DeltaWriter:
    def __init__(
        self,
        sessionmaker: SessionMaker,
        key: StreamKey,
        interval: float = 0.1,
        first_words_interval: float = 0.02,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._key = key
        self._interval = interval
        # A speaker's first words go out sooner: what a listener waits for.
        self._first_words_interval = first_words_interval
        self._silent: set[tuple[int, int, uuid.UUID | None]] = set()
        self._first_words = False
        self._pending: list[BaseModel] = []
        # Per speaker, the index of its latest pending delta (merged into).
        self._latest: dict[tuple[int, int, uuid.UUID | None], int] = {}
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        # Stored turns ride in the same transaction as the words before them
        # (group commit): twenty answers finishing together are one commit.
        self._writes: list[tuple[Write, asyncio.Future[None]]] = []
        # Once per batch that stored something, after its writes (a progress
        # count, say), in the same transaction.
        self.after_writes: Write | None = None

    def add(self, event: BaseModel) -> None:
        if isinstance(event, TextDelta):
            speaker = (event.question_index, event.round, event.persona_id)
            if speaker in self._silent:
                self._silent.discard(speaker)
                self._first_words = True
            index = self._latest.get(speaker)
            if index is not None:
                earlier = self._pending[index]
                if isinstance(earlier, TextDelta):
                    self._pending[index] = earlier.model_copy(
                        update={"text": earlier.text + event.text}
                    )
                    return
            self._latest[speaker] = len(self._pending)
        elif isinstance(event, SpeakerStarted):
            # A new turn (or a retry) must not merge into words said before it.
            speaker = (event.question_index, event.round, event.persona_id)
            self._latest.pop(speaker, None)
            self._silent.add(speaker)
        self._pending.append(event)
        self._wake.set()

    async def commit_with(self, write: Write) -> None:
        """Run `write(session)` in the next batch's transaction, after the words
        pending now; return once it is committed (or raise its error)."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._writes.append((write, done))
        self._wake.set()
        await done

    async def flush(self) -> None:
        async with self._lock:
            batch, self._pending, self._latest = self._pending, [], {}
            self._first_words = False
            writes, self._writes = self._writes, []
            if not batch and not writes:
                return
            failed: dict[int, BaseException] = {}
            try:
                async with session_scope(self._sessionmaker) as session:
                    # One lock, one insert, one notification for the batch.
                    await publish_many(session, self._key, batch)
                    for number, (write, _) in enumerate(writes):
                        try:
                            async with session.begin_nested():
                                await write(session)
                        except Exception as exc:  # one bad turn spoils no other
                            failed[number] = exc
                    if self.after_writes is not None and len(failed) < len(writes):
                        await self.after_writes(session)
            except BaseException as exc:
                for _, done in writes:
                    if not done.done():
                        done.set_exception(exc)
                raise
            for number, (_, done) in enumerate(writes):
                if not done.done():
                    if number in failed:
                        done.set_exception(failed[number])
                    else:
                        done.set_result(None)

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            if self._first_words:
                wait = self._first_words_interval
            elif self._writes:
                wait = self._interval / 2
            else:
                wait = self._interval
            await asyncio.sleep(wait)
            try:
                await self.flush()
            except asyncio.CancelledError:
                raise
            except Exception:
                stop_if_cancelled()
                logger.exception("could not write stream deltas")

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="focus-group-deltas")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


class MemoryWriter:
    """Embeds stored answers in the background (one embedding per answer)."""

    def __init__(
        self, sessionmaker: SessionMaker, gateway: LLMGateway, ctx: CallContext
    ) -> None:
        self._sessionmaker = sessionmaker
        self._gateway = gateway
        self._ctx = ctx
        self._queue: list[tuple[uuid.UUID, str]] = []
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._task: asyncio.Task[None] | None = None

    def add(self, response_id: uuid.UUID, text: str) -> None:
        self._queue.append((response_id, text))
        self._idle.clear()
        self._wake.set()

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            batch, self._queue = self._queue, []
            if batch:
                try:
                    await remember(self._sessionmaker, self._gateway, self._ctx, batch)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    stop_if_cancelled()
                    # Memory is best effort: the answer is stored; recall falls
                    # back to recency for rows without an embedding.
                    logger.warning(
                        "could not embed %d answers", len(batch), exc_info=True
                    )
            if not self._queue:
                self._idle.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="focus-group-memory")

    async def drain(self) -> None:
        await self._idle.wait()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
