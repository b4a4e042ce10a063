"""Keras 3 networks for song segmentation, selected by ``model_name``.

Keras (and so TensorFlow) is imported only by :mod:`.build` and the layer
modules it imports, never by the package itself.

Contract used by the trainer and by prediction:

- :class:`~.spec.NetworkSpec` (``napari_deepss.models.spec``, no Keras): the
  network's options and the data's channel and class counts, every check
  passed. ``NetworkSpec.from_options(config_or_params, nb_channels=...,
  nb_classes=...)`` picks them by name from a TrainConfig or a params dict.
- ``build_model(spec)`` returns an uncompiled ``keras.Model`` mapping
  [batch, nb_hist, nb_channels] audio to [batch, nb_hist, nb_classes] softmax
  probabilities (every sample's classes sum to 1). ``MODELS``: model_name ->
  builder. ``build_network(params)`` builds what a params dict describes:
  ``build_model`` of its spec, or DeepSS's own layers (:mod:`.deepss`) for a
  network trained by DeepSS or continued from one. Both take a ``precision``
  (``off``, ``bfloat16``, ``float16``; :mod:`.precision` says what ``auto``
  resolves to here): the layers compute in it, the probabilities stay float32.
- ``build_model``, ``build_network``, ``custom_objects`` and ``MODELS`` live in
  :mod:`.build` and are imported from there on first use, so importing this
  package (and the spec) does not import Keras. Importing :mod:`.build`
  registers the custom layers with Keras; model loaders pass
  ``custom_objects()`` to ``keras.models.load_model``.

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

from .spec import NetworkSpec

_BUILD_NAMES = ("MODELS", "build_model", "build_network", "custom_objects")


def __getattr__(name: str):
    """The Keras-side names, imported on first use (PEP 562)."""
    if name in _BUILD_NAMES:
        from . import build

        return getattr(build, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["NetworkSpec", *_BUILD_NAMES]
