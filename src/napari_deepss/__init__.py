"""napari-deepss: annotate animal song, make DeepSS datasets and train networks.

Importing this package is cheap: it loads neither Qt, napari nor TensorFlow.
The Python API (``make_dataset``, ``train``, ``load_model``) is imported on
first use.
"""

from __future__ import annotations

import importlib

from ._version import __version__
from .errors import FileFormatError

# public name -> module that defines it (imported on first access)
_LAZY_API = {
    "make_dataset": "dataset",
    "train": "training",
    "load_model": "training",
    "predict": "prediction",
    "TrainConfig": "training",
}

__all__ = ["__version__", "FileFormatError", *_LAZY_API]


def __getattr__(name: str):
    if name in _LAZY_API:
        module = importlib.import_module(f".{_LAZY_API[name]}", __name__)
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
