"""Event-loop delay of napari while the Train widget trains a network.

A precise QTimer asks to tick every 10 ms; each tick records how late it came
(interval - 10 ms). Lateness percentiles are printed for a real training run
started from the Train dock widget (the fly recording as a dataset; by default
the DeepSS GUI's recommended network: 32 filters, kernel 32, 3 blocks, nb_hist
1024) and, as a control, for the idle viewer over as long again right after:
other processes on the machine delay ticks too, so the load average is printed
alongside. Run under a display:

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
    """Ticks every TICK_MS and keeps how late each tick came (ms), by the stage ``stage()`` names."""

    def __init__(self, stage):
        self.lateness: dict[str, list[float]] = {}
        self._stage = stage
        self._last = time.perf_counter()
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now = time.perf_counter()
        self.lateness.setdefault(self._stage(), []).append(max(0.0, (now - self._last) * 1000 - TICK_MS))
        self._last = now

    def run(self, until, timeout_s: float) -> dict[str, np.ndarray]:
        """Tick while the event loop runs until ``until()`` is true or ``timeout_s`` passed."""
        self.lateness = {}
        self._last = time.perf_counter()
        self._timer.start(TICK_MS)
        spin(until, timeout_s)
        self._timer.stop()
        return {stage: np.array(values) for stage, values in self.lateness.items()}


def spin(until, timeout_s: float) -> None:
    """Run the Qt event loop until ``until()`` is true or ``timeout_s`` passed."""
    loop = QEventLoop()
    deadline = time.monotonic() + timeout_s
    while not until() and time.monotonic() < deadline:
        loop.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)


def summary(name: str, lateness: np.ndarray) -> str:
    p50, p90, p99 = np.percentile(lateness, [50, 90, 99])
    seconds = (lateness.sum() + TICK_MS * len(lateness)) / 1000
    return (f"{name:>22}: {len(lateness):5d} ticks in {seconds:5.1f} s; lateness p50 {p50:.2f} ms, "
            f"p90 {p90:.2f} ms, p99 {p99:.2f} ms, max {lateness.max():.1f} ms; later than 50 ms: "
            f"{(lateness > 50).sum()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder of annotated recordings")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--nb-hist", type=int, default=1024)
    parser.add_argument("--nb-filters", type=int, default=32)
    parser.add_argument("--kernel-size", type=int, default=32)
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
        spin(lambda: False, 2.0)  # let the viewer's first paint finish before measuring
        stage = {"name": "training: start-up"}  # until the first progress: the child loads TensorFlow
        probe = LatenessProbe(lambda: stage["name"])
        started = time.perf_counter()
        widget.start()
        start_ms = (time.perf_counter() - started) * 1000

        def training_started_or_over() -> bool:
            if widget.loss_plot.train_points:
                stage["name"] = "training: epochs"
            return not widget.running

        started = time.perf_counter()
        training = probe.run(training_started_or_over, timeout_s=3600)
        stage["name"] = "idle (control)"
        idle = probe.run(lambda: False, time.perf_counter() - started)

        print(f"load average (1 min) at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        print(f"network: nb_hist {args.nb_hist}, {args.nb_filters} filters, kernel {args.kernel_size}, "
              f"{args.epochs} epochs on {args.data.name}; training in a child process")
        print(f"Start button handler (GUI thread): {start_ms:.0f} ms")
        for name, lateness in {**training, **idle}.items():
            print(summary(name, lateness))
        print(f"last status: {widget.status.text().splitlines()[0]}")
        viewer.close()


if __name__ == "__main__":
    main()
