#!/usr/bin/env bash
# The README's start command: installs when package.json or the lockfile changed, then starts the
# desktop app where Electron's binary is installed and a display exists, or else the headless
# host, and prints the URL to open. Arguments: --port N, --open, --data-dir DIR (see README).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# The master key leaves the environment before anything runs: pnpm and its install scripts never
# see it, and the processes started below get it on a file descriptor, not in the environment
# (Linux keeps a process's initial environment readable in /proc/<pid>/environ for its whole life).
if [ -n "${LATCHKEY_MASTER_KEY+set}" ]; then
  LATCHKEY_KEY_TEXT="$LATCHKEY_MASTER_KEY"
  unset LATCHKEY_MASTER_KEY
fi

source "$ROOT/scripts/bootstrap.sh"
cd "$ROOT"

# Plain node, not `pnpm start`: pnpm's own start-up costs about half a second.
if [ -n "${LATCHKEY_KEY_TEXT+set}" ]; then
  exec 3<<<"$LATCHKEY_KEY_TEXT"
  unset LATCHKEY_KEY_TEXT
  exec node "$ROOT/scripts/start.mjs" --master-key-fd 3 "$@"
fi
exec node "$ROOT/scripts/start.mjs" "$@"
