"""Make the README's screenshots from the real recordings (run under a virtual display).

    xvfb-run -a -s "-screen 0 1400x1000x24" python scripts/screenshots.py docs

writes ``bird.png`` (a Bengalese finch recording with its syllable
annotations and the waveform, one syllable selected) and
``fly-pulses.png`` (fly pulse song zoomed in on a pulse train, with the
Display settings dock). The display settings are the defaults (the user's
remembered settings are not read). Look at both before committing them.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("DEEPSS_TEST_DATA", REPO.parent / "shared" / "data"))
PLUGIN = "napari-deepss"
WINDOW = (1400, 780)


def _settle(seconds: float = 1.5) -> None:
    """Let napari slice and draw (it does so asynchronously) before a screenshot."""
    from qtpy.QtWidgets import QApplication

    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QApplication.processEvents()
        time.sleep(0.02)


def _save(viewer, path: Path) -> None:
    from PIL import Image

    _settle()
    shot = viewer.screenshot(canvas_only=False, flash=False)
    Image.fromarray(shot[..., :3]).quantize(colors=192).save(path, optimize=True)
    print(f"wrote {path}")


def bird(out: Path) -> None:
    import napari

    viewer = napari.Viewer(title="napari-deepss")
    viewer.window.resize(*WINDOW)
    _, _, segments, _ = viewer.open(DATA / "bengalese_finch_bird0" / "bird0_001.wav", plugin=PLUGIN)
    viewer.layers.selection.active = segments
    segments.mode = "select"  # shows the selected syllable's outline
    segments.selected_data = {9}
    _save(viewer, out / "bird.png")
    viewer.close()


def fly(out: Path) -> None:
    import napari

    from napari_deepss._napari.navigation import show_time, zoom_time
    from napari_deepss._napari.widgets.display import DisplayWidget

    viewer = napari.Viewer(title="napari-deepss")
    viewer.window.resize(*WINDOW)
    viewer.window.add_dock_widget(DisplayWidget(viewer), name="Display settings")
    _, _, _, events = viewer.open(DATA / "fly_pulse" / "20190122T093303a-7.wav", plugin=PLUGIN)
    _settle(0.5)
    zoom_time(viewer, 8)  # the = key, three times: half a second
    show_time(viewer, 4.72)  # a pulse train
    viewer.layers.selection.active = events
    times = events.data[:, -1]
    events.selected_data = {int(abs(times - 4.6288).argmin())}
    _save(viewer, out / "fly-pulses.png")
    viewer.close()


def main(argv: list[str]) -> None:
    out = Path(argv[0] if argv else REPO / "docs")
    out.mkdir(parents=True, exist_ok=True)
    os.environ["NAPARI_DEEPSS_CONFIG_DIR"] = tempfile.mkdtemp()  # the default display settings
    bird(out)
    fly(out)


if __name__ == "__main__":
    main(sys.argv[1:])
