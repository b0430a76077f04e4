#!/usr/bin/env bash
# Gets pnpm (the version package.json pins) and the workspace's packages, without Electron's
# binary download, which fails on machines that cannot reach it. Sourced by start.sh and test.sh.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PNPM_VERSION="$(node -p "require('./package.json').packageManager.split('@')[1]")"
if [ ! -x "$ROOT/.tools/node_modules/.bin/pnpm" ] || [ "$("$ROOT/.tools/node_modules/.bin/pnpm" --version)" != "$PNPM_VERSION" ]; then
  echo "Installing pnpm $PNPM_VERSION into .tools/"
  npm install --silent --no-audit --no-fund --prefix "$ROOT/.tools" "pnpm@$PNPM_VERSION" >/dev/null
fi
export PATH="$ROOT/.tools/node_modules/.bin:$PATH"
export ELECTRON_SKIP_BINARY_DOWNLOAD=1
pnpm install --frozen-lockfile --reporter=append-only | grep -v '^Progress' || { echo "pnpm install failed"; exit 1; }
