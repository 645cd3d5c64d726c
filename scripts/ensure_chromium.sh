#!/usr/bin/env bash
# Make sure Debian's Chromium (/usr/bin/chromium) and CJK fonts are installed for the
# browser tests; Playwright drives this system browser and never downloads one of its own.
# Installs with apt-get when run as root (or with passwordless sudo); otherwise fails
# with the command to run.
set -euo pipefail

CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
PACKAGES=(chromium fonts-noto-cjk)

log() { printf 'ensure_chromium: %s\n' "$*" >&2; }

missing=()
[[ -x "$CHROMIUM" ]] || missing+=(chromium)
if ! dpkg-query -W -f='${Status}' fonts-noto-cjk 2>/dev/null | grep -q 'install ok installed'; then
  missing+=(fonts-noto-cjk)
fi

if ((${#missing[@]})); then
  if [[ "$(id -u)" -eq 0 ]]; then
    sudo=()
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo=(sudo -n)
  else
    log "missing ${missing[*]}; run as root: apt-get install -y ${PACKAGES[*]}"
    exit 1
  fi
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

[[ -x "$CHROMIUM" ]] || { log "$CHROMIUM is still missing"; exit 1; }
log "$("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
