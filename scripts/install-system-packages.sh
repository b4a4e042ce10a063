#!/usr/bin/env bash
# System libraries napari-deepss needs on Debian/Ubuntu: libsndfile (audio),
# Qt's xcb/EGL libraries and Mesa GL (napari's canvas), Xvfb (tests without a
# screen) and python3-venv. Skips apt when everything is already there.
set -euo pipefail

PACKAGES=(
  xvfb xauth libgl1-mesa-dri libegl1 libgl1 libglib2.0-0 libfontconfig1 libdbus-1-3
  libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
  libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xfixes0 libxcb-xinerama0
  libxcb-xkb1 libsndfile1 python3-venv
)

if ! command -v apt-get >/dev/null; then
  echo "apt-get not found: install the equivalents of ${PACKAGES[*]} with your package manager" >&2
  exit 0
fi
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
