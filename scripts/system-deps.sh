#!/usr/bin/env bash
# Installs the Debian packages the tests use as real peers (PostgreSQL, MariaDB, Chromium, a
# Secret Service). Run as root, or with sudo available; elsewhere it says what is missing.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mapfile -t wanted < <(grep -v '^#' "$ROOT/scripts/apt-packages.txt" | tr -s ' \n' '\n' | grep -v '^$')
missing=()
for p in "${wanted[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && SUDO="sudo"
if [ "$(id -u)" -ne 0 ] && [ -z "$SUDO" ] || ! command -v apt-get >/dev/null; then
  echo "Missing Debian packages (tests that need them will skip): ${missing[*]}"
  exit 0
fi
echo "Installing Debian packages: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
