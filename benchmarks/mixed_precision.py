"""Mixed precision on this machine: training steps/s and prediction samples/s, float32 against bfloat16 (float16).

Every network is built once per precision with the same weights (copied from
the float32 one), compiled as ``train`` compiles it, warmed up (traced), then
timed in rounds that alternate the precisions within this one process, so the
ratios hold even on a shared machine. Training: ``train_on_batch`` on random
chunks (batch 32; the cost does not depend on the values). Prediction:
``napari_deepss.predict`` of a synthetic recording (chunking, network,
post-processing), reporting samples/s and the largest difference of the
probabilities from float32's. Networks: the DeepSS documentation's (raw
audio, nb_hist 1024, 32 filters, kernel 32, 3 blocks; the fly's in
``real_song.py``), the DeepSS GUI's bird network (nb_hist 2048, 16x STFT
frontend), a 4-channel raw-audio network, and DeepSS's own layers rebuilt
(prediction only, ``architecture: deepss``).

    python benchmarks/mixed_precision.py [--rounds 3] [--steps 4] [--seconds 60] [--precisions off bfloat16]

Measured on 2 cores with avx512_bf16, TensorFlow 2.21 (oneDNN), SHARED with other jobs (load 6-14), so
only the ratios (alternating rounds in one process) mean something; ``--seconds 30``, 3 rounds x 4 steps:

    network                  bfloat16 / float32: train steps/s   predict samples/s   max |p - p_float32|
    documented raw 1024      1.61x                                2.53x               0.094
    bird STFT 16x 2048       2.19x (1.22x in a 5 x 8-step rerun)  1.14x (1.40x)       0.070 (0.047)
    4-channel raw 1024       1.72x                                2.00x               0.078
    DeepSS layers raw 1024   -                                    1.81x               0.027

(random weights; a first try with the STFT layer itself in bfloat16 trained the bird network 0.77x as fast,
hence the frontend stays float32.)
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from napari_deepss.models.precision import cpu_flags
from napari_deepss.training.config import TrainConfig

BASE = dict(nb_filters=32, kernel_size=32, nb_conv=3)
NETWORKS = {
    "documented raw 1024": dict(nb_hist=1024, rate=10_000.0, channels=1),
    "bird STFT 16x 2048": dict(nb_hist=2048, nb_pre_conv=4, rate=32_000.0, channels=1),
    "4-channel raw 1024": dict(nb_hist=1024, rate=10_000.0, channels=4),
    "DeepSS layers raw 1024": dict(nb_hist=1024, rate=10_000.0, channels=1, deepss=True),
}
CLASSES = dict(class_names=["noise", "pulse", "sine"], class_types=["segment", "event", "segment"])


def network_params(nb_hist: int, rate: float, channels: int, deepss: bool = False, nb_pre_conv: int = 0) -> dict:
    config = TrainConfig(data_dir="unused", nb_hist=nb_hist, nb_pre_conv=nb_pre_conv, **BASE)
    params = {**config.to_dict(), **CLASSES, "samplerate_x_Hz": rate, "nb_channels": channels, "nb_classes": 3,
              "use_separable": config.separable_blocks(), "data_padding": config.data_padding,
              "stride": config.stride}
    if deepss:
        params["architecture"] = "deepss"
    return params


def compiled(params: dict, precision: str, weights=None):
    import keras

    from napari_deepss.models import build_network

    model = build_network(params, precision)
    if weights is not None:
        model.set_weights(weights)
    model.compile(optimizer=keras.optimizers.Adam(5e-4, amsgrad=True, clipnorm=1.0),
                  loss=keras.losses.CategoricalCrossentropy(reduction="mean_with_sample_weight"))
    return model


def measure(name: str, spec: dict, precisions: list[str], args) -> None:
    from napari_deepss import predict

    params = network_params(**spec)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, spec["nb_hist"], spec["channels"])).astype("float32")
    y = np.eye(3, dtype="float32")[rng.integers(0, 3, (32, spec["nb_hist"]))]
    audio = 0.1 * rng.standard_normal((int(args.seconds * spec["rate"]), spec["channels"])).astype("float32")
    models = {precisions[0]: compiled(params, precisions[0])}
    weights = models[precisions[0]].get_weights()
    models.update({p: compiled(params, p, weights) for p in precisions[1:]})
    reference = {}
    for p, model in models.items():  # warm-up: trace both steps, keep the probabilities to compare
        model.train_on_batch(x, y)
        model.set_weights(weights)
        reference[p] = predict(audio, model, samplerate=spec["rate"], params=params, keep_probabilities=True)
    train_s, predict_s = dict.fromkeys(models, 0.0), dict.fromkeys(models, 0.0)
    for _ in range(args.rounds):
        for p, model in models.items():
            started = time.perf_counter()
            if not spec.get("deepss"):
                for _ in range(args.steps):
                    model.train_on_batch(x, y)
            train_s[p] += time.perf_counter() - started
            started = time.perf_counter()
            predict(audio, model, samplerate=spec["rate"], params=params)
            predict_s[p] += time.perf_counter() - started
    first = precisions[0]
    for p in models:
        steps = args.rounds * args.steps / train_s[p] if train_s[p] > 0.01 else float("nan")
        samples = args.rounds * len(audio) / predict_s[p]
        difference = np.abs(reference[p].probabilities - reference[first].probabilities).max()
        print(f"{name:24} {p:9} train {steps:6.2f} steps/s ({steps / (args.rounds * args.steps / train_s[first]):4.2f}x)"
              f"  predict {samples:10,.0f} samples/s ({samples * predict_s[first] / (args.rounds * len(audio)):4.2f}x)"
              f"  max |p - p_{first}| {difference:.4f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per precision")
    parser.add_argument("--steps", type=int, default=4, help="training steps per round")
    parser.add_argument("--seconds", type=float, default=60.0, help="seconds of audio predicted per round")
    parser.add_argument("--precisions", nargs="+", default=["off", "bfloat16"],
                        choices=("off", "bfloat16", "float16"), help="the first is the reference")
    parser.add_argument("--only", nargs="+", choices=tuple(NETWORKS), help="measure these networks only")
    args = parser.parse_args()
    from napari_deepss.quiet_tensorflow import quiet_tensorflow

    quiet_tensorflow()
    print(f"CPU bfloat16 flags: {sorted(f for f in cpu_flags() if 'bf16' in f or 'amx' in f) or 'none'}; "
          f"{args.rounds} rounds x {args.steps} steps of batch 32, {args.seconds:g} s predicted per round")
    for name in args.only or NETWORKS:
        measure(name, NETWORKS[name], args.precisions, args)


if __name__ == "__main__":
    main()
