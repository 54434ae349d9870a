#!/usr/bin/env bash
# Install everything and run every check: lint, types, the web app's tests and
# build, and the Python test suite against real PostgreSQL, Redis and Neo4j.
# With CI=true a component that cannot be started fails the run instead of
# skipping its tests.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/bootstrap.sh
source "$ROOT/scripts/bootstrap.sh"
cd "$ROOT"

install_system_packages() {
  # Servers the suite starts itself. Installed only where we may (root).
  local missing=()
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  # The web app's browser tests drive Debian's Chromium (frontend/e2e).
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  if [ ${#missing[@]} -eq 0 ]; then
    return 0
  fi
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "test.sh: installing system packages with apt-get: ${missing[*]}" \
      "(servers and the browser the test suite runs; see README)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "sight: please install: ${missing[*]} (their tests will be skipped)" >&2
  fi
}

install_system_packages
install_python dev

echo "== lint and types"
"$ROOT/.venv/bin/ruff" check src tests bench
"$ROOT/.venv/bin/ruff" format --check src tests bench
"$ROOT/.venv/bin/mypy"

if has_npm; then
  echo "== web app"
  install_frontend_deps
  (cd frontend && npm run lint && npm test && npm run build)
  echo "== web app in Chromium"
  (cd frontend && npm run e2e)
fi

echo "== test suite"
"$ROOT/.venv/bin/pytest" "$@"
