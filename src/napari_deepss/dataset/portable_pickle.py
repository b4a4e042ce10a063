"""``.npy`` files holding one pickled Python object that numpy 1 and numpy 2 both read.

``np.save`` of a dict pickles a 0-d object array whose pickle names
``numpy._core.multiarray._reconstruct`` under numpy 2; numpy 1 (DeepSS 0.32's
stack: TensorFlow 2.13, numpy 1.24) has no ``numpy._core`` and fails with
``ModuleNotFoundError``. Here the array is pickled as the call
``numpy.array(value, object)``, which names only ``numpy.array`` (public in
both), and the value is first reduced to plain Python types (numpy scalars and
arrays become numbers and lists), so the pickle names no numpy internals at
all. ``np.load(path, allow_pickle=True)[()]`` returns the value under either
numpy.
"""

from __future__ import annotations

import os
import pickle
from typing import Any

import numpy as np

from ..options import yaml_safe

PICKLE_PROTOCOL = 3  # what np.save uses; Python 3.0+ reads it


class _ObjectArray:
    """Unpickles as ``numpy.array(value, object)``: a 0-d object array holding ``value``."""

    def __init__(self, value: Any):
        self.value = value

    def __reduce__(self):
        return np.array, (self.value, object)


def save_object(path: str | os.PathLike, value: Any) -> None:
    """Write ``value`` (dicts, lists, strings, numbers; numpy values become plain ones) as a 0-d object ``.npy``."""
    header = {"descr": "|O", "fortran_order": False, "shape": ()}
    with open(path, "wb") as f:
        np.lib.format.write_array_header_1_0(f, header)
        pickle.dump(_ObjectArray(yaml_safe(value)), f, protocol=PICKLE_PROTOCOL)
