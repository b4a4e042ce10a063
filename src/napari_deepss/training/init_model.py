"""Continue training from a trained network (``dss train --init-model PREFIX``): its weights, new song types added.

The new network must have the source network's architecture: every network
option (:class:`~napari_deepss.models.spec.NetworkSpec`, the channel count
included) must be equal, and the dataset's rate the source's, else a
ValueError names the option that differs (:func:`check_init_model`, before
anything is trained or written). Song types may differ: the output layer gets
one column per class of the new dataset, a class the source knows keeps its
weights (matched by name), a new class starts from fresh weights, and a class
the new dataset lacks is dropped (:func:`initialise`). ``_params.yaml`` records
where the weights came from (:data:`RECORD_KEY`).

A network trained by DeepSS 0.32 (or continued here from one) is continued
on DeepSS's own layers (channel normalisation, kapre's STFT frontend;
:mod:`napari_deepss.models.deepss`), not ours: its options read as ours where
DeepSS's params share the name, the new network is built by
``build_deepss_model`` and its weights are copied layer by layer in DeepSS's
order, and its ``_params.yaml`` says ``architecture: deepss``
(:data:`~napari_deepss.network_params.ARCHITECTURE_KEY`), so that loading
rebuilds DeepSS's layers too.

:func:`source_network_options` reads the source's network options without
TensorFlow, so the ``dss train`` flags and the Train form can default to them.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..errors import FileFormatError
from ..models.spec import NetworkOptions, NetworkSpec
from ..network_files import network_paths
from ..network_params import (ARCHITECTURE_KEY, DEEPSS_ARCHITECTURE, check_prediction_params, deepss_architecture,
                              deepss_refusal, has_deepss_architecture, read_params)

#: the key of ``_params.yaml`` that says which network the weights came from
RECORD_KEY = "init_model_source"
#: options of the spec that may differ: the classes (the output layer is rebuilt) and the network's name
#: (``tcn`` and ``tcn_stft`` are one network, see models.build)
_NOT_ARCHITECTURE = ("nb_classes", "model_name")


def _source_params(prefix: str | os.PathLike) -> tuple[Path, Path, dict]:
    """The source's files and params; a DeepSS network's with its implicit options made explicit."""
    model_path, params_path = network_paths(prefix)
    params = check_prediction_params(read_params(params_path), params_path)
    if has_deepss_architecture(params):
        problem = deepss_refusal(params)
        if problem:
            raise FileFormatError(params_path, f"{problem} (and continued)")
        try:
            params = {**params, **deepss_architecture(params)}
        except KeyError as err:
            raise FileFormatError(params_path, f"{err.args[0]}: missing; the network cannot be rebuilt") from None
    return model_path, params_path, params


def source_network_options(prefix: str | os.PathLike) -> dict:
    """The network options (``nb_filters``, ``kernel_size``, ...) of the network ``prefix``; no TensorFlow."""
    params = _source_params(prefix)[2]
    return {f.name: params[f.name] for f in NetworkOptions.fields() if f.name in params}


def check_init_model(prefix: str | os.PathLike, params: dict) -> dict:
    """What the new network's params take from the source (DeepSS's architecture, or nothing), after checking
    that the run ``params`` describe can start from its weights.

    Raises :class:`~napari_deepss.errors.FileFormatError` for a missing or
    unreadable network and ValueError naming the first network option that differs.
    """
    _, params_path, source = _source_params(prefix)
    try:
        theirs = NetworkSpec.from_options(source, nb_classes=len(source["class_names"]))
    except (KeyError, TypeError, ValueError) as err:
        raise FileFormatError(params_path, f"does not describe a network that can be rebuilt: {err}") from None
    mine = NetworkSpec.from_options(params)
    for f in NetworkSpec.fields():
        if f.name not in _NOT_ARCHITECTURE and getattr(mine, f.name) != getattr(theirs, f.name):
            wanted = _value(getattr(theirs, f.name))
            fix = (f"make the dataset with {wanted} channel(s)" if f.name == "nb_channels"
                   else f"set {f.name} to {wanted}")
            raise ValueError(f"init_model: {f.name} is {wanted} in {params_path.name} but "
                             f"{_value(getattr(mine, f.name))} here; continuing from a network needs its architecture "
                             f"({fix})")
    if float(source["samplerate_x_Hz"]) != float(params["samplerate_x_Hz"]):
        raise ValueError(f"init_model: the network was trained at {source['samplerate_x_Hz']} Hz but the dataset is "
                         f"at {params['samplerate_x_Hz']} Hz; make the dataset at the network's rate")
    return {ARCHITECTURE_KEY: DEEPSS_ARCHITECTURE} if has_deepss_architecture(source) else {}


def _value(value) -> str:
    return " ".join(map(str, value)) if isinstance(value, list) else str(value)


def initialise(model, prefix: str | os.PathLike, class_names: list[str]) -> dict:
    """Give ``model`` the weights of the network ``prefix`` (output columns matched by class name); the record.

    Every layer with weights is matched by name, or in order for DeepSS's
    layers. The last one (the output layer, whose last axis holds the classes)
    gets the source's column of each class it shares; its columns of new
    classes keep their fresh initial values.
    """
    from ..models.h5_weights import weighted_layers
    from ..network_files import load_network

    source_model, source = load_network(prefix)
    source_classes = [str(n) for n in source["class_names"]]
    layers, sources = weighted_layers(model), weighted_layers(source_model)
    for layer, source_layer in zip(layers, _matching(layers, sources, prefix, has_deepss_architecture(source))):
        old = source_layer.get_weights()
        if layer is layers[-1]:
            old = _class_columns(layer.get_weights(), old, source_classes, class_names)
        if [w.shape for w in old] != [tuple(w.shape) for w in layer.weights]:
            raise ValueError(f"init_model: layer {layer.name!r} has weights {[w.shape for w in old]} in {prefix} "
                             f"but {[tuple(w.shape) for w in layer.weights]} here")
        layer.set_weights(old)
    model_path, params_path = network_paths(prefix)
    return {"model": str(model_path.resolve()), "params": str(params_path.resolve()), "class_names": source_classes,
            "added": [n for n in class_names if n not in source_classes],
            "dropped": [n for n in source_classes if n not in class_names]}


def _matching(layers: list, sources: list, prefix, in_order: bool) -> list:
    """The source's layer for each of ``layers`` (both: layers with weights): by name, or in order (DeepSS's layers
    have Keras's automatic names, which depend on what the process built before)."""
    if in_order:
        if len(sources) != len(layers):
            raise ValueError(f"init_model: the network {prefix} has {len(sources)} layers with weights, this one "
                             f"{len(layers)}")
        return sources
    by_name = {layer.name: layer for layer in sources}
    for layer in layers:
        if layer.name not in by_name:
            raise ValueError(f"init_model: the network {prefix} has no layer {layer.name!r}")
    return [by_name[layer.name] for layer in layers]


def _class_columns(fresh: list[np.ndarray], old: list[np.ndarray], old_classes: list[str],
                   new_classes: list[str]) -> list[np.ndarray]:
    """The output layer's weights with one column per new class: the source's column where it knows the class."""
    result = []
    for new, previous in zip(fresh, old):
        if previous.shape[-1] != len(old_classes) or new.shape[:-1] != previous.shape[:-1]:
            return old  # not a layer of class columns: the shape check names it
        array = new.copy()
        for column, name in enumerate(new_classes):
            if name in old_classes:
                array[..., column] = previous[..., old_classes.index(name)]
        result.append(array)
    return result
