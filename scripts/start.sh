#!/usr/bin/env bash
# The README's start command: installs, then starts the desktop app where Electron's binary is
# installed, or else the headless host, and prints the URL to open.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/bootstrap.sh"
cd "$ROOT"
exec pnpm start "$@"
