#!/usr/bin/env bash
# The browser tier: the HTML replay report laid out by a real Chromium, headless.
# Installs Debian's chromium with apt-get when it is missing (CI runs as root), then runs the
# tests marked browser (tests/replay/test_browser_tier.py): the sample report and a cohort
# report at phone and desktop widths, asserting from the browser's own layout that nothing
# scrolls sideways and no word is broken mid-letter. Screenshots go to build/screenshots/.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-.venv}"
if [ ! -x "$VENV/bin/python" ]; then
    make install
fi
CHROMIUM="${CHROMIUM:-$(command -v chromium || true)}"
if [ -z "$CHROMIUM" ]; then
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
        echo "browser tier: chromium is not installed (apt-get install chromium, or set CHROMIUM)" >&2
        exit 1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
    CHROMIUM="$(command -v chromium)"
fi
echo "browser tier: $("$CHROMIUM" --version 2>/dev/null | head -n 1)"
mkdir -p build/screenshots
FOLLOWUP_BROWSER=1 CHROMIUM="$CHROMIUM" "$VENV/bin/pytest" -q -m browser "$@"
echo "browser tier: screenshots in build/screenshots/"
