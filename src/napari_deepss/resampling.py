"""Polyphase resampling shared by dataset building and prediction.

The rate ratio is approximated by a fraction with a denominator of at most
``MAX_DENOMINATOR``; ``scipy.signal.resample_poly`` filters against aliasing.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

MAX_DENOMINATOR = 1000


def resampling_factors(rate: float, target: float) -> tuple[int, int]:
    """``(up, down)`` taking ``rate`` to (about) ``target``; ``(1, 1)`` when they agree."""
    ratio = Fraction(target / rate).limit_denominator(MAX_DENOMINATOR)
    return ratio.numerator, ratio.denominator


def resample(x: np.ndarray, up: int, down: int) -> np.ndarray:
    """``x`` [n, channels] resampled by ``up / down`` as float32; unchanged for ``(1, 1)``."""
    if (up, down) == (1, 1):
        return x
    from scipy.signal import resample_poly

    return resample_poly(x, up, down, axis=0).astype(np.float32, copy=False)
