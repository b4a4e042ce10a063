"""Per-epoch wall time of the bird network split into training steps, validation and the gaps, from progress reports.

Trains the real_song bird recipe (``tcn_stft``, nb_hist 2048, nb_pre_conv 4,
32 filters, kernel 32, 3 blocks) on a dataset of the bird recordings split by
files (80/20, no test split: its scoring is not timed) for ``--epochs`` epochs and prints, per epoch, seconds of

- ``training``: from the epoch's start (the previous epoch's last report) to its last training step,
- ``validation``: from the last training step to the last validation batch (what a progress bar shows),

from the timestamps of the progress reports alone, so it times any checkout
(``PYTHONPATH=<checkout>/src``), before and after a change. ``--files`` uses
the first recordings only.

    python benchmarks/epoch_split.py [--files 45] [--epochs 3]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from napari_deepss import make_dataset, train
from napari_deepss.annotations import annotations_path_for

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "bengalese_finch_bird0"
BIRD = dict(model_name="tcn_stft", nb_hist=2048, nb_pre_conv=4, nb_filters=32, kernel_size=32, nb_conv=3,
            learning_rate=5e-4, post_opt=False, html_report=False, verbose=0, seed=0)


class EpochClock:
    """Timestamps of the last training and validation report of each epoch."""

    def __init__(self):
        self.start = time.perf_counter()
        self.last: dict[tuple[int, str], float] = {}
        self.counts: dict[tuple[int, str], int] = {}

    def __call__(self, p) -> None:
        epoch = p.values.get("epoch")
        if p.phase in ("train", "val"):
            self.last[epoch, p.phase] = time.perf_counter()
            self.counts[epoch, p.phase] = p.done

    def lines(self) -> list[str]:
        out, previous = [], self.start
        for epoch in sorted({e for e, phase in self.last if phase == "val"}):
            trained, validated = self.last[epoch, "train"], self.last[epoch, "val"]
            out.append(f"epoch {epoch}: training {trained - previous:6.1f} s ({self.counts[epoch, 'train']} steps), "
                       f"validation {validated - trained:5.1f} s ({self.counts[epoch, 'val']} batches)")
            previous = validated
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder of annotated bird recordings")
    parser.add_argument("--files", type=int, default=45, help="recordings in the dataset")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--store", type=Path, help="an existing dataset to use instead")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = args.store
        if store is None:
            source = Path(tmp) / "recordings"
            source.mkdir()
            for wav in sorted(args.data.glob("*.wav"))[:args.files]:
                shutil.copy(wav, source / wav.name)
                shutil.copy(annotations_path_for(wav), source / annotations_path_for(wav).name)
            store = make_dataset(source, Path(tmp) / "bird.npy", train=0.8, val=0.2, test=0.0, train_by="files",
                                 val_by="files", test_by="files", seed=0).store_folder
        clock = EpochClock()
        train(data_dir=str(store), save_dir=str(Path(tmp) / "res"), nb_epoch=args.epochs, progress=clock, **BIRD)
        print("\n".join(clock.lines()), flush=True)


if __name__ == "__main__":
    main()
