"""The Keras networks by ``model_name``; importing this module imports Keras and registers the custom layers.

After ``import napari_deepss.models.build`` a plain
``keras.models.load_model(path)`` reloads a saved ``.h5`` or ``.keras``
model; :func:`custom_objects` gives the same classes for an explicit
``custom_objects=`` argument.
"""

from __future__ import annotations

from collections.abc import Callable

import keras

from ..network_params import has_deepss_architecture
from .deepss import DeepSSChannelNormalization, DeepSSSpectrogram, build_deepss_model
from .precision import dtype_policy
from .spec import MODEL_NAMES, NetworkSpec
from .stft import STFTMagnitudeDB
from .tcn import build_tcn
from .upsample import LinearUpSampling1D

#: ``tcn`` and ``tcn_stft`` (DeepSS's name) are the same network, as in DeepSS: the STFT frontend is on
#: exactly when ``nb_pre_conv > 0``, whichever of the two names is used
MODELS: dict[str, Callable[[NetworkSpec], keras.Model]] = {name: build_tcn for name in MODEL_NAMES}


def build_model(spec: NetworkSpec, precision: str = "off") -> keras.Model:
    """The uncompiled network ``spec`` describes (see the ``napari_deepss.models`` docstring), computing in
    ``precision`` (``off``, ``bfloat16``, ``float16``: :mod:`.precision`)."""
    with dtype_policy(precision):
        return MODELS[spec.model_name](spec)


def build_network(params: dict, precision: str = "off") -> keras.Model:
    """The uncompiled network a params dict (a ``_params.yaml``, or a training run's) describes: DeepSS's layers
    for a network trained by DeepSS or continued from one (``has_deepss_architecture``), else ours."""
    if has_deepss_architecture(params):
        with dtype_policy(precision):
            return build_deepss_model(params)
    return build_model(NetworkSpec.from_options(params), precision)


def custom_objects() -> dict[str, type]:
    """The custom layer classes a saved model may contain, by class name."""
    layers = (STFTMagnitudeDB, LinearUpSampling1D, DeepSSSpectrogram, DeepSSChannelNormalization)
    return {cls.__name__: cls for cls in layers}
