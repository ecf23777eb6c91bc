#!/usr/bin/env bash
# Installs headless Chromium (and its WebDriver) from the distribution's packages for the HTML
# report's browser test (tests/html_browser.rs). Idempotent and quiet: does nothing when
# `chromium` is already on the PATH. Bounded: apt-get is given 10 minutes. Fails loudly (exit 1)
# when it cannot install, so the browser test fails rather than being skipped.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
sudo=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo -n"; else
    echo "error: chromium is not installed and this user cannot run apt-get (install \`chromium\` and \`chromium-driver\`)" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! { timeout 600 $sudo apt-get update -qq && timeout 600 $sudo apt-get install -y -qq --no-install-recommends chromium chromium-driver; } >"$log" 2>&1; then
  cat "$log" >&2
  echo "error: could not install chromium with apt-get (see above)" >&2
  exit 1
fi
command -v chromium >/dev/null 2>&1 || { echo "error: apt-get ran but \`chromium\` is not on the PATH" >&2; exit 1; }
