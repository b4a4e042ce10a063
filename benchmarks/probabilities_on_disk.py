"""What saving the class probabilities costs: prediction speed and file size, float32 vs float16 vs a lower rate.

A synthetic recording (default 16 minutes at 32 kHz, one channel) is
annotated by ``napari_deepss.predict`` with the STFT network of
``predict_throughput.py`` given 10 song classes (as a Bengalese finch
network has), once without keeping the probabilities and once writing them
to an ``.npy`` file in each format. The whole call is timed, including the
final flush of the file to the disk (the write is durable before it is
renamed into place). Weights are random; a short warm-up traces the network.

    python benchmarks/probabilities_on_disk.py [--minutes 16] [--rate 32000] [--folder DIR] [--repeats 2] [--store-only]

Measured (2 CPU cores shared with other jobs, load average 5-6, so the speeds are low and noisy; one
run each; ext4 on a virtual disk): not saved 121 s, float32 127 s (1.35 GB), float16 130 s (676 MB),
float16 at 1 kHz 129 s (21 MB): saving costs a few percent, not half. The store alone (--store-only;
30.7 M rows x 11 classes in blocks of 40k rows; two runs) takes 0.6-4.1 s wall for float32 (final fsync
included; 0.3-1.6 s CPU), 1.2-2.3 s for float16 (1.0 s CPU, mostly the cast) and 0.7-1.6 s for float16 at
1 kHz (0.65 s CPU, the block means).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from predict_throughput import VARIANTS, network, recording

from napari_deepss.disk_space import format_bytes
from napari_deepss.probability_files import ProbabilityFormat, info_path

SONG_CLASSES = 10
FORMATS = {"not saved": None, "float32": ProbabilityFormat("float32"), "float16": ProbabilityFormat("float16"),
           "float16 at 1 kHz": ProbabilityFormat("float16", 1000.0)}


def bird_like(rate: float):
    """The STFT network of predict_throughput.py with a noise class and SONG_CLASSES song classes."""
    names = ["noise"] + [f"syllable_{i}" for i in range(SONG_CLASSES)]
    return network(rate, {"class_names": names, "class_types": ["segment"] * len(names)}, **VARIANTS["tcn_stft 16x"])


def store_only(n_rows: int, folder: str | None, block: int = 40_000) -> None:
    """Time the probability files alone (no network): ``n_rows`` random rows of 11 classes in blocks, as predict writes."""
    import contextlib

    from napari_deepss.probability_files import probability_store

    names = ["noise"] + [f"syllable_{i}" for i in range(SONG_CLASSES)]
    rows = np.random.default_rng(0).random((block, len(names)), dtype=np.float32)
    for name, form in list(FORMATS.items())[1:]:
        with tempfile.TemporaryDirectory(dir=folder) as tmp:
            started, cpu = time.perf_counter(), time.process_time()
            with contextlib.ExitStack() as files:  # closing it flushes the file to the disk and renames it
                store = probability_store(Path(tmp) / "p.npy", n_rows, names, 32_000.0, form, files)
                for start in range(0, n_rows, block):
                    store.write_rows(start, rows[:min(block, n_rows - start)])
                store.finish()
            print(f"store only, {name:17} {time.perf_counter() - started:5.2f} s wall, "
                  f"{time.process_time() - cpu:5.2f} s CPU")


def main() -> None:
    from napari_deepss import predict

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=16.0)
    parser.add_argument("--rate", type=float, default=32_000.0)
    parser.add_argument("--folder", help="where the files are written (default: the system's temporary folder)")
    parser.add_argument("--repeats", type=int, default=2, help="runs per format; the fastest is shown")
    parser.add_argument("--store-only", action="store_true", help="time writing the files alone, without a network")
    args = parser.parse_args()
    if args.store_only:
        store_only(int(args.minutes * 60 * args.rate), args.folder)
        return
    audio = recording(args.minutes, args.rate)
    model, params = bird_like(args.rate)
    print(f"{args.minutes:g} min at {args.rate:g} Hz ({len(audio):,} samples), {len(params['class_names'])} classes")
    predict(audio[:int(args.rate * 10)], model, samplerate=args.rate, params=params)  # warm-up: trace the network
    with tempfile.TemporaryDirectory(dir=args.folder) as folder:
        for name, form in FORMATS.items():
            path = Path(folder) / "song_probabilities.npy"
            seconds = []
            for _ in range(args.repeats):
                started = time.perf_counter()
                predict(audio, model, samplerate=args.rate, params=params, keep_probabilities=path if form else False,
                        probability_format=form)
                seconds.append(time.perf_counter() - started)
            size = f"{format_bytes(path.stat().st_size):>8} + {info_path(path).stat().st_size} bytes of JSON" \
                if form else ""
            best = min(seconds)
            print(f"{name:17} {best:6.1f} s -> {args.minutes * 60 / best:6.1f} s of audio per second  {size}")
            path.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
