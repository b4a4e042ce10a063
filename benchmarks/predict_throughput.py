"""Prediction speed on the CPU: seconds of audio annotated per second of compute.

A 10-minute, 10 kHz, one-channel recording (noise with tones; the content
does not change the cost) is annotated by ``napari_deepss.predict`` with the
recommended network of the DeepSS GUI (32 filters, kernel 32, 3 TCN blocks,
nb_hist 2048, 3 classes), with and without the 16x STFT frontend. The whole
path is timed: chunking, the network, and post-processing into events and
segments. Weights are random (speed does not depend on them); a short warm-up
prediction first traces the network, so tracing is not timed.

    python benchmarks/predict_throughput.py [--minutes 10] [--rate 10000] [--batch-size 32]

Measured (2 CPU cores, otherwise idle at the time, TensorFlow 2.21 with oneDNN, batch 32): raw-audio
TCN 20.7 s -> 29 s of audio per second; with the 16x STFT frontend 2.5 s -> 239 s of audio per second.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from napari_deepss.training.config import TrainConfig

NETWORK = dict(nb_hist=2048, nb_filters=32, kernel_size=32, nb_conv=3)
VARIANTS = {"tcn (raw audio)": dict(model_name="tcn", nb_pre_conv=0),
            "tcn_stft 16x": dict(model_name="tcn_stft", nb_pre_conv=4)}
CLASSES = dict(class_names=["noise", "pulse", "sine"], class_types=["segment", "event", "segment"])


def recording(minutes: float, rate: float) -> np.ndarray:
    rng = np.random.default_rng(0)
    t = np.arange(int(minutes * 60 * rate)) / rate
    tones = 0.3 * np.sin(2 * np.pi * 150 * t) * (np.sin(2 * np.pi * 0.5 * t) > 0)
    return (tones + 0.05 * rng.standard_normal(len(t))).astype(np.float32)[:, np.newaxis]


def network(rate: float, classes: dict = CLASSES, **variant):
    """``(model, params)`` with random weights; ``classes``: class_names and class_types."""
    from napari_deepss.models import NetworkSpec, build_model

    config = TrainConfig(data_dir="unused", **NETWORK, **variant)
    params = {**config.to_dict(), **classes, "samplerate_x_Hz": rate, "nb_channels": 1,
              "nb_classes": len(classes["class_names"]), "use_separable": config.separable_blocks(),
              "data_padding": config.data_padding, "stride": config.stride}
    return build_model(NetworkSpec.from_options(params)), params


def main() -> None:
    from napari_deepss import predict

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=10_000.0)
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args()
    audio = recording(args.minutes, args.rate)
    print(f"{args.minutes:g} min at {args.rate:g} Hz ({len(audio):,} samples), batch {args.batch_size}")
    for name, variant in VARIANTS.items():
        model, params = network(args.rate, **variant)
        predict(audio[: 4 * NETWORK["nb_hist"] * args.batch_size], model, samplerate=args.rate, params=params,
                batch_size=args.batch_size)  # warm-up: trace the network
        started = time.perf_counter()
        result = predict(audio, model, samplerate=args.rate, params=params, batch_size=args.batch_size)
        seconds = time.perf_counter() - started
        print(f"{name:18} {seconds:7.1f} s  ->  {result.duration_seconds / seconds:7.1f} s of audio per second "
              f"(padding {params['data_padding']}, {model.count_params():,} weights)")


if __name__ == "__main__":
    main()
