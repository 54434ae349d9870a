#!/usr/bin/env bash
# Install everything and start Sight at http://127.0.0.1:8000 (no configuration
# needed: an embedded PostgreSQL, the local embedder and the offline engine).
# Extra arguments go to `sight serve`, e.g. --port 9000 or --data-dir ./data.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/bootstrap.sh
source "$ROOT/scripts/bootstrap.sh"

install_python
build_frontend
exec "$ROOT/.venv/bin/sight" serve "$@"
