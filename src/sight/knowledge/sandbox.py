"""Parsing in a separate process with a time and a memory limit per document.

A worker runs inside `sight serve`, so parsing on its event loop (or in one of
its threads: pypdf, python-docx and the chunker hold the GIL) would stall every
request of that process. Each document is prepared by a fresh child process
(`python -m sight.knowledge.sandbox`; one is kept started and idle, because
importing the parsers takes about 0.4 s of CPU; this module and what it
imports must stay free of the web framework, the ORM and the settings, which
took 2.4 s): it caps its own
address space (`RLIMIT_AS`, the memory limit above what it started with) and
CPU time, and the parent kills it at the wall-clock limit. The parent's event
loop only waits for the answer. A fresh interpreter, not a fork: nothing of
the server (threads, sockets, locks) is inherited, and a crash or a hostile
file takes down only the child.

Outcomes become user-facing errors that name the limit hit, and are final:
parsing is deterministic, so a retry would only fail the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import resource
import sys
import weakref
from typing import TYPE_CHECKING, Any

from sight.knowledge import errors
from sight.knowledge.chunking import ChunkDraft
from sight.knowledge.preparation import (
    MB,
    ParseLimits,
    PreparedDocument,
    prepare_document,
)

if TYPE_CHECKING:
    from sight.knowledge.config import KnowledgeSettings

logger = logging.getLogger("sight.knowledge")

# At most two parsing processes per CPU in this process, so a burst of
# uploads cannot take more memory than (2 x cores x memory limit).
_SLOTS = max(1, 2 * (os.cpu_count() or 1))
# Per event loop (asyncio objects belong to one loop); weak, so a closed
# loop's entries go with it and a new loop never gets a dead loop's objects.
_semaphores: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)


def _slots() -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    if loop not in _semaphores:
        _semaphores[loop] = asyncio.Semaphore(_SLOTS)
    return _semaphores[loop]


def _address_space() -> int:
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0


def _peak_address_space() -> int:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmPeak:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def _limit_self(limits: ParseLimits) -> int:
    # The limit counts from what the child already maps (the interpreter), so
    # `memory_bytes` is what the parsers and the document may use.
    ceiling = _address_space() + limits.memory_bytes
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
    cpu = int(limits.seconds) + 5  # a backstop should the parent be gone
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    return ceiling


def _child_main() -> None:
    """The parsing process: a JSON header line, then the file's bytes, on
    stdin; one JSON answer on stdout. JSON rather than pickle: the parent
    must not execute what a child that read a hostile file might send."""
    # Imported while idle, so a document does not wait for them.
    import docx  # noqa: F401
    import pypdf  # noqa: F401

    line = sys.stdin.buffer.readline()
    if not line.strip():
        return  # the parent stopped before it needed this spare
    header = json.loads(line)
    limits = ParseLimits(**header["limits"])
    ceiling = _limit_self(limits)
    answer: dict[str, Any]
    try:
        data = sys.stdin.buffer.read()
        prepared = prepare_document(
            data,
            header["media_type"],
            default_language=header["default_language"],
            chunk_tokens=header["chunk_tokens"],
            overlap_tokens=header["overlap_tokens"],
            limits=limits,
        )
        answer = {
            "ok": {
                "title": prepared.title,
                "pages": prepared.pages,
                "language": prepared.language,
                "words": prepared.words,
                "paragraphs": prepared.paragraphs,
                "drafts": [
                    [d.ordinal, d.text, d.heading, d.page, d.page_end, d.tokens]
                    for d in prepared.drafts
                ],
            }
        }
        del prepared
        out = json.dumps(answer, ensure_ascii=False)
    except errors.DocumentOverLimit as exc:
        out = json.dumps({"rejected": [type(exc).__name__, str(exc.detail)]})
    except MemoryError:
        out = json.dumps({"memory": True})
    except Exception as exc:
        # lxml reports a refused allocation as "unknown error", a damaged
        # file in other words: the peak address space tells them apart.
        if _peak_address_space() >= 0.9 * ceiling:
            out = json.dumps({"memory": True})
        elif isinstance(exc, errors.DocumentRejected):
            out = json.dumps({"rejected": [type(exc).__name__, str(exc.detail)]})
        else:
            out = json.dumps({"error": type(exc).__name__})
    sys.stdout.write(out)
    sys.stdout.flush()


def _child_environment() -> dict[str, str]:
    # The child imports Sight the way this process does, whatever the
    # installation (editable, wheel, a test run's path).
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    return env


# Background work from its first instruction (its imports too): requests of
# the servers on the same machine come first.
_CHILD_START = (
    "import os, runpy; os.nice(10); "
    "runpy.run_module('sight.knowledge.sandbox', run_name='__main__')"
)


async def _spawn() -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        _CHILD_START,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
        env=_child_environment(),
    )


# One idle, already-started child per event loop (asyncio subprocesses belong
# to the loop that made them); it exits on its own when this process ends
# (end of file on its stdin).
_spares: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, asyncio.subprocess.Process
] = weakref.WeakKeyDictionary()


async def _take_child() -> asyncio.subprocess.Process:
    loop = asyncio.get_running_loop()
    child = _spares.pop(loop, None)
    if child is None or child.returncode is not None:
        child = await _spawn()
    _spares[loop] = await _spawn()  # imports while this one parses
    return child


async def close_spare() -> None:
    """Stop this loop's idle child (at shutdown; it would exit on its own
    when this process ends, but a test run starts and stops many apps)."""
    child = _spares.pop(asyncio.get_running_loop(), None)
    if child is not None and child.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            child.kill()
        await child.wait()


async def _run(task_header: dict[str, Any], data: bytes, seconds: float) -> Any:
    async with _slots():
        process = await _take_child()
        try:
            payload = json.dumps(task_header).encode() + b"\n" + data
            async with asyncio.timeout(seconds):
                out, _ = await process.communicate(payload)
        except TimeoutError:
            return {"timeout": True}
        finally:
            if process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                # Reap it; shielded so a cancelled job still leaves no zombie.
                await asyncio.shield(process.wait())
        if not out:
            return {"died": process.returncode}
        # Parsing the answer is CPU work too; a thread keeps the loop free.
        return await asyncio.to_thread(json.loads, out)


_REJECTIONS: dict[str, type[errors.DocumentRejected]] = {
    cls.__name__: cls
    for cls in (
        errors.EmptyDocument,
        errors.EncryptedDocument,
        errors.CorruptDocument,
        errors.UnsupportedDocument,
        errors.DocumentTooLarge,
        errors.DocumentOverLimit,
    )
}


async def prepare_isolated(
    data: bytes,
    media_type: str,
    *,
    default_language: str,
    settings: KnowledgeSettings,
) -> PreparedDocument:
    """`prepare_document` in a parsing process; raises a `DocumentRejected`
    naming the limit when the document exceeds one."""
    limits = ParseLimits.from_settings(settings)
    header = {
        "media_type": media_type,
        "default_language": default_language,
        "chunk_tokens": settings.chunk_tokens,
        "overlap_tokens": settings.chunk_overlap_tokens,
        "limits": {
            "unpacked_bytes": limits.unpacked_bytes,
            "paragraphs": limits.paragraphs,
            "pages": limits.pages,
            "seconds": limits.seconds,
            "memory_bytes": limits.memory_bytes,
        },
    }
    answer = await _run(header, data, limits.seconds)
    if "ok" in answer:
        ok = answer["ok"]
        return PreparedDocument(
            title=ok["title"],
            pages=ok["pages"],
            language=ok["language"],
            words=ok["words"],
            paragraphs=ok["paragraphs"],
            drafts=[ChunkDraft(*row) for row in ok["drafts"]],
        )
    if "rejected" in answer:
        name, detail = answer["rejected"]
        raise _REJECTIONS.get(name, errors.DocumentRejected)(detail)
    memory = f"{limits.memory_bytes / MB:,.0f} MB"
    if "timeout" in answer:
        raise errors.DocumentOverLimit(
            "reading the document took longer than the limit of "
            f"{limits.seconds:g} second{'' if limits.seconds == 1 else 's'} per "
            "document"
        )
    if "memory" in answer:
        raise errors.DocumentOverLimit(
            f"reading the document needs more memory than the limit of {memory} "
            "per document"
        )
    if "died" in answer:
        logger.warning("parsing process ended without an answer: %s", answer)
        raise errors.DocumentOverLimit(
            f"the document stopped the parser (exit code {answer['died']}); it "
            f"probably needs more memory than the limit of {memory} per document"
        )
    logger.warning("parsing failed with %s", answer.get("error"))
    raise errors.CorruptDocument(
        f"the document cannot be read ({answer.get('error', 'unknown error')})"
    )


if __name__ == "__main__":
    _child_main()
