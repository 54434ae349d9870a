#!/usr/bin/env bash
# Autogenerate a migration against a throwaway embedded PostgreSQL migrated to
# head: ./scripts/new-migration.sh "add personas"
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/.venv/bin/python" - "$1" <<'PY'
import sys
import tempfile
from pathlib import Path

from alembic import command

from sight.db import alembic_config, upgrade
from sight.embedded_postgres import EmbeddedPostgres

with tempfile.TemporaryDirectory() as tmp:
    server = EmbeddedPostgres(Path(tmp))
    url = server.start()
    try:
        upgrade(url)
        command.revision(alembic_config(url), message=sys.argv[1], autogenerate=True)
    finally:
        server.stop()
PY
