"""A worker's heartbeat kept fresh from a thread while its event loop lives.

procrastinate writes the heartbeat from the event loop. A worker whose loop
is starved of CPU (two cores, several processes, a burst of parsing) can miss
`stalled_after_seconds` while its jobs still run; another worker's watchdog
then re-queues them and every provider call of the first attempt is paid
twice. This thread writes the heartbeat on its own connection as long as the
loop still runs a callback now and then (within `LOOP_HUNG_AFTER` stall
periods): a crashed process stops both, a hung loop stops the callbacks, so
both are still found stalled; a busy one is not.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable

import psycopg

logger = logging.getLogger("sight.jobs")

# The longest a stopping worker waits for the heartbeat thread's last write.
JOIN_SECONDS = 5.0

# A loop that has run no callback for this many stall periods is hung.
LOOP_HUNG_AFTER = 10


class LoopHeartbeat:
    def __init__(
        self,
        conninfo: str,
        worker_id: Callable[[], int | None],
        *,
        every_seconds: float,
        stalled_after_seconds: float,
    ) -> None:
        self._conninfo = conninfo
        self._worker_id = worker_id
        self._every = every_seconds
        self._hung_after = LOOP_HUNG_AFTER * stalled_after_seconds
        self._loop_seen = time.monotonic()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._loop_seen = time.monotonic()
        self._thread = threading.Thread(
            target=self._run, name="sight-worker-heartbeat", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    async def stopped(self) -> None:
        """Stop and wait for the thread (a write under way finishes first), so
        it never outlives the worker and writes to a database already gone."""
        self.stop()
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join, JOIN_SECONDS)

    def _seen(self) -> None:
        self._loop_seen = time.monotonic()

    def _run(self) -> None:
        conn: psycopg.Connection[tuple[object, ...]] | None = None
        try:
            while not self._stop.wait(self._every):
                worker_id = self._worker_id()
                loop = self._loop
                if worker_id is None or loop is None or loop.is_closed():
                    continue
                if time.monotonic() - self._loop_seen > self._hung_after:
                    continue  # hung: let the watchdog of a live worker act
                try:
                    loop.call_soon_threadsafe(self._seen)
                except RuntimeError:
                    break  # the loop closed meanwhile
                try:
                    if conn is None or conn.closed:
                        conn = psycopg.connect(self._conninfo, autocommit=True)
                    conn.execute(
                        "SELECT procrastinate_update_heartbeat_v1(%s)", (worker_id,)
                    )
                except psycopg.Error:
                    logger.warning("heartbeat from the thread failed", exc_info=True)
                    if conn is not None:
                        conn.close()
                    conn = None
        finally:
            if conn is not None:
                conn.close()
