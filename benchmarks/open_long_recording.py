"""Open a 1-hour mono 10 kHz recording in napari and print how long it takes and the peak memory.

Run under a (virtual) display: ``xvfb-run -a python benchmarks/open_long_recording.py``.
Targets (issues 2 and 12): spectrogram and waveform added in under 5 s, peak memory under 1.5 GB.
Prints: viewer start-up, ``viewer.open`` until the layers are added, until the
first render, peak RSS, and the time of a zoomed-in and a zoomed-out render.
``--no-waveform`` opens the spectrogram alone (the display setting), for comparison.
The display settings are the defaults (the user's remembered settings are not read).
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

import numpy as np


def write_recording(path: Path, minutes: float, rate: int, block_seconds: int = 60) -> None:
    """Noise with a 1 kHz tone burst every second, written block by block (16-bit PCM)."""
    import soundfile

    rng = np.random.default_rng(0)
    t = np.arange(block_seconds * rate) / rate
    burst = 0.3 * np.sin(2 * np.pi * 1000 * t) * ((t % 1.0) < 0.1)
    with soundfile.SoundFile(str(path), "w", samplerate=rate, channels=1, subtype="PCM_16") as f:
        for _ in range(int(minutes * 60 / block_seconds)):
            f.write((burst + rng.normal(scale=0.01, size=len(t))).astype(np.float32))


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def render(viewer) -> float:
    """Seconds to slice and draw the current view (a canvas screenshot forces both)."""
    start = time.perf_counter()
    viewer.screenshot(canvas_only=True, flash=False)
    return time.perf_counter() - start


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--rate", type=int, default=10_000)
    parser.add_argument("--no-waveform", action="store_true", help="open the spectrogram alone")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as folder:
        os.environ["NAPARI_DEEPSS_CONFIG_DIR"] = folder  # the defaults, not the user's settings
        if args.no_waveform:
            from napari_deepss.display_settings import DisplaySettings, remember

            remember(DisplaySettings(waveform=False))
        path = Path(folder) / "long_recording.wav"
        write_recording(path, args.minutes, args.rate)
        print(f"recording: {args.minutes:g} min mono at {args.rate} Hz, {path.stat().st_size / 1e6:.0f} MB on disk")

        start = time.perf_counter()
        import napari

        viewer = napari.Viewer()
        print(f"viewer start-up: {time.perf_counter() - start:.2f} s, peak RSS {peak_rss_mb():.0f} MB")

        start = time.perf_counter()
        layers = viewer.open(path, plugin="napari-deepss")
        added = time.perf_counter() - start
        first_render = added + render(viewer)
        layer = layers[0]
        print(f"layers added: {added:.2f} s")
        for shown in layers:
            print(f"  {shown.name}: {len(shown.level_shapes)} levels, level 0 {tuple(shown.level_shapes[0])}")
        print(f"first render: {first_render:.2f} s after viewer.open")
        print(f"peak RSS: {peak_rss_mb():.0f} MB")

        from napari_deepss._napari.navigation import show_time, zoom_time

        show_time(viewer, layer.metadata["duration_seconds"] / 2)
        zoom_time(viewer, 8)  # what the = key does 3 times
        print(f"zoomed-in render (0.5 s at mid-recording): {render(viewer):.3f} s")
        viewer.reset_view()
        print(f"zoomed-out render (whole recording): {render(viewer):.3f} s")
        print(f"peak RSS at the end: {peak_rss_mb():.0f} MB")
        viewer.close()


if __name__ == "__main__":
    main()
