#!/usr/bin/env bash
# Install napari-deepss with its test extras and run the whole test suite under
# a virtual X server (napari's canvas needs OpenGL, which offscreen Qt lacks).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-packages.sh
source scripts/python-env.sh
log="$(mktemp)"
if ! { "$PY" -m pip install --upgrade pip && "$PY" -m pip install -e ".[testing]"; } >"$log" 2>&1; then
  cat "$log" >&2; exit 1
fi
exec xvfb-run -a -s "-screen 0 1280x1024x24" "$PY" -m pytest "$@"
