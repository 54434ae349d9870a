"""Modules that are imported only when first used (issue 16: a shorter start
and a smaller idle process) still work on that first use."""

from __future__ import annotations

import json
import subprocess
import sys

# Loaded only when used: redis where REDIS_URL is set, xlsxwriter for a
# spreadsheet, httpx when an Ollama answers the probe's connect, Alembic when
# the database is behind the migrations; scipy for the surveys' statistics;
# json_repair for a broken model answer, Pillow for an uploaded picture;
# numpy for the demographic fit, embeddings' similarities and statistics;
# httpx2 for a user-set OpenAI-compatible endpoint (llm/guarded_http.py);
# procrastinate for the job queue's app (built after `sight serve` listens);
# limits for the first counted limit (a log-in, a provider call); PyYAML for
# the first data file read (census, occupations, LLM routes and prices).
LAZY = (
    "redis",
    "xlsxwriter",
    "alembic",
    "openai",
    "anthropic",
    "neo4j",
    "scipy",
    "json_repair",
    "PIL",
    "numpy",
    "httpx2",
    "httpcore2",
    "procrastinate",
    "limits",
    "yaml",
)

SCRIPT = """
import json, sys
from sight.app import create_app
create_app(database_url="postgresql://sight@/sight")  # every domain's routes
from sight import db
db.head_revisions()
from sight.domains import load_tasks
load_tasks()  # what the lifespan adds: job handlers, offline composers
loaded = [name for name in {lazy!r} if name in sys.modules]
from sight.surveys.export import to_xlsx
from sight.surveys.schemas import Question
question = Question.model_validate(
    {{"id": "q1", "type": "open-text", "title": "Why?"}}
)
response = {{"id": "r1", "persona_id": "p1", "persona_name": "Ala", "demographics": {{}},
            "generated_by": "offline", "answers": {{"q1": "because"}}}}
book = to_xlsx("t", [question], [response])
from sight.demographics import build_joint, fit_report, quota_sample, validate_target
target = validate_target({{}}, "pl")
report = fit_report(quota_sample(build_joint(target), 1000, 0), target)
from sight.llm.structured import parse_structured
from sight.surveys.schemas import Question as Q
repaired = parse_structured('{{"id": "q2", "type": "open-text", "title": "Hm"', Q)[1]
import base64
from sight.focus_groups.images import check_image
png = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
)
image = check_image(png).mime_type
from sight.jobs.queue import RUN_JOB_TASK, JobQueue
queue = JobQueue("postgresql://sight@/sight")
task = queue.app.tasks[RUN_JOB_TASK].name
import asyncio
from sight.kit.errors import RateLimited
from sight.kit.ratelimit import RateLimiter
limiter = RateLimiter(None)
asyncio.run(limiter.hit("1/minute", "k"))
try:
    asyncio.run(limiter.hit("1/minute", "k"))
    limited = False
except RateLimited:
    limited = True
print(json.dumps({{"loaded": loaded, "repaired": repaired, "image": image, "xlsx": book[:2].decode("latin-1"),
                  "task": task, "same_app": queue.app is queue.app, "limited": limited,
                  "now": "xlsxwriter" in sys.modules,
                  "fit": report.verdict, "scipy": "scipy" in sys.modules,
                  "numpy": "numpy" in sys.modules}}))
"""


def test_start_up_imports_leave_the_optional_parts_out_and_first_use_works() -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(lazy=LAZY)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["loaded"] == []
    assert out["repaired"] is True
    assert out["image"] == "image/png"
    assert out["task"] == "sight.run_job"  # the queue's app, built on first use
    assert out["same_app"] is True
    assert out["limited"] is True  # the second hit of a 1/minute limit
    assert out["xlsx"] == "PK"  # a zip: an .xlsx file was written
    assert out["now"] is True
    # A persona job's fit report (run in the serving process by its in-process
    # worker) computes its p-values without scipy (27 MB kept otherwise).
    assert out["fit"] == "pass"
    assert out["scipy"] is False
    assert out["numpy"] is True  # the fit's first use loaded it


def test_collection_is_paused_only_during_startup() -> None:
    """`sight serve` pauses the cyclic GC while modules load; it must be on
    again afterwards (or every reference cycle made by requests would stay)."""
    import gc

    from sight.cli import StartupCollection

    assert gc.isenabled()
    paused = StartupCollection()
    assert not gc.isenabled()
    paused.resume()
    assert gc.isenabled()
    paused.resume()  # the error path calls it again
    assert gc.isenabled()
    gc.unfreeze()
