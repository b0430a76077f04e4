#!/usr/bin/env bash
# The README's test command: installs everything, then typecheck, lint, unit and integration
# tests against real peers, and the browser end-to-end tests.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/system-deps.sh"
source "$ROOT/scripts/bootstrap.sh"
cd "$ROOT"
echo "== typecheck"; pnpm typecheck
echo "== lint"; pnpm lint
echo "== unit and integration tests"; pnpm test
echo "== end-to-end tests"; pnpm test:e2e
