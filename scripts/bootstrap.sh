#!/usr/bin/env bash
# Shared install steps for start.sh and test.sh: uv (pinned, in its own venv
# so any Python 3.11+ works, PEP 668 or not), the locked Python dependencies,
# and the web app build when Node is present.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
UV_VERSION="0.13.8"
export UV_PYTHON_DOWNLOADS=never

find_python() {
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      # The interpreter itself, not a shim (pyenv): uv compares this path with
      # the one .venv was made from and recreates .venv when they differ.
      "$candidate" -c 'import sys; print(sys.executable)'
      return 0
    fi
  done
  echo "sight: Python 3.11 or newer is required" >&2
  return 1
}

ensure_uv() {
  UV="$ROOT/.tools/bin/uv"
  if [ ! -x "$UV" ] || ! "$UV" --version | grep -q "$UV_VERSION"; then
    local python
    python="$(find_python)"
    rm -rf "$ROOT/.tools"
    if "$python" -m venv "$ROOT/.tools" 2>/dev/null; then
      "$ROOT/.tools/bin/pip" install --quiet --disable-pip-version-check "uv==$UV_VERSION"
    else
      # No venv module (e.g. Debian without python3-venv): a plain target dir.
      "$python" -m pip install --quiet --disable-pip-version-check \
        --target "$ROOT/.tools/lib" "uv==$UV_VERSION"
      mkdir -p "$ROOT/.tools/bin"
      ln -sf "$ROOT/.tools/lib/bin/uv" "$UV"
    fi
  fi
  export UV
}

# $1: "dev" to include test and lint tools. Without it, tools already installed
# stay (--inexact), so starting Sight never breaks a test run of the same checkout.
install_python() {
  ensure_uv
  local python
  python="$(find_python)"
  if [ "${1:-}" = "dev" ]; then
    "$UV" sync --frozen --quiet --python "$python" --project "$ROOT"
  else
    "$UV" sync --frozen --quiet --no-dev --inexact --python "$python" --project "$ROOT"
  fi
}

# A fingerprint of the files that decide an install or a build.
fingerprint() {
  (cd "$ROOT/frontend" && find "$@" -type f -print0 2>/dev/null | sort -z |
    xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
}

has_npm() {
  [ -f "$ROOT/frontend/package.json" ] && command -v npm >/dev/null 2>&1
}

# `npm ci` only when package.json or the lock file changed since the last one.
install_frontend_deps() {
  local mark="$ROOT/frontend/node_modules/.sight-installed" deps
  deps="$(fingerprint package.json package-lock.json)"
  if [ "$(cat "$mark" 2>/dev/null)" != "$deps" ]; then
    (cd "$ROOT/frontend" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$deps" >"$mark"
  fi
}

build_frontend() {
  if ! has_npm; then
    echo "sight: npm not found; serving the API without the web app (install Node 20+)" >&2
    return 0
  fi
  install_frontend_deps
  # Build only when the web app's sources changed, so a second start takes seconds.
  local mark="$ROOT/frontend/node_modules/.sight-built" build
  build="$(fingerprint package-lock.json index.html vite.config.ts tsconfig.json \
    tsconfig.app.json tsconfig.node.json public src)"
  if [ "$(cat "$mark" 2>/dev/null)" != "$build" ] ||
    [ ! -f "$ROOT/src/sight/static/index.html" ]; then
    (cd "$ROOT/frontend" && npm run build --silent)
    echo "$build" >"$mark"
  fi
}
