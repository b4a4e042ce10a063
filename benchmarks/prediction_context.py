"""How much prediction work the chunk layout repeats, and whether a long-block layout would keep the outputs.

Prediction (:mod:`napari_deepss.chunk_layout`) runs chunks a quarter chunk apart and averages them under a
Hann window that gives no weight within ``data_padding`` of a chunk's edges. Per network this prints:

- the work: chunk samples run per recording sample, and the share of that spent on samples that get no weight
  or are computed again by another chunk;
- the network's context: the receptive field's half-width from its layers
  (:func:`napari_deepss.model_flops.context_samples`) and as measured (the farthest output that a change of
  one input sample moves by more than 1e-4, on one long pass), against its ``data_padding``;
- what a layout of a few long blocks would give: such a layout (blocks overlapping by at least the context)
  gives exactly one pass of the network rebuilt for the whole recording with the same weights (it is fully
  convolutional), so this compares today's probabilities with that pass: max and mean abs difference, share of
  samples more than 1e-4 apart, and the events and segments each finds.

Networks: the three of ``benchmarks/speed.py`` (random weights, on real fly and bird audio), a network trained
by napari-deepss (the fixture ``fly_stft_7045dc4``), the tiny fly network the prediction tests train (context
= its padding), and DeepSS's trained ``fly_tcn`` (context only: DeepSS networks keep DeepSS's grid).

    python benchmarks/prediction_context.py [--seconds 6]
    python benchmarks/prediction_context.py --batching   # prediction samples/s by batch size only

Measured (2 cores shared with other jobs, load 7-12; 6 s of real audio per network):

    network                      work  context: layers / measured  padding  long pass vs today: max, > 1e-4
    docs (random weights)        3.96       1,443 / 1,084              96       0.999, 99.7% of samples
    bird stft (random weights)   3.97      23,152 / 13,065             96       0.93, 100%
    4 channels (random weights)  3.82       1,443 / 1,147              96       0.71, 98.2%
    fly_stft_7045dc4 (trained)   3.93         120 / 92                 16       5.2e-3, 9.3% (42 pulses in both)
    tests' tiny fly (trained)    3.96           3 / 3                   3       0 (identical)
    DeepSS fly_tcn (trained)     1.16 (DeepSS's grid)  226 / 172       32       -

Only a network whose context fits in its padding keeps its probabilities in long blocks. By batch size
(8 / 32 / 128 chunks): docs 7.5k / 8.2k / 6.5k samples/s, bird stft 99k / 139k / 125k samples/s, 94-100% of
the time inside the network: 32, the default, is best and the averaging costs little.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("DEEPSS_TEST_DATA", ROOT.parent / "shared" / "data"))  # as the tests find it
FIXTURES = ROOT / "tests" / "fixtures" / "deepss"
TOLERANCE = 1e-4


def long_pass(model, params: dict, x: np.ndarray) -> np.ndarray:
    """One pass of the network rebuilt for all of ``x`` (a multiple of its frame length), same weights."""
    from napari_deepss.models import build_network

    long_model = build_network({**params, "nb_hist": len(x)})
    long_model.set_weights(model.get_weights())
    return np.asarray(long_model.predict_on_batch(x[np.newaxis]), dtype=np.float32)[0]


def measured_context(model, params: dict, x: np.ndarray) -> int:
    """Farthest sample whose output moves by more than the tolerance when one input sample in the middle changes."""
    middle = len(x) // 2
    changed = x.copy()
    changed[middle] += np.abs(x).max()
    moved = np.abs(long_pass(model, params, changed) - long_pass(model, params, x)).max(axis=1) > TOLERANCE
    where = np.flatnonzero(moved)
    return int(np.abs(where - middle).max()) if len(where) else 0


def compare(name: str, model, params: dict, x: np.ndarray, deepss_grid: bool = False) -> None:
    from napari_deepss import predict
    from napari_deepss.chunk_layout import ChunkLayout
    from napari_deepss.model_flops import context_samples
    from napari_deepss.postprocess import Postprocessor

    rate = float(params["samplerate_x_Hz"])
    factor = 2 ** int(params.get("nb_pre_conv") or 0)
    x = x[: len(x) // factor * factor]
    layout = ChunkLayout.for_model(model, params, len(x))
    work = len(layout.starts) * layout.nb_hist / len(x)
    unweighted = 2 * layout.padding / layout.nb_hist
    print(f"\n{name}: nb_hist {layout.nb_hist}, padding {params['data_padding']}, {len(x):,} samples at {rate:g} Hz")
    print(f"  work: {work:.2f} chunk samples per sample ({100 * (1 - 1 / work):.0f}% repeated or unweighted; "
          f"{100 * unweighted:.0f}% of each chunk has no weight){' [DeepSS grid]' if deepss_grid else ''}")
    print(f"  context: {context_samples(model):,} samples from the layers, "
          f"{measured_context(model, params, x):,} measured (> {TOLERANCE:g}), padding {params['data_padding']}")
    if deepss_grid:
        return
    today = predict(x, model, samplerate=rate, params=params, keep_probabilities=True)
    long_probabilities = long_pass(model, params, x)
    diff = np.abs(today.probabilities - long_probabilities)
    print(f"  long pass vs today: max {diff.max():.2e}, mean {diff.mean():.2e}, "
          f"{100 * np.mean(diff.max(axis=1) > TOLERANCE):.1f}% of samples > {TOLERANCE:g}")
    long = Postprocessor(today.class_names, today.class_types, rate, today.options)
    long.add(long_probabilities)
    long_events, long_segments = long.finish()
    for kind, found in (("events", long_events), ("segments", long_segments)):
        a = getattr(today, kind)
        counts = {n: (len(a[n]), len(found[n])) for n in a if len(a[n]) or len(found[n])}
        if counts:
            print(f"  {kind} today / long pass: " + ", ".join(f"{n} {i}/{j}" for n, (i, j) in counts.items()))


class _TimedModel:
    """The Keras model with the time spent in its calls counted."""

    def __init__(self, model):
        self.model, self.input_shape, self.seconds = model, model.input_shape, 0.0

    def predict_on_batch(self, chunks):
        began = time.perf_counter()
        try:
            return self.model.predict_on_batch(chunks)
        finally:
            self.seconds += time.perf_counter() - began


def batching(name: str, seconds: float, sizes=(8, 32, 128), rounds: int = 2) -> None:
    """Prediction samples/s per batch size (interleaved, best of ``rounds``) and the share spent in the network."""
    from speed import NETWORKS, network

    from napari_deepss import predict
    from napari_deepss.synthetic import synthetic_song

    model, params = network(name)
    rate, channels = NETWORKS[name][1], NETWORKS[name][2]
    x = np.repeat(synthetic_song(seconds, rate, seed=1)[0], channels, axis=1)
    timed = _TimedModel(model)
    best = {size: (0.0, 0.0) for size in sizes}
    for size in [sizes[0], *sizes * rounds]:  # the first run traces the network
        timed.seconds, began = 0.0, time.perf_counter()
        predict(x, timed, samplerate=rate, params=params, batch_size=size)
        total = time.perf_counter() - began
        best[size] = max(best[size], (len(x) / total, timed.seconds / total))
    print(f"\n{name} (random weights), {seconds:g} s of synthetic song: prediction samples/s by batch size")
    print("  " + ", ".join(f"batch {s}: {r:,.0f}/s ({100 * share:.0f}% in the network)"
                           for s, (r, share) in best.items()))


def audio(path: Path, seconds: float, start: float = 0.0) -> tuple[np.ndarray, float]:
    import soundfile

    info = soundfile.info(path)
    x, rate = soundfile.read(path, dtype="float32", start=int(start * info.samplerate),
                             frames=int(seconds * info.samplerate), always_2d=True)
    return x, float(rate)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=6.0, help="seconds of real audio per network")
    parser.add_argument("--batching", action="store_true", help="only time prediction by batch size")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "benchmarks"))
    sys.path.insert(0, str(ROOT / "tests"))
    if args.batching:
        batching("docs", 20.0)
        batching("bird stft", 60.0)
        return
    from predict_helpers import train_tiny_fly_network
    from speed import network

    from napari_deepss.network_files import load_network

    fly = DATA / "fly_pulse"
    fly_wav = sorted(fly.glob("*.wav"))[0]
    bird_wav = max((DATA / "bengalese_finch_bird0").glob("*.wav"), key=lambda wav: wav.stat().st_size)
    for name, wav, start in (("docs", fly_wav, 10.0), ("bird stft", bird_wav, 0.0), ("4 channels", fly_wav, 10.0)):
        model, params = network(name)
        x, rate = audio(wav, args.seconds, start)
        params = {**params, "samplerate_x_Hz": rate}
        compare(f"{name} (random weights)", model, params, np.repeat(x, params["nb_channels"], axis=1))
    model, params = load_network(FIXTURES / "old_networks" / "fly_stft_7045dc4")
    compare("fly_stft_7045dc4 (trained by napari-deepss)", model, params, audio(fly_wav, args.seconds, 10.0)[0])
    with tempfile.TemporaryDirectory() as tmp:
        prefix, wav = train_tiny_fly_network(fly_wav, Path(tmp))
        model, params = load_network(prefix)
        compare("tests' tiny fly network (trained)", model, params, audio(wav, args.seconds)[0])
    model, params = load_network(FIXTURES / "networks" / "fly_tcn")
    compare("DeepSS fly_tcn (trained)", model, params, audio(fly_wav, args.seconds, 10.0)[0], deepss_grid=True)


if __name__ == "__main__":
    main()
