"""Real-data figures with defaults only: make the dataset, train, predict the held-out recordings, score them.

Nothing is chosen by hand after the network: the dataset and the post-processing
options are napari-deepss's defaults (the post-processing is chosen on the
validation recordings at the end of training), prediction is ``predict``'s
(what ``dss predict`` does), and the scores compare the predictions with the
annotation files of recordings the network never saw.

- Bengalese finch (bird0, 45 recordings at 32 kHz, syllables syll_0..syll_8;
  Koumura & Okanoya 2016), split by files (27 train, 9 validation, 9 test
  recordings), targets cut 4 ms around syllable boundaries (``--bird-gap``;
  the default dataset has no cut, and 41 of this bird's syllable pairs touch);
  the DeepSS GUI's recommended network (32 filters, kernel 32, 3 TCN blocks,
  nb_hist 2048, STFT frontend 16x). Prints onset/offset F1 at 10 and 5 ms,
  median onset/offset errors, correctly typed syllables and syllable error rate.
- Fly pulse song (one 60 s recording at 2.5 kHz; SongExplorer tutorial data),
  split by samples (one recording): 32 filters, kernel 32, 3 blocks, nb_hist
  1024 on the raw audio. Prints pulse precision/recall/F1 at 10 ms.

Training has a time budget (``--bird-minutes``, ``--fly-minutes``) after which
the best network so far is kept (the post-processing choice and the test pass
still run), DeepSS's early stopping and optionally at most ``--epochs``. Every
phase's wall time is printed. The script uses only functions that existed
before the choice was added, so it also measures older versions of
napari-deepss (``PYTHONPATH=<old>/src``), unless ``--mixed-precision`` is given.

``--seeds 1 2 3`` trains one network per seed (initial weights, chunk order;
the dataset split stays the same) and ``--mixed-precision off bfloat16`` one
per precision and seed, seed by seed, on the one dataset; the test recordings
are predicted in the precision the network trained in. A table of every
run's scores and their mean and spread (min-max) ends the output.

    python benchmarks/real_song.py [--data DIR] [--workdir DIR] [--bird-minutes 22] [--fly-minutes 6] [--only bird]
        [--seeds 1 2 3] [--mixed-precision off bfloat16] [--epochs N]

Mixed precision, measured on a SHARED machine (2 cores, load 6-14; DSS_THREADS=2), test scores:

- fly, ``--only fly --epochs 20 --fly-minutes 8 --seeds 1 2 3 --mixed-precision off bfloat16`` (float32's
  seed 2 reached the 8-minute budget after 17 epochs): pulse F1 float32 0.968 / 0.973 / 0.978 (mean 0.973),
  bfloat16 0.989 / 0.984 / 0.978 (mean 0.984); recall 1.000 in all but float32's seed 3 (0.978); fitting
  took 5.6-5.8 min in float32 and 2.6-3.7 min in bfloat16.
- bird, ``--only bird --epochs 2 --bird-minutes 12 --seeds 1 2 --mixed-precision off bfloat16`` (two epochs
  only, far from trained): onset F1 at 10 ms float32 0.979 / 0.986, bfloat16 0.981 / 0.989; correctly typed
  73.6 / 90.1 % against 67.2 / 91.3 %; syllable error rate 29.3 / 11.3 % against 33.3 / 10.4 %.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from napari_deepss import make_dataset, train
from napari_deepss.annotations import read_annotations
from napari_deepss.dataset import split_pieces
from napari_deepss.dataset.store import read_attrs
from napari_deepss.evaluate import AnnotationScores, score_annotations
from napari_deepss.jobs import Stopped

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
NETWORK = dict(nb_filters=32, kernel_size=32, nb_conv=3, seed=1, verbose=1)
BIRD = dict(dataset=dict(train=0.6, val=0.2, test=0.2, train_by="files", val_by="files", test_by="files", seed=0),
            network=dict(model_name="tcn_stft", nb_hist=2048, nb_pre_conv=4))
FLY = dict(dataset=dict(seed=0), network=dict(model_name="tcn", nb_hist=1024))


class PhaseClock:
    """Wall time of each training phase, from the progress reports."""

    def __init__(self):
        self.started = time.perf_counter()
        self.first: dict[str, float] = {}

    def __call__(self, p) -> None:
        self.first.setdefault(p.phase, time.perf_counter() - self.started)

    def durations(self, end: float) -> dict[str, float]:
        marks = [("start-up", 0.0), *sorted(self.first.items(), key=lambda item: item[1]), ("end", end)]
        spans: dict[str, float] = {}
        for (phase, at), (_, following) in zip(marks, marks[1:]):
            key = "fit" if phase in ("train", "val") else phase
            spans[key] = spans.get(key, 0.0) + following - at
        return spans


def train_with_budget(store: Path, minutes: float, network: dict) -> tuple[str, dict, int]:
    """Train; after ``minutes`` the stop flag ends fitting and the best model so far is kept. Phase times in s."""
    stop, clock = threading.Event(), PhaseClock()
    timer = threading.Timer(minutes * 60, stop.set)
    timer.start()
    note = ""
    try:
        result = train(data_dir=str(store), save_dir=str(store.with_suffix(".res")), stop=stop, progress=clock,
                       **{**NETWORK, **network})
    except Stopped as stopped:
        result, note = stopped.result, " (time budget reached)"
    finally:
        timer.cancel()
    spans = clock.durations(time.perf_counter() - clock.started)
    epochs = len(result.history.get("val_loss", []))
    print(f"  trained {epochs} epoch(s){note}; best val_loss {min(result.history['val_loss']):.4f}; "
          + ", ".join(f"{phase} {seconds / 60:.1f} min" for phase, seconds in spans.items()), flush=True)
    return str(result.model_path).removesuffix("_model.h5"), spans, epochs


def score_test_recordings(prefix: str, store: Path, tolerances=(0.01, 0.005), **predict_options) -> dict[float, dict]:
    """Predict every test recording whole with ``predict`` (its default options) and score it against its CSV."""
    from napari_deepss.prediction import predict

    attrs = read_attrs(store)
    data = Path(attrs["data_folder"])
    totals = {tolerance: AnnotationScores() for tolerance in tolerances}
    pieces = split_pieces(attrs, "test")
    started = time.perf_counter()
    rate = attrs["samplerate_x_Hz"]
    for name, start, stop in pieces:  # whole recordings for the bird, the test part of the fly's one recording
        stem = Path(name).name
        found = predict(data / f"{stem}.wav", prefix, **predict_options).annotations().cropped(start / rate, stop / rate)
        truth = read_annotations(data / f"{stem}_annotations.csv").cropped(start / rate, stop / rate)
        for tolerance in tolerances:
            totals[tolerance] = totals[tolerance] + score_annotations(truth, found, tolerance)
    print(f"  predicted and scored {len(pieces)} test piece(s) in {time.perf_counter() - started:.0f} s", flush=True)
    return {tolerance: scores.to_dict() for tolerance, scores in totals.items()}


def run(name: str, data: Path, workdir: Path, minutes: float, setup: dict, args) -> list[dict]:
    """One network per seed and precision on one dataset; each run's test scores (with its seed, precision, epochs)."""
    print(f"{name}: dataset from {data}", flush=True)
    started = time.perf_counter()
    store = make_dataset(data, workdir / f"{name}.npy", **setup["dataset"]).store_folder
    print(f"  dataset made in {time.perf_counter() - started:.0f} s", flush=True)
    runs = []
    for seed in args.seeds:
        for precision in args.mixed_precision or [None]:
            network = {**setup["network"], "seed": seed, **({"nb_epoch": args.epochs} if args.epochs else {})}
            if precision is not None:  # older versions have neither the option nor the prediction argument
                network["mixed_precision"] = precision
            print(f" seed {seed}, precision {precision or 'default'}", flush=True)
            prefix, spans, epochs = train_with_budget(store, minutes, network)
            options = {"precision": precision} if precision is not None else {}
            runs.append(dict(seed=seed, precision=precision or "default", epochs=epochs, fit_minutes=spans["fit"] / 60,
                             scores=score_test_recordings(prefix, store, **options)))
    return runs


def report_bird(scores: dict) -> None:
    ten, five = scores[0.01], scores[0.005]
    syllables = ten["syllables"]
    print(f"Bengalese finch, {syllables['n_true']} syllables of the test recordings")
    for label, s in (("10 ms", ten), (" 5 ms", five)):
        print(f"  {label}: onset F1 {s['segment_onsets']['f1']:.4f}  offset F1 {s['segment_offsets']['f1']:.4f}")
    print(f"  median onset error {ten['segment_onsets']['median_abs_deviation_seconds'] * 1000:.2f} ms, median offset "
          f"error {ten['segment_offsets']['median_abs_deviation_seconds'] * 1000:.2f} ms")
    print(f"  correctly typed {syllables['label_accuracy'] * 100:.2f}%  syllable error rate "
          f"{syllables['syllable_error_rate'] * 100:.2f}%")
    confusion = syllables.get("confusion") or {}
    wrong = {true: {given: n for given, n in row.items() if given != true} for true, row in confusion.items()}
    print(f"  typed wrongly: {({true: row for true, row in wrong.items() if row}) or 'none'}")


def report_fly(scores: dict) -> None:
    pulse = scores[0.01]["events"]["pulse"]
    print("Fly pulse, test part, 10 ms tolerance (DeepSS published: precision 0.93, recall 0.99, F1 0.96)")
    print(f"  precision {pulse['precision']:.3f}  recall {pulse['recall']:.3f}  F1 {pulse['f1']:.3f}  "
          f"(tp {pulse['true_positives']}, fp {pulse['false_positives']}, fn {pulse['false_negatives']})")


#: the scores the run table compares, per species: (column, where in the scores, format)
TABLE_SCORES = {
    "fly": [("pulse F1", lambda s: s[0.01]["events"]["pulse"]["f1"], "{:.3f}"),
            ("precision", lambda s: s[0.01]["events"]["pulse"]["precision"], "{:.3f}"),
            ("recall", lambda s: s[0.01]["events"]["pulse"]["recall"], "{:.3f}")],
    "bird": [("on F1 10ms", lambda s: s[0.01]["segment_onsets"]["f1"], "{:.4f}"),
             ("off F1 10ms", lambda s: s[0.01]["segment_offsets"]["f1"], "{:.4f}"),
             ("on F1 5ms", lambda s: s[0.005]["segment_onsets"]["f1"], "{:.4f}"),
             ("off F1 5ms", lambda s: s[0.005]["segment_offsets"]["f1"], "{:.4f}"),
             ("typed %", lambda s: 100 * s[0.01]["syllables"]["label_accuracy"], "{:.2f}"),
             ("SER %", lambda s: 100 * s[0.01]["syllables"]["syllable_error_rate"], "{:.2f}")],
}


def print_run_table(name: str, runs: list[dict]) -> None:
    """Every run's scores, then per precision their mean and range over the seeds (the seed-to-seed spread)."""
    columns = TABLE_SCORES[name]
    print(f"{name}: runs (seed, precision, epochs, fit minutes, scores)")
    print("  " + " | ".join(["seed", "precision", "epochs", "fit min", *(c for c, _, _ in columns)]))
    for one in runs:
        values = [fmt.format(get(one["scores"])) for _, get, fmt in columns]
        print("  " + " | ".join([str(one["seed"]), one["precision"], str(one["epochs"]),
                                 f"{one['fit_minutes']:.1f}", *values]))
    for precision in dict.fromkeys(one["precision"] for one in runs):
        chosen = [one for one in runs if one["precision"] == precision]
        cells = []
        for _, get, fmt in columns:
            values = np.array([get(one["scores"]) for one in chosen])
            cells.append(f"{fmt.format(values.mean())} [{fmt.format(values.min())}-{fmt.format(values.max())}]")
        print(f"  {precision}, mean [min-max] of {len(chosen)} seed(s): " + " | ".join(cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder holding bengalese_finch_bird0 and fly_pulse")
    parser.add_argument("--workdir", type=Path, help="where datasets and models go (default: a temporary folder)")
    parser.add_argument("--bird-minutes", type=float, default=22.0, help="training time budget for the bird")
    parser.add_argument("--fly-minutes", type=float, default=6.0, help="training time budget for the fly")
    parser.add_argument("--bird-gap", type=float, default=0.004, help="gap cut around syllable boundaries (s)")
    parser.add_argument("--only", choices=("fly", "bird"), help="run one of the two")
    parser.add_argument("--seeds", type=int, nargs="+", default=[NETWORK["seed"]], help="one network per seed")
    parser.add_argument("--mixed-precision", nargs="+", choices=("auto", "off", "bfloat16", "float16"),
                        help="one network per precision (and seed); default: the option's default")
    parser.add_argument("--epochs", type=int, help="at most this many epochs (default: DeepSS's 400, early stopping)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        if args.only != "bird":
            runs = run("fly", args.data / "fly_pulse", workdir, args.fly_minutes, FLY, args)
            for one in runs:
                report_fly(one["scores"])
            print_run_table("fly", runs)
        if args.only != "fly":
            BIRD["dataset"]["gap_seconds"] = args.bird_gap
            runs = run("bird", args.data / "bengalese_finch_bird0", workdir, args.bird_minutes, BIRD, args)
            for one in runs:
                report_bird(one["scores"])
            print_run_table("bird", runs)


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
