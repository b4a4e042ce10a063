"""Which samples of the dataset a training run learns from, and the chunk readers that serve them.

- ``training_parts``: all of the train and val splits, or the stretch
  ``first_sample_*``/``last_sample_*`` name, or a random contiguous
  ``fraction_data`` (above 1: seconds of training data, and the same share of
  the validation data), as in DeepSS;
- ``chunk_readers``: chunks of those parts, with DeepSS's options: class
  balancing (``balance``), augmentations of training chunks only
  (``augmentations``), a random fraction of the chunks instead of a stretch
  (``batch_level_subsampling``), and targets at the network's output rate
  (``upsample`` off).
"""

from __future__ import annotations

import numpy as np

from ..dataset.store import Split
from ..errors import FileFormatError
from .augmentations import load_augmentations
from .chunks import ChunkReader, class_weights, sub_range
from .config import TrainConfig

SPLITS = ("train", "val")


def training_parts(config: TrainConfig, splits: dict[str, Split],
                   samplerate: float | None = None) -> tuple[dict[str, Split], dict[str, list[int]]]:
    """The train/val samples used and their ``[start, stop)`` sample ranges (see the module docstring).

    ``samplerate`` (Hz) converts a ``fraction_data`` above 1 from seconds.
    Raises FileFormatError when a split is missing or shorter than one chunk.
    """
    rng = np.random.default_rng(config.seed)
    for name in SPLITS:
        if name not in splits:
            raise FileFormatError(config.data_dir, f"the dataset has no {name!r} split; training needs train and "
                                  "val (the validation loss chooses the model that is kept)")
    fraction = used_fraction(config, len(splits["train"]), samplerate)
    parts, ranges = {}, {}
    for name in SPLITS:
        n = len(splits[name])
        first, last = getattr(config, f"first_sample_{name}"), getattr(config, f"last_sample_{name}")
        if first is not None or last is not None:
            start, stop = first or 0, n if last is None else min(last, n)
        elif fraction < 1 and not config.batch_level_subsampling:
            start, stop = sub_range(n, fraction, config.nb_hist, rng)
        else:
            start, stop = 0, n
        if stop - start < config.nb_hist:
            raise FileFormatError(config.data_dir, f"the {name} split's samples {start}:{stop} are fewer than one "
                                  f"chunk (nb_hist={config.nb_hist}): reduce nb_hist or add data")
        parts[name] = splits[name].part(start, stop)
        ranges[name] = [int(start), int(stop)]
    return parts, ranges


def used_fraction(config: TrainConfig, n_train: int, samplerate: float | None) -> float:
    """``fraction_data`` as a fraction; a value above 1 is seconds of training data (all of it at most)."""
    if config.fraction_data <= 1:
        return config.fraction_data
    if not samplerate:
        raise ValueError(f"fraction_data {config.fraction_data} (seconds) needs the dataset's sample rate")
    return min(config.fraction_data * samplerate / n_train, 1.0)


def chunk_readers(config: TrainConfig, params: dict, parts: dict[str, Split]) -> dict[str, ChunkReader]:
    """Chunk readers of the train and val parts (see the module docstring)."""
    output_stride = 1 if config.upsample else config.downsample_factor
    weights = class_weights(parts["train"].y) if config.balance else None
    rate = float(params["samplerate_x_Hz"])
    subset = used_fraction(config, len(parts["train"]), rate) if config.batch_level_subsampling else 1.0
    rng = np.random.default_rng(config.seed)
    augment = load_augmentations(config.augmentations, config.seed)
    if augment is not None:
        params["augmentation_spec"] = augment.spec
    if weights is not None:
        params["class_weights"] = weights.tolist()
    return {name: ChunkReader(part, config.nb_hist, config.stride, config.data_padding, output_stride=output_stride,
                              class_weights=weights, augment=augment if name == "train" else None, subset=subset,
                              rng=rng)
            for name, part in parts.items()}
