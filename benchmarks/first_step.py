"""Seconds from process start to the first finished training step and to the first predicted chunk.

Three measurements, each in a fresh process, ``--runs`` times, median printed:

- ``dss train``: the DeepSS documentation's command (nb_hist 256, 32 filters,
  kernel 32, 3 blocks) on a dataset of the first ``--files`` bird recordings;
  from launching the command to the first training progress bar on stderr
  (it opens when the first step has finished),
- ``child job``: the Train widget's Start, i.e. ``train_in_child`` from a
  process that has already imported napari-deepss (as napari has), to its first
  training report,
- ``dss predict``: a network of that command on one recording; from launching
  the command to the first prediction progress bar (after the first batch).

Each process is killed (or stopped) once it has been seen to get there. With
``--verbose 2`` (napari-deepss's default for ``dss train``) the commands print
their own breakdown of that time, shown with ``--show``.

    python benchmarks/first_step.py [--runs 3] [--files 4] [--show] [--against OTHER/src]

It times the code on ``PYTHONPATH`` (``PYTHONPATH=<checkout>/src``); with
``--against`` also another checkout's ``src``, the two taking turns run by run,
so that both see the same load and their ratio means something on a shared
machine.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "bengalese_finch_bird0"
DOCUMENTED = ["--nb-hist", "256", "--ignore-boundaries", "True", "--nb-filters", "32", "--kernel-size", "32",
              "--nb-conv", "3", "--use-separable", "False", "False", "False", "--learning-rate", "0.0001",
              "--nb-epoch", "400", "--model-name", "tcn", "--no-reduce-lr", "--no-tensorboard"]
DSS = [sys.executable, "-c", "import sys; from napari_deepss.cli import main; sys.exit(main())"]
CHILD = """
import sys, threading, time
from napari_deepss.child_jobs.train import train_in_child
from napari_deepss.training import TrainConfig
from napari_deepss.jobs import Stopped
config = TrainConfig.from_dict(dict(data_dir=sys.argv[1], save_dir=sys.argv[2], nb_hist=256, nb_filters=32,
    kernel_size=32, nb_conv=3, learning_rate=1e-4, nb_epoch=400, reduce_lr=False, post_opt=False,
    html_report=False, verbose=0))
stop = threading.Event()
start = time.perf_counter()
def progress(p):
    if p.phase == "train" and not stop.is_set():
        print(f"FIRST_STEP {time.perf_counter() - start:.3f}", flush=True)
        stop.set()
try:
    train_in_child(config, progress=progress, stop=stop)
except Stopped:
    pass
"""


def until_marker(argv: list[str], marker: str, stream: str = "stderr", env=None) -> tuple[float, str]:
    """Seconds from launching ``argv`` to the first output line (``\\r`` or ``\\n`` ended) matching ``marker``."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, bufsize=0)
    pipe = process.stderr if stream == "stderr" else process.stdout
    seen, line = [], b""
    try:
        while True:
            byte = pipe.read(1)
            if not byte:
                raise RuntimeError(f"{argv[-1]} ended before {marker!r}:\n" + "\n".join(seen[-20:]))
            if byte not in b"\r\n":
                line += byte
                continue
            text, line = line.decode(errors="replace"), b""
            seen.append(text)
            if re.search(marker, text):
                return time.perf_counter() - start, "\n".join(seen)
    finally:
        process.kill()
        process.communicate()


def make_inputs(data: Path, files: int, work: Path) -> tuple[Path, Path, Path]:
    """A dataset of ``files`` recordings, a network of the documented command, and a recording to predict."""
    from train_throughput import build_dataset  # a sibling script: the same dataset of the first recordings

    from napari_deepss import TrainConfig, train

    store = build_dataset(data, files, work)
    config = TrainConfig(data_dir=str(store), save_dir=str(work / "network"), nb_hist=256, nb_filters=32,
                         kernel_size=32, nb_conv=3, nb_epoch=1, fraction_data=0.05, post_opt=False,
                         html_report=False, verbose=0)
    network = train(config).model_path
    return store, network, sorted(data.glob("*.wav"))[files]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder of annotated recordings")
    parser.add_argument("--files", type=int, default=4, help="recordings in the dataset")
    parser.add_argument("--runs", type=int, default=3, help="fresh processes per measurement (median printed)")
    parser.add_argument("--show", action="store_true", help="print each command's output up to the moment")
    parser.add_argument("--against", metavar="SRC", help="another checkout's src folder, timed in turn with this one")
    args = parser.parse_args()
    sources = {"this": os.environ.get("PYTHONPATH", "")}
    if args.against:
        sources["against"] = args.against
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        store, network, recording = make_inputs(args.data, args.files, work)
        seconds = {(name, source): [] for name in JOBS for source in sources}
        for name in JOBS:
            for _ in range(args.runs):
                for source, path in sources.items():
                    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": path}
                    argv, marker, stream = _job(name, env, store, network, recording, work)
                    elapsed, output = until_marker(argv, marker, stream, env)
                    if name == "child job":
                        elapsed = float(output.split()[-1])
                    seconds[name, source].append(elapsed)
                    if args.show:
                        print(f"--- {name} ({source}):\n{output}", flush=True)
            for source, path in sources.items():
                times = seconds[name, source]
                print(f"{name:12s} first {'chunk' if 'predict' in name else 'step'} ({source}: {path or 'installed'}): "
                      f"median {statistics.median(times):5.1f} s (runs: {', '.join(f'{s:.1f}' for s in times)})",
                      flush=True)


JOBS = ("dss train", "child job", "dss predict")


def _job(name: str, env: dict, store: Path, network: Path, recording: Path, work: Path) -> tuple:
    """``argv, marker, stream`` of measurement ``name``."""
    if name == "dss train":
        return (DSS + ["train", "--data-dir", str(store), "--save-dir", str(work / "res"), *DOCUMENTED, "--verbose", "2"],
                r"epoch 1/\d+, train", "stderr")
    if name == "child job":
        return [sys.executable, "-c", CHILD, str(store), str(work / "res")], r"^FIRST_STEP", "stdout"
    help_text = subprocess.run(DSS + ["predict", "--help"], capture_output=True, text=True, env=env).stdout
    verbose = ["--verbose", "2"] if "--verbose" in help_text else []  # dss predict had no --verbose before
    return (DSS + ["predict", str(recording), str(network), "--out-dir", str(work / "predicted"), "--force", *verbose],
            r"^predict", "stderr")


if __name__ == "__main__":
    main()
