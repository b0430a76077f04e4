#!/usr/bin/env bash
# Gets pnpm (the version package.json pins) and the workspace's packages, without Electron's
# binary download, which fails on machines that cannot reach it. Sourced by start.sh and test.sh.
# Installs only when what decides the install changed: package.json files, the lockfile and the
# workspace list (a digest stamped after the last successful install).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$ROOT/.tools/node_modules/.bin:$PATH"
export ELECTRON_SKIP_BINARY_DOWNLOAD=1
STAMP="$ROOT/node_modules/.cache/latchkey-start/install.sha256"
INSTALL_DIGEST="$(cat package.json pnpm-lock.yaml pnpm-workspace.yaml apps/*/package.json packages/*/package.json extensions/*/package.json e2e/package.json 2>/dev/null | sha256sum | cut -d' ' -f1)"
if [ -x "$ROOT/.tools/node_modules/.bin/pnpm" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$INSTALL_DIGEST" ] && [ -d "$ROOT/node_modules" ]; then
  return 0 2>/dev/null || exit 0
fi
PNPM_VERSION="$(node -p "require('./package.json').packageManager.split('@')[1]")"
if [ ! -x "$ROOT/.tools/node_modules/.bin/pnpm" ] || [ "$("$ROOT/.tools/node_modules/.bin/pnpm" --version)" != "$PNPM_VERSION" ]; then
  echo "Installing pnpm $PNPM_VERSION into .tools/" >&2
  npm install --silent --no-audit --no-fund --prefix "$ROOT/.tools" "pnpm@$PNPM_VERSION" >/dev/null
fi
mkdir -p "$(dirname "$STAMP")"
echo "Installing packages (package.json or the lockfile changed)…" >&2
pnpm install --frozen-lockfile --reporter=append-only > "$ROOT/node_modules/.cache/latchkey-start/install.log" 2>&1 || {
  grep -v '^Progress' "$ROOT/node_modules/.cache/latchkey-start/install.log" | tail -40; echo "pnpm install failed"; exit 1; }
echo "$INSTALL_DIGEST" > "$STAMP"
