"""The weights in a Keras ``.h5`` model file, read with h5py (no Keras), and given to a rebuilt network.

Keras 2 (DeepSS) and Keras 3 (``legacy_h5_format``) write the same layout: a
``model_weights`` group (or the file itself for a weights-only file) whose
``layer_names`` attribute lists the layers in the model's order, one group per
layer whose ``weight_names`` attribute lists that layer's arrays in the order
``layer.get_weights()`` returns them. Long attributes are split into
``layer_names0``, ``layer_names1``, ...

Reading the arrays never needs the model config, so weights survive when the
config no longer deserialises (another Keras, a renamed layer class).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import h5py
import numpy as np

from ..errors import FileFormatError


@dataclass(frozen=True)
class SavedLayer:
    """One layer with weights in a model file."""

    name: str
    weights: list[np.ndarray]

    @property
    def shapes(self) -> list[tuple[int, ...]]:
        return [w.shape for w in self.weights]


def _text(value) -> str:
    return value.decode("utf8") if isinstance(value, bytes) else str(value)


def _attribute_list(group: h5py.Group, name: str) -> list[str]:
    if name in group.attrs:
        return [_text(v) for v in group.attrs[name]]
    values, chunk = [], 0
    while f"{name}{chunk}" in group.attrs:
        values += [_text(v) for v in group.attrs[f"{name}{chunk}"]]
        chunk += 1
    return values


def saved_layers(path: str | os.PathLike) -> list[SavedLayer]:
    """Layers with weights in the model file ``path``, in the file's layer order."""
    try:
        with h5py.File(path, "r") as f:
            group = f["model_weights"] if "model_weights" in f else f
            layers = []
            for name in _attribute_list(group, "layer_names"):
                arrays = [np.asarray(group[name][w]) for w in _attribute_list(group[name], "weight_names")]
                if arrays:
                    layers.append(SavedLayer(name, arrays))
    except (OSError, KeyError) as err:
        raise FileFormatError(path, f"not a Keras .h5 model file with readable weights ({err})") from err
    if not layers:
        raise FileFormatError(path, "holds no layer weights (a Keras .h5 model file lists them under 'layer_names')")
    return layers


def weighted_layers(model) -> list:
    """The model's layers that have weights, in the model's order."""
    return [layer for layer in model.layers if layer.weights]


def set_weights_by_name(model, path: str | os.PathLike) -> None:
    """Give every layer of ``model`` the saved weights of the layer with its name; FileFormatError if any misses."""
    saved = {layer.name: layer for layer in saved_layers(path)}
    missing = [layer.name for layer in weighted_layers(model) if layer.name not in saved]
    if missing:
        raise FileFormatError(path, f"has no weights for the layers {', '.join(missing)} of the network rebuilt from "
                              f"its params (the file has: {', '.join(saved)})")
    for layer in weighted_layers(model):
        _assign(layer, saved[layer.name], path)


def set_weights_in_order(model, path: str | os.PathLike) -> None:
    """Give the model's layers with weights the file's layers with weights, one to one in order."""
    saved, layers = saved_layers(path), weighted_layers(model)
    if len(saved) != len(layers):
        raise FileFormatError(path, f"has {len(saved)} layers with weights, but the network rebuilt from its params "
                              f"has {len(layers)}: the params do not describe this model")
    for layer, stored in zip(layers, saved):
        _assign(layer, stored, path)


def _assign(layer, stored: SavedLayer, path) -> None:
    expected = [tuple(w.shape) for w in layer.weights]
    if stored.shapes != expected:
        raise FileFormatError(path, f"the weights of layer {stored.name!r} are shaped {stored.shapes}, but the "
                              f"network rebuilt from its params needs {expected} there")
    layer.set_weights(stored.weights)
