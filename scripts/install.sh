# Sourced by demo.sh and test.sh: `source scripts/install.sh EXTRA`.
# Installs the system libraries, then napari-deepss with the given extra into
# the active virtual environment (or the current Python with
# DEEPSS_USE_CURRENT_PYTHON=1), else into a .venv made once in the repository.
# Sets PY to that environment's Python.
bash scripts/install-system-packages.sh
if [ -n "${VIRTUAL_ENV:-}" ] || [ "${DEEPSS_USE_CURRENT_PYTHON:-0}" = "1" ]; then
  PY=python3
else
  if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
  fi
  PY=.venv/bin/python
fi
log="$(mktemp)"
if ! { "$PY" -m pip install --upgrade pip && "$PY" -m pip install -e ".[$1]"; } >"$log" 2>&1; then
  cat "$log" >&2
  exit 1
fi
