#!/usr/bin/env bash
# Installs schemathesis (PyPI) into a virtualenv outside the repository, for the admin API's
# schemathesis test (test/admin-api-schemathesis.e2e.test.ts). Prints the path of its `st`.
# Usage: bash scripts/schemathesis/install.sh
set -euo pipefail
VERSION="$(cat "$(dirname "$0")/VERSION")"
VENV="${CMF_SCHEMATHESIS_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/cmf-tools/schemathesis-$VERSION}"
if [ ! -x "$VENV/bin/st" ] || [ "$("$VENV/bin/st" --version 2>/dev/null | awk '{print $NF}')" != "$VERSION" ]; then
  command -v python3 >/dev/null 2>&1 || { echo "scripts/schemathesis/install.sh: python3 is required" >&2; exit 1; }
  rm -rf "$VENV"
  python3 -m venv "$VENV" || { echo "scripts/schemathesis/install.sh: python3 -m venv failed (on Debian: apt-get install python3-venv)" >&2; exit 1; }
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$VERSION" >&2
fi
echo "$VENV/bin/st"
