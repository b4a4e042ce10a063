#!/usr/bin/env bash
# Install napari-deepss with napari and Qt, then open napari with the plugin's
# widgets and a song recording: the given PATH(s), else a Bengalese finch
# recording from ../shared/data when present, else the synthetic sample song.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/install.sh dev
if [ $# -eq 0 ] && [ -f ../shared/data/bengalese_finch_bird0/bird0_000.wav ]; then
  set -- ../shared/data/bengalese_finch_bird0/bird0_000.wav
fi
exec "$PY" -m napari_deepss._napari.demo "$@"
