#!/usr/bin/env bash
# Idempotent set-up shared by `make run` and `make test`: Python venv, Node >= 22.22 and bun
# (from the npm registry when the machine's are older), optionally Chromium for browser tests.
# Usage: scripts/setup.sh [--browser]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TOOLS="$ROOT/.tools"
NODE_MIN="22.22.0"
BUN_MIN="1.4.4"

log() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }

version_ge() { # version_ge A B: A >= B
  [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]
}

python_env() {
  local stamp=.venv/.requirements.sha
  local want; want=$(sha256sum requirements.txt | cut -d' ' -f1)
  if [ ! -x .venv/bin/python ]; then
    log "creating .venv"
    python3 -m venv .venv
  fi
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    log "installing Python requirements"
    .venv/bin/python -m pip install -qq --upgrade pip
    .venv/bin/python -m pip install -qq -r requirements.txt
    echo "$want" > "$stamp"
  fi
}

node_toolchain() {
  local node_ok=0 bun_ok=0
  if command -v node >/dev/null && version_ge "$(node --version | tr -d v)" "$NODE_MIN"; then node_ok=1; fi
  if command -v bun >/dev/null && version_ge "$(bun --version)" "$BUN_MIN"; then bun_ok=1; fi
  if [ -x "$TOOLS/node_modules/.bin/node" ] && version_ge "$("$TOOLS/node_modules/.bin/node" --version | tr -d v)" "$NODE_MIN"; then node_ok=1; fi
  if [ -x "$TOOLS/node_modules/.bin/bun" ] && version_ge "$("$TOOLS/node_modules/.bin/bun" --version)" "$BUN_MIN"; then bun_ok=1; fi
  if [ $node_ok = 1 ] && [ $bun_ok = 1 ]; then return; fi
  command -v npm >/dev/null || { echo "npm is needed to install Node $NODE_MIN+ and bun" >&2; exit 1; }
  log "installing node@22 and bun from the npm registry into .tools/"
  mkdir -p "$TOOLS"
  npm install --prefix "$TOOLS" --no-audit --no-fund --loglevel=error node@22 bun >/dev/null
}

chromium() {
  if [ -x /usr/bin/chromium ]; then return; fi
  log "installing Debian's chromium for the browser tests"
  local sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
}

python_env
node_toolchain
if [ "${1:-}" = "--browser" ]; then chromium; fi
