"""Memory of one `sight serve`: RSS idle, after 20 personas, a search and an
upload (issue 16), and each part's share measured as RSS deltas of imports and
of loading the local embedding model in a fresh interpreter.

    python -m bench.memory                 # both tables
    python -m bench.memory --parts-only    # the import deltas only (10 s)

The server is started fresh (embedded PostgreSQL, offline engine, in-process
job worker); the document is a small generated Markdown file. PostgreSQL's own
processes are reported apart (they are not the Python process' RSS); the local
embedding model's process, a child of `sight serve`, is shown apart and counted
in the total the goal is on.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

from bench.http_load import DATA_DIRS, _http, prepare, serve
from bench.rows import Row, load_average

GOAL_MB = 300.0
# stage -> packages with compiled code mapped by `sight serve` (server_run).
NATIVE: dict[str, list[str]] = {}

# Each step imports on top of the previous one, in a fresh interpreter.
PARTS: list[tuple[str, str]] = [
    ("interpreter", "pass"),
    ("web stack (fastapi, pydantic, sqlalchemy, psycopg)", "import fastapi, sqlalchemy.ext.asyncio, psycopg"),
    ("sight app (every domain's routes and models; numpy via pgvector and the census)", "import sight.app; sight.app.create_app(database_url='postgresql://sight@/sight')"),
    ("scipy (surveys' and fidelity statistics, loaded when first used; not on this path since the fit's p-value needs none)", "import scipy.stats"),
    ("LLM SDKs (openai, anthropic, google-genai; loaded only for a configured provider)", "import openai, anthropic, google.genai"),
    ("drivers (redis, neo4j; loaded only with REDIS_URL / NEO4J_URI)", "import redis.asyncio, neo4j"),
]  # fmt: skip
# The local model runs in its own interpreter (a child of `sight serve`),
# measured apart in a fresh one: loaded on top of the parts above, it would
# reuse memory they freed and look smaller than it is.
EMBEDDER: list[tuple[str, str]] = [
    ("embedding process: interpreter + numpy", "import numpy"),
    ("embedding process: SentencePiece (C++ tokenizer)", "from sight.llm.embeddings import local_worker as _w; _t = _w.native_tokenizer()"),
    ("embedding process: USE v3 weights (float32 layers; the 65 MB uint8 table read from a file since issue 16), first encode", "del _t; _m = _w.load_model()"),
]  # fmt: skip


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def parts(
    steps: list[tuple[str, str]] | None = None,
) -> list[tuple[str, float, float]]:
    """(part, RSS after it in MB, its delta in MB), one fresh process."""
    steps = PARTS if steps is None else steps
    script = "\n".join(
        [
            "import os, sys",
            "def rss():",
            "    for l in open('/proc/self/status'):",
            "        if l.startswith('VmRSS:'): return int(l.split()[1]) / 1024",
            "out = []",
            *[
                f"try:\n    {code}\nexcept Exception as e:\n    print(repr(e), file=sys.stderr)\n"
                f"out.append(({name!r}, rss()))"
                for name, code in steps
            ],
            "import json; print(json.dumps(out))",
        ]
    )
    # As in the embedding process local.py starts (single-threaded BLAS).
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
        env=env,
    )
    rows: list[tuple[str, float]] = json.loads(result.stdout.strip().splitlines()[-1])
    out: list[tuple[str, float, float]] = []
    before = 0.0
    for name, rss in rows:
        out.append((name, rss, rss - before))
        before = rss
    return out


def _parent(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("PPid:"):
            return int(line.split()[1])
    return 0


def _server_pids(data_dir: str) -> tuple[list[int], list[int], list[int]]:
    """(the sight serve processes, their embedding processes, PostgreSQL's
    processes) of a data dir. The local model runs in a child process of
    `sight serve` (`llm/embeddings/local_worker.py`): its memory is the
    server's too."""
    api, db, embedders = [], [], []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if "sight.llm.embeddings.local_worker" in cmd:
            embedders.append(int(entry.name))
            continue
        if data_dir not in cmd:
            continue
        if "postgres" in cmd.split(" ", 1)[0]:
            db.append(int(entry.name))
        elif " serve" in cmd:
            api.append(int(entry.name))
    mine: list[int] = []
    with contextlib.suppress(OSError):
        mine = [pid for pid in embedders if _parent(pid) in api]
    return api, mine, db


def _upload(base: str, token: str, project: str) -> None:
    boundary = uuid.uuid4().hex
    text = "\n\n".join(
        f"## Section {i}\n\nPlant-based drinks in Poland: price {i} zł, "
        "taste, availability in discount stores and what families buy." * 3
        for i in range(30)
    )
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="market.md"\r\nContent-Type: text/markdown\r\n\r\n{text}\r\n'
        f"--{boundary}--\r\n"
    ).encode()
    request = urllib.request.Request(  # noqa: S310 (our own loopback server)
        f"{base}/api/v1/projects/{project}/documents",
        data=body,
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
        document = json.loads(response.read())
    doc_id = document.get("id") or document.get("document", {}).get("id")
    deadline = time.monotonic() + 120
    while doc_id and time.monotonic() < deadline:
        status = _http(
            base, "GET", f"/api/v1/projects/{project}/documents/{doc_id}", None, token
        ).get("status")
        if status in {"ready", "failed"}:
            break
        time.sleep(0.5)


def native_packages(pids: list[int]) -> list[str]:
    """Packages whose compiled libraries the processes have mapped: which of
    the heavy parts (numpy, scipy, the embedder's runtime) a stage loaded."""
    found: set[str] = set()
    for pid in pids:
        try:
            maps = Path(f"/proc/{pid}/maps").read_text()
        except OSError:
            continue
        for line in maps.splitlines():
            if "/site-packages/" in line:
                found.add(line.split("/site-packages/", 1)[1].split("/", 1)[0])
    return sorted(name for name in found if not name.endswith(".libs"))


def server_run() -> list[tuple[str, float, float, float]]:
    """(stage, sight serve RSS MB, its embedding process' RSS MB, PostgreSQL
    RSS MB) through the issue's steps; the goal is on the first two together."""
    out: list[tuple[str, float, float, float]] = []
    with serve() as base:
        data_dir = DATA_DIRS[base]

        def sample(stage: str) -> None:
            time.sleep(1.0)
            api, embedder, db = _server_pids(data_dir)
            NATIVE[stage] = native_packages(api + embedder)
            out.append(
                (
                    stage,
                    sum(_rss_mb(p) for p in api),
                    sum(_rss_mb(p) for p in embedder),
                    sum(_rss_mb(p) for p in db),
                )
            )

        sample("idle (after start)")
        fixture = prepare(base, 20)
        sample("after 20 personas")
        _http(
            base,
            "POST",
            f"/api/v1/projects/{fixture.project}/search",
            {"query": "ceny napojów roślinnych"},
            fixture.token,
        )
        sample("after a search")
        _upload(base, fixture.token, fixture.project)
        sample("after an upload (parsed, embedded)")
    return out


def quick() -> list[Row]:
    stages = server_run()
    _stage, api, embedder, db = stages[-1]
    idle = stages[0][1] + stages[0][2]
    shares = parts() + parts(EMBEDDER)
    split = ", ".join(f"{n.split(' (')[0]} {d:.0f}" for n, _, d in shares)
    total = api + embedder
    return [
        Row(
            "Memory, one sight serve after 20 personas, a search and an upload",
            f"{total:.0f} MB RSS: serve {api:.0f} + its embedding process "
            f"{embedder:.0f} (idle {idle:.0f}; PostgreSQL {db:.0f} MB apart)",
            f"< {GOAL_MB:.0f} MB",
            total < GOAL_MB,
            f"shares (MB, fresh processes): {split}",
        )
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parts-only", action="store_true")
    args = parser.parse_args()
    from bench.support import machine

    print(f"machine: {machine()}; load average {load_average()}")
    print("| part (imported on top of the previous) | RSS after (MB) | share (MB) |")
    print("|---|---|---|")
    for name, rss, delta in parts() + parts(EMBEDDER):
        print(f"| {name} | {rss:.0f} | {delta:+.0f} |")
    if args.parts_only:
        return
    print()
    print(
        "| stage | sight serve RSS (MB) | its embedding process (MB) | total (MB) | "
        "PostgreSQL RSS (MB) | compiled packages mapped (new at this stage) | load avg |"
    )
    print("|---|---|---|---|---|---|---|")
    seen: set[str] = set()
    for stage, api, embedder, db in server_run():
        native = NATIVE.get(stage, [])
        new = ", ".join(n for n in native if n not in seen) or "-"
        seen.update(native)
        print(
            f"| {stage} | {api:.0f} | {embedder:.0f} | {api + embedder:.0f} | {db:.0f} "
            f"| {new} | {os.getloadavg()[0]:.1f} |"
        )


if __name__ == "__main__":
    main()
