#!/usr/bin/env bash
# Install napari-deepss with its test extras and run the whole test suite, the
# napari tests under a virtual X server (napari's canvas needs OpenGL, which
# offscreen Qt lacks).
# tests/napari (viewers, widgets) and tests/core run as two pytest processes:
# TensorFlow and Mesa's OpenGL crash when loaded into one process (see
# tests/napari/conftest.py).
# Extra arguments go to both pytest runs, e.g. `bash scripts/test.sh -x -q`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/install.sh testing

run() {  # pytest (under Xvfb with --display); exit code 5 (nothing selected, e.g. by -k) counts as success
  local rc=0 display=()
  if [ "$1" = "--display" ]; then display=(xvfb-run -a -s "-screen 0 1280x1024x24"); shift; fi
  "${display[@]}" "$PY" -m pytest "$@" || rc=$?
  [ "$rc" -eq 5 ] && rc=0
  return "$rc"
}
gui=0; core=0
echo "== tests/napari (viewers and widgets, no TensorFlow in this process)"
run --display tests/napari "$@" || gui=$?
echo "== tests/core"
run tests/core "$@" || core=$?
if [ "$gui" -ne 0 ] || [ "$core" -ne 0 ]; then
  echo "tests failed (tests/napari: exit $gui, tests/core: exit $core)" >&2
  exit 1
fi
