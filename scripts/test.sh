#!/usr/bin/env bash
# Install napari-deepss with its test extras and run the whole test suite under
# a virtual X server (napari's canvas needs OpenGL, which offscreen Qt lacks).
# GUI tests and the rest run in two pytest processes: TensorFlow and Mesa's
# OpenGL crash when loaded into one process (see tests/conftest.py).
# Extra arguments go to both pytest runs, e.g. `bash scripts/test.sh -x -q`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/install.sh testing

run() {  # pytest under Xvfb; exit code 5 (nothing selected) counts as success
  local rc=0
  xvfb-run -a -s "-screen 0 1280x1024x24" "$PY" -m pytest "$@" || rc=$?
  [ "$rc" -eq 5 ] && rc=0
  return "$rc"
}
gui=0; rest=0
echo "== GUI tests (napari viewers, no TensorFlow in this process)"
run -m gui "$@" || gui=$?
echo "== all other tests"
run -m "not gui" "$@" || rest=$?
if [ "$gui" -ne 0 ] || [ "$rest" -ne 0 ]; then
  echo "tests failed (GUI run: exit $gui, other run: exit $rest)" >&2
  exit 1
fi
