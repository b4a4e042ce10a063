"""Augmentations of training chunks in DeepSS's YAML format (``das train --augmentations FILE.yaml``).

The file maps augmentation names to their arguments; an argument is a number
or a random parameter, drawn anew for every chunk::

    Gain:
      gain: {Uniform: {lower: 0.5, upper: 2}}
    MaskNoise:
      std: {Normal: {mean: 0, std: 0.05}}
    NotchFilter:
      freq: {Uniform: {lower: 100, upper: 600}}
      Q: 30
      samplerate_Hz: 10000

A name used twice gets a suffix after '-' (``MaskNoise-1``). They are applied
in the file's order to every chunk of a training batch (never to validation
or test chunks). Everything is numpy/scipy; the augmentation names, arguments
and meanings are DeepSS's (``das.augmentation``).
"""

from __future__ import annotations

import inspect
import os
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import FileFormatError

#: random parameter name -> draw(rng, **its arguments)
PARAMETERS: dict[str, Callable[..., float]] = {
    "Constant": lambda rng, value=0.0: float(value),
    "Normal": lambda rng, mean=0.0, std=1.0: float(rng.normal(mean, std)),
    "Uniform": lambda rng, lower=-1.0, upper=1.0: float(rng.uniform(lower, upper)),
}


def _gain(x, rng, gain):
    return x * gain()


def _offset(x, rng, offset):
    return x + offset()


def _horizontal_flip(x, rng, flip):
    return -x if flip() > 0 else x


def _upsampling(x, rng, factor):
    """Play slower by ``factor`` (>= 1): the chunk's start stretched over its length (linear interpolation)."""
    times = np.arange(len(x)) / factor()
    return np.stack([np.interp(times, np.arange(len(x)), x[:, c]) for c in range(x.shape[1])], axis=1)


def _stretch(length: int, duration, rng) -> slice:
    """``duration()`` samples at a random place (the whole chunk without a duration)."""
    if duration is None:
        return slice(0, length)
    n = min(max(int(duration()), 0), length)
    start = int(rng.integers(0, length - n + 1))
    return slice(start, start + n)


def _mask_noise(x, rng, std=None, mean=None, duration=None, add=True):
    where = _stretch(len(x), duration, rng)
    noise = rng.standard_normal(x[where].shape) * (std() if std else 1.0) + (mean() if mean else 0.0)
    x = x.copy()
    x[where] = x[where] + noise if add else noise
    return x


def _mask_mean(x, rng, duration):
    where = _stretch(len(x), duration, rng)
    x = x.copy()
    x[where] = x[where].mean(axis=0)
    return x


def _circ_shift(x, rng, shift):
    return np.roll(x, int(shift()), axis=0)


def _notch_filter(x, rng, freq, Q=30.0, samplerate_Hz=10_000.0):  # noqa: N803 - DeepSS's argument name
    import scipy.signal  # here: importing it costs a second at every training's start

    b, a = scipy.signal.iirnotch(freq(), Q(), samplerate_Hz())
    return scipy.signal.filtfilt(b, a, x, axis=0)


def _normalize_max(x, rng):
    return x / np.nanmax(np.abs(x), initial=1.0)


def _normalize_percentile(x, rng, percentile):
    return x / np.nanpercentile(x, percentile())


def _normalize_std(x, rng):
    return x / np.nanstd(x)


#: augmentation name -> function(chunk [samples, channels], rng, **arguments as callables) -> augmented chunk
AUGMENTATIONS: dict[str, Callable[..., np.ndarray]] = {
    "Gain": _gain, "Offset": _offset, "HorizontalFlip": _horizontal_flip, "Upsampling": _upsampling,
    "MaskNoise": _mask_noise, "MaskMean": _mask_mean, "CircShift": _circ_shift, "NotchFilter": _notch_filter,
    "NormalizeMax": _normalize_max, "NormalizePercentile": _normalize_percentile, "NormalizeStd": _normalize_std,
}


class Augmentations:
    """The augmentations of a spec, applied chunk by chunk: ``augment(batch [chunks, samples, channels])``."""

    def __init__(self, steps: list[tuple[Callable, dict[str, Any]]], spec: Mapping, seed: int | None = None):
        self.steps = steps
        self.spec = dict(spec)  # as read, for _params.yaml
        self._rng = np.random.default_rng(seed)
        self._lock = threading.Lock()  # tf.data may read batches from several threads

    def __len__(self) -> int:
        return len(self.steps)

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        out = np.empty_like(batch)
        with self._lock:
            for row, chunk in enumerate(batch):
                for function, arguments in self.steps:
                    chunk = function(chunk, self._rng, **{k: _bind(v, self._rng) for k, v in arguments.items()})
                out[row] = chunk
        return out


def _bind(argument, rng):
    """A parameter as a callable that draws it; ``add`` (a plain flag) stays as it is."""
    if isinstance(argument, bool):
        return argument
    if isinstance(argument, tuple):
        draw, kwargs = argument
        return lambda: draw(rng, **kwargs)
    return lambda: argument


def load_augmentations(spec: str | os.PathLike | Mapping | None, seed: int | None = None) -> Augmentations | None:
    """The augmentations of a YAML file (or an already loaded mapping); None for no file.

    Unknown names, parameters or arguments are a :class:`FileFormatError` naming the file and the entry.
    """
    if spec is None or spec == "":
        return None
    source = "augmentations" if isinstance(spec, Mapping) else Path(spec)
    values = spec if isinstance(spec, Mapping) else _read(Path(spec))
    steps = []
    for entry, arguments in values.items():
        name = str(entry).split("-", 1)[0]
        if name not in AUGMENTATIONS:
            raise FileFormatError(source, f"{entry}: unknown augmentation; known: {', '.join(AUGMENTATIONS)}")
        function = AUGMENTATIONS[name]
        parsed = {key: _parameter(source, entry, key, value) for key, value in (arguments or {}).items()}
        try:
            inspect.signature(function).bind(None, None, **parsed)
        except TypeError as err:
            raise FileFormatError(source, f"{entry}: {err} (arguments: {', '.join(parsed) or 'none'})") from None
        steps.append((function, parsed))
    return Augmentations(steps, values, seed)


def _read(path: Path) -> Mapping:
    import yaml

    try:
        values = yaml.safe_load(path.read_text())
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        raise FileFormatError(path, f"cannot read the augmentations ({err})") from None
    if not isinstance(values, Mapping):
        raise FileFormatError(path, "not an augmentation spec: expected 'Name: {argument: value}' entries")
    return values


def _parameter(source, entry: str, key: str, value: Any):
    """A number, a flag, or ``{Uniform|Normal|Constant: {arguments}}`` as ``(draw, arguments)``."""
    if isinstance(value, bool | int | float):
        return value
    if isinstance(value, Mapping) and len(value) == 1:
        (kind, arguments), = value.items()
        if kind in PARAMETERS:
            arguments = dict(arguments or {})
            try:
                inspect.signature(PARAMETERS[kind]).bind(None, **arguments)
                PARAMETERS[kind](np.random.default_rng(0), **arguments)
            except (TypeError, ValueError) as err:
                raise FileFormatError(source, f"{entry}.{key}: {kind} {arguments}: {err}") from None
            return PARAMETERS[kind], arguments
    raise FileFormatError(source, f"{entry}.{key}: expected a number or one of {', '.join(PARAMETERS)} with its "
                          f"arguments, got {value!r}")
