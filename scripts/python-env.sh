# Sourced by the scripts: picks the Python to install into. Inside an active
# virtual environment (or with DEEPSS_USE_CURRENT_PYTHON=1) that Python is used;
# otherwise a .venv in the repository is created once and reused.
if [ -n "${VIRTUAL_ENV:-}" ] || [ "${DEEPSS_USE_CURRENT_PYTHON:-0}" = "1" ]; then
  PY=python3
else
  if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
  fi
  PY=.venv/bin/python
fi
