"""Temporal convolutional network (TCN) for per-sample song classification."""

from __future__ import annotations

import keras

from .spec import NetworkSpec
from .stft import stft_frontend
from .upsample import LinearUpSampling1D


def _residual_block(x, *, name: str, nb_filters: int, kernel_size: int, dilation: int, separable: bool, norm: bool):
    """Dilated conv -> ReLU -> LayerNormalization (if ``norm``) -> 1x1 conv; returns (residual output, skip)."""
    conv = keras.layers.SeparableConv1D if separable else keras.layers.Conv1D
    y = conv(nb_filters, kernel_size, dilation_rate=dilation, padding="same", name=f"{name}_conv")(x)
    y = keras.layers.ReLU(name=f"{name}_relu")(y)
    if norm:
        y = keras.layers.LayerNormalization(name=f"{name}_norm")(y)
    skip = keras.layers.Conv1D(nb_filters, 1, name=f"{name}_mix")(y)
    return keras.layers.Add(name=f"{name}_residual")([x, skip]), skip


def build_tcn(spec: NetworkSpec) -> keras.Model:
    """Uncompiled TCN: [nb_hist, nb_channels] audio -> [nb_hist, nb_classes] class probabilities.

    With ``nb_pre_conv > 0`` the STFT frontend first downsamples by
    ``2**nb_pre_conv`` and the logits are interpolated back to the input rate
    (with ``upsample``; otherwise the output has one row per frame). The spec
    has passed every check.
    """
    inputs = keras.Input(shape=(spec.nb_hist, spec.nb_channels), name="audio")
    x = inputs
    if spec.nb_pre_conv:
        x = stft_frontend(x, hop=spec.downsample_factor, n_dft=spec.pre_nb_dft, nb_filters=spec.pre_nb_filters,
                          kernel_size=spec.pre_kernel_size)
    x = keras.layers.Conv1D(spec.nb_filters, 1, name="input_projection")(x)
    skips = []
    for stack, separable in enumerate(spec.use_separable):
        for dilation in spec.dilations:
            x, skip = _residual_block(x, name=f"stack{stack}_dilation{dilation}", nb_filters=spec.nb_filters,
                                      kernel_size=spec.kernel_size, dilation=dilation, separable=separable,
                                      norm=spec.batch_norm)
            skips.append(skip)
    x = keras.layers.Add(name="skip_sum")(skips) if len(skips) > 1 else skips[0]
    x = keras.layers.ReLU(name="skip_relu")(x)
    x = keras.layers.Dense(spec.nb_classes, name="class_logits")(x)
    if spec.nb_pre_conv and spec.upsample:
        x = LinearUpSampling1D(spec.downsample_factor, name="upsample_to_input_rate", dtype="float32")(x)
    outputs = keras.layers.Softmax(name="class_probabilities", dtype="float32")(x)
    return keras.Model(inputs, outputs, name="TCN")
