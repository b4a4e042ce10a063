"""What saving the class probabilities costs: prediction speed and file size, float32 vs float16 vs a lower rate.

A synthetic recording (default 16 minutes at 32 kHz, one channel) is
annotated by ``napari_deepss.predict`` with the STFT network of
``predict_throughput.py`` given 10 song classes (as a Bengalese finch
network has), once without keeping the probabilities and once writing them
to an ``.npy`` file in each format. The whole call is timed, including the
final flush of the file to the disk (the write is durable before it is
renamed into place). Weights are random; a short warm-up traces the network.

    python benchmarks/probabilities_on_disk.py [--minutes 16] [--rate 32000] [--folder DIR] [--repeats 2]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

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


def main() -> None:
    from napari_deepss import predict

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=16.0)
    parser.add_argument("--rate", type=float, default=32_000.0)
    parser.add_argument("--folder", help="where the files are written (default: the system's temporary folder)")
    parser.add_argument("--repeats", type=int, default=2, help="runs per format; the fastest is shown")
    args = parser.parse_args()
    audio = recording(args.minutes, args.rate)
    model, params = bird_like(args.rate)
    print(f"{args.minutes:g} min at {args.rate:g} Hz ({len(audio):,} samples), {len(params['class_names'])} classes")
    predict(audio[:args.rate * 10], model, samplerate=args.rate, params=params)  # warm-up: trace the network
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
