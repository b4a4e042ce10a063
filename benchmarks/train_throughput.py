"""Training throughput on the CPU: loss-bearing samples per second of ``napari_deepss.train``.

Builds a dataset from the first recordings of the Bengalese finch data (32 kHz)
and trains the documented configuration (nb_hist 1024, 32 filters, kernel 32,
3 TCN blocks, batch 32, ignore_boundaries) with and without the 16x STFT
frontend, and the network of the documented ``dss train`` command (nb_hist
256), through the real pipeline (memory-mapped chunks -> tf.data -> fit).
The first epoch (tracing and compilation) is not timed. Loss-bearing samples
per step are batch_size * stride; chunk samples are batch_size * nb_hist.

    python benchmarks/train_throughput.py [--data DIR] [--files 8] [--epochs 3] [--jit]

Measured on 2 CPU cores shared with other jobs (load average 5-8), TF 2.21:

    variant        jit_compile=False           jit_compile=True
    tcn            19,969 (24,578 chunk) /s     7,464 (9,187 chunk) /s
    tcn_stft 16x  360,754 (444,005 chunk) /s   23,425 (28,830 chunk) /s
    seed command    9,984 (39,937 chunk) /s    -

(loss-bearing samples/s; DeepSS on TF 2.13: about 3,000 (12,000 chunk) /s for the
seed command's network). XLA is slower on the CPU, hence ``jit_compile`` off by default.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from napari_deepss import TrainConfig, make_dataset, train
from napari_deepss.annotations import annotations_path_for

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "bengalese_finch_bird0"
DOCUMENTED = dict(nb_hist=1024, nb_filters=32, kernel_size=32, nb_conv=3, batch_size=32, ignore_boundaries=True,
                  learning_rate=1e-4, verbose=0)
VARIANTS = {
    "tcn": dict(model_name="tcn"),
    "tcn_stft 16x": dict(model_name="tcn_stft", nb_pre_conv=4),
    "seed command": dict(model_name="tcn", nb_hist=256),  # the network of the documented dss train command
}


class StepClock:
    """Progress callback that times the training steps of every epoch after the first."""

    def __init__(self):
        self.steps = 0
        self.seconds = 0.0
        self._last: float | None = None

    def __call__(self, p) -> None:
        now = time.perf_counter()
        if p.phase == "train" and p.epoch > 1:
            if p.step > 1 and self._last is not None:
                self.steps += 1
                self.seconds += now - self._last
        self._last = now if p.phase == "train" else None


def build_dataset(data: Path, n_files: int, workdir: Path) -> Path:
    source = workdir / "recordings"
    source.mkdir()
    for wav in sorted(data.glob("*.wav"))[:n_files]:
        shutil.copy(wav, source / wav.name)
        shutil.copy(annotations_path_for(wav), source / annotations_path_for(wav).name)
    return make_dataset(source, train=0.8, val=0.2, test=0.0).store_folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder of annotated recordings")
    parser.add_argument("--files", type=int, default=8, help="number of recordings in the dataset")
    parser.add_argument("--epochs", type=int, default=3, help="epochs (the first is not timed)")
    parser.add_argument("--jit", action="store_true", help="compile the steps with XLA")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = build_dataset(args.data, args.files, Path(tmp))
        for name, variant in VARIANTS.items():
            config = TrainConfig(data_dir=str(store), save_dir=str(Path(tmp) / "res"), nb_epoch=args.epochs,
                                 jit_compile=args.jit, **{**DOCUMENTED, **variant})
            clock = StepClock()
            train(config, progress=clock)
            per_second = clock.steps / clock.seconds
            print(f"{name:13s} jit_compile={args.jit!s:5s}: {per_second * config.batch_size * config.stride:9,.0f} "
                  f"loss-bearing samples/s ({per_second * config.batch_size * config.nb_hist:9,.0f} chunk "
                  f"samples/s, {clock.seconds / clock.steps * 1000:.0f} ms/step over {clock.steps} steps)")


if __name__ == "__main__":
    main()
