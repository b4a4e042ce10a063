"""Keras 3 networks for song segmentation, selected by ``model_name``.

Importing this package imports Keras (and so TensorFlow); nothing else in
``napari_deepss`` imports it at module level.

Contract used by the trainer and by prediction:

- ``MODELS``: model_name -> builder. ``tcn`` and ``tcn_stft`` (DeepSS's name)
  are the same network, as in DeepSS: the STFT frontend is on exactly when
  ``nb_pre_conv > 0``, whichever of the two names is used.
- ``build_model(model_name, *, nb_hist, nb_channels, nb_classes, nb_filters=16,
  kernel_size=16, nb_conv=3, use_separable=(False, False, False),
  dilations=(1, 2, 4, 8, 16), nb_pre_conv=0, pre_nb_dft=64, pre_nb_filters=16,
  pre_kernel_size=3, **ignored)`` returns an uncompiled ``keras.Model`` mapping
  [batch, nb_hist, nb_channels] audio to [batch, nb_hist, nb_classes] softmax
  probabilities (every sample's classes sum to 1). Bad arguments raise
  ``ValueError`` naming the option. Other keyword arguments are ignored, so a
  whole params dict may be passed.
- Custom layers are registered with Keras on import, so after
  ``import napari_deepss.models`` a plain ``keras.models.load_model(path)``
  reloads a saved ``.h5`` or ``.keras`` model; ``custom_objects()`` gives the
  same classes for an explicit ``custom_objects=`` argument.

Network: optional STFT frontend (DFT-initialised trainable kernels, stride
2**nb_pre_conv, dB magnitude per channel, then a ``pre_nb_filters`` x
``pre_kernel_size`` convolution) -> 1x1 conv to nb_filters -> nb_conv stacks of
residual blocks, one per dilation (dilated conv, separable where flagged ->
ReLU -> LayerNormalization -> 1x1 conv -> residual add; the 1x1 output is also
the block's skip) -> sum of skips -> ReLU -> Dense logits -> linear
interpolation back to the input rate when downsampled -> softmax.

LayerNormalization (over filters, per sample) replaces DeepSS's channel-max
normalisation: it behaves the same in training and prediction, does not depend
on the batch (batch size 1 in real-time prediction) and keeps each sample's
output independent of the rest of the chunk.
"""

from __future__ import annotations

from collections.abc import Callable

import keras

from .stft import STFTMagnitudeDB
from .tcn import build_tcn
from .upsample import LinearUpSampling1D

MODELS: dict[str, Callable[..., keras.Model]] = {"tcn": build_tcn, "tcn_stft": build_tcn}


def build_model(model_name: str, **options) -> keras.Model:
    """Build the uncompiled network registered as ``model_name`` (see the package docstring)."""
    if model_name not in MODELS:
        raise ValueError(f"unknown model_name {model_name!r}; choose one of {', '.join(sorted(MODELS))}")
    return MODELS[model_name](**options)


def custom_objects() -> dict[str, type]:
    """The custom layer classes a saved model may contain, by class name."""
    return {cls.__name__: cls for cls in (STFTMagnitudeDB, LinearUpSampling1D)}


__all__ = ["MODELS", "build_model", "custom_objects"]
