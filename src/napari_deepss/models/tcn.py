"""Temporal convolutional network (TCN) for per-sample song classification."""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral

import keras

from .stft import stft_frontend
from .upsample import LinearUpSampling1D


def _is_int(value) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool)


def _positive_int(name: str, value) -> int:
    if not _is_int(value) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _separable_flags(use_separable, nb_conv: int) -> tuple[bool, ...]:
    """One flag per stack; a single bool applies to all stacks."""
    if isinstance(use_separable, bool):
        return (use_separable,) * nb_conv
    flags = tuple(use_separable)
    if len(flags) != nb_conv or not all(isinstance(flag, bool) for flag in flags):
        raise ValueError(
            f"use_separable needs one True/False per stack (nb_conv={nb_conv}), got {list(flags)!r}"
        )
    return flags


def _validate_frontend(nb_hist: int, nb_pre_conv, pre_nb_dft, pre_nb_filters, pre_kernel_size) -> None:
    if not _is_int(nb_pre_conv) or nb_pre_conv < 0:
        raise ValueError(f"nb_pre_conv must be an integer >= 0, got {nb_pre_conv!r}")
    if nb_pre_conv == 0:
        return
    factor = 2**nb_pre_conv
    if nb_hist % factor:
        raise ValueError(
            f"nb_hist ({nb_hist}) must be divisible by the downsample factor 2**nb_pre_conv = {factor}"
        )
    _positive_int("pre_nb_filters", pre_nb_filters)
    _positive_int("pre_kernel_size", pre_kernel_size)
    if _positive_int("pre_nb_dft", pre_nb_dft) < factor:
        raise ValueError(
            f"pre_nb_dft ({pre_nb_dft}) must be at least the downsample factor {factor}, "
            "otherwise samples between frames are never seen"
        )


def _residual_block(x, *, name: str, nb_filters: int, kernel_size: int, dilation: int, separable: bool):
    """Dilated conv -> ReLU -> LayerNormalization -> 1x1 conv; returns (residual output, skip)."""
    conv = keras.layers.SeparableConv1D if separable else keras.layers.Conv1D
    y = conv(nb_filters, kernel_size, dilation_rate=dilation, padding="same", name=f"{name}_conv")(x)
    y = keras.layers.ReLU(name=f"{name}_relu")(y)
    y = keras.layers.LayerNormalization(name=f"{name}_norm")(y)
    skip = keras.layers.Conv1D(nb_filters, 1, name=f"{name}_mix")(y)
    return keras.layers.Add(name=f"{name}_residual")([x, skip]), skip


def build_tcn(
    *,
    nb_hist: int,
    nb_channels: int,
    nb_classes: int,
    nb_filters: int = 16,
    kernel_size: int = 16,
    nb_conv: int = 3,
    use_separable: Sequence[bool] | bool = (False, False, False),
    dilations: Sequence[int] = (1, 2, 4, 8, 16),
    nb_pre_conv: int = 0,
    pre_nb_dft: int = 64,
    pre_nb_filters: int = 16,
    pre_kernel_size: int = 3,
    **ignored,
) -> keras.Model:
    """Uncompiled TCN: [nb_hist, nb_channels] audio -> [nb_hist, nb_classes] class probabilities.

    With ``nb_pre_conv > 0`` the STFT frontend first downsamples by
    ``2**nb_pre_conv`` and the logits are interpolated back to the input rate.
    Unknown keyword arguments (other training options) are ignored, so a whole
    params dict can be passed.
    """
    for name, value in [
        ("nb_hist", nb_hist),
        ("nb_channels", nb_channels),
        ("nb_classes", nb_classes),
        ("nb_filters", nb_filters),
        ("kernel_size", kernel_size),
        ("nb_conv", nb_conv),
    ]:
        _positive_int(name, value)
    flags = _separable_flags(use_separable, nb_conv)
    dilations = tuple(dilations)
    if not dilations:
        raise ValueError("dilations must list at least one dilation rate")
    for dilation in dilations:
        _positive_int("every dilation", dilation)
    _validate_frontend(nb_hist, nb_pre_conv, pre_nb_dft, pre_nb_filters, pre_kernel_size)

    inputs = keras.Input(shape=(nb_hist, nb_channels), name="audio")
    x = inputs
    if nb_pre_conv:
        x = stft_frontend(
            x, hop=2**nb_pre_conv, n_dft=pre_nb_dft, nb_filters=pre_nb_filters, kernel_size=pre_kernel_size
        )
    x = keras.layers.Conv1D(nb_filters, 1, name="input_projection")(x)
    skips = []
    for stack, separable in enumerate(flags):
        for dilation in dilations:
            x, skip = _residual_block(
                x,
                name=f"stack{stack}_dilation{dilation}",
                nb_filters=nb_filters,
                kernel_size=kernel_size,
                dilation=dilation,
                separable=separable,
            )
            skips.append(skip)
    x = keras.layers.Add(name="skip_sum")(skips) if len(skips) > 1 else skips[0]
    x = keras.layers.ReLU(name="skip_relu")(x)
    x = keras.layers.Dense(nb_classes, name="class_logits")(x)
    if nb_pre_conv:
        x = LinearUpSampling1D(2**nb_pre_conv, name="upsample_to_input_rate")(x)
    outputs = keras.layers.Softmax(name="class_probabilities")(x)
    return keras.Model(inputs, outputs, name="TCN")
