"""Event-loop delay of napari while the Train widget trains a network.

A precise QTimer asks to tick every 10 ms; each tick records how late it came
(interval - 10 ms). The lateness percentiles are printed for the viewer idle
and during a real training run started from the Train dock widget (the fly
recording as a dataset; by default the DeepSS GUI's recommended network: 32
filters, kernel 32, 3 blocks, nb_hist 1024). Other processes compete for the
same cores, so the load average is printed alongside. Run under a display:

    xvfb-run -a python benchmarks/train_widget_responsiveness.py [--epochs 3] [--data DIR]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import napari
import numpy as np
from qtpy.QtCore import QEventLoop, Qt, QTimer

from napari_deepss.dataset import make_dataset

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "fly_pulse"
TICK_MS = 10


class LatenessProbe:
    """Ticks every TICK_MS and keeps how late each tick came, in ms."""

    def __init__(self):
        self.lateness: list[float] = []
        self._last = time.perf_counter()
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now = time.perf_counter()
        self.lateness.append(max(0.0, (now - self._last) * 1000 - TICK_MS))
        self._last = now

    def start(self) -> None:
        self.lateness.clear()
        self._last = time.perf_counter()
        self._timer.start(TICK_MS)

    def stop(self) -> np.ndarray:
        self._timer.stop()
        return np.array(self.lateness)


def spin(until, timeout_s: float) -> None:
    """Run the Qt event loop until ``until()`` is true or ``timeout_s`` passed."""
    loop = QEventLoop()
    deadline = time.monotonic() + timeout_s
    while not until() and time.monotonic() < deadline:
        loop.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)


def summary(name: str, lateness: np.ndarray, seconds: float) -> str:
    p50, p90, p99 = np.percentile(lateness, [50, 90, 99])
    return (f"{name:>9}: {len(lateness)} ticks in {seconds:.1f} s; lateness p50 {p50:.2f} ms, p90 {p90:.2f} ms, "
            f"p99 {p99:.2f} ms, max {lateness.max():.1f} ms; ticks later than 50 ms: {(lateness > 50).sum()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder of annotated recordings")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--nb-hist", type=int, default=1024)
    parser.add_argument("--nb-filters", type=int, default=32)
    parser.add_argument("--kernel-size", type=int, default=32)
    parser.add_argument("--idle-seconds", type=float, default=5.0)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        dataset = Path(tmp) / "bench.npy"
        make_dataset(args.data, dataset, seed=0)
        viewer = napari.Viewer()
        viewer.add_image(np.random.default_rng(0).random((512, 2048), dtype=np.float32), name="canvas load")
        _, widget = viewer.window.add_plugin_dock_widget("napari-deepss", "Train")
        widget.data_dir.value = dataset
        widget.nb_hist.value = args.nb_hist
        widget.nb_filters.value = args.nb_filters
        widget.kernel_size.value = args.kernel_size
        widget.nb_epoch.value = args.epochs
        widget.verbose.value = 0
        probe = LatenessProbe()

        probe.start()
        started = time.perf_counter()
        spin(lambda: False, args.idle_seconds)
        idle = probe.stop(), time.perf_counter() - started

        probe.start()
        started = time.perf_counter()
        widget.start()
        spin(lambda: not widget.running, timeout_s=3600)
        training = probe.stop(), time.perf_counter() - started

        print(f"load average (1 min) at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        print(f"network: nb_hist {args.nb_hist}, {args.nb_filters} filters, kernel {args.kernel_size}, "
              f"{args.epochs} epochs on {args.data.name}; training in a child process")
        print(summary("idle", *idle))
        print(summary("training", *training))
        print(f"last status: {widget.status.text().splitlines()[0]}")
        viewer.close()


if __name__ == "__main__":
    main()
