"""DeepSS 0.32's own networks (``tcn`` and ``tcn_stft``) rebuilt in Keras 3, to run and continue training them.

A DeepSS ``_model.h5`` holds a Keras 2 model config with kapre and ``Lambda``
layers that Keras 3 cannot deserialise, but its weights read fine. This module
rebuilds the architecture from the network's ``_params.yaml``, layer for layer
as ``das.models.tcn_stft`` and ``das.tcn.TCN`` build it, with the same
operations, so that the weights give DeepSS's probabilities:

- optional STFT frontend (kapre 0.1.4 ``Spectrogram``, which DeepSS
  vendors): per channel, real and imaginary DFT kernels as a strided 2-D
  convolution ('same' padding), magnitude, then decibels relative to the
  loudest bin of the whole chunk, floored at -80 dB; frequencies x channels
  flattened per frame;
- 1x1 convolution to ``nb_filters``;
- ``nb_conv`` stacks of one residual block per dilation: dilated convolution
  (separable with depth multiplier 4 in stacks flagged in ``use_separable``) ->
  ReLU -> division by each sample's largest absolute activation + 1e-5 ->
  1x1 convolution; its output is the skip and is added to the block's input;
- sum of skips -> ReLU -> Dense softmax -> repeat each frame ``2**nb_pre_conv``
  times when the frontend downsampled.

Weighted layers are created in DeepSS's order, so the weights in the file
(listed in that order) fit one to one. DeepSS options that change the network
beyond this (an LSTM, a ResNet frontend, no upsampling, other model names) are
refused with a message naming the option. The layers are registered with
Keras, so a network continued here (``dss train --init-model``) saves and
loads as any other.
"""

from __future__ import annotations

import math

import keras
from keras import ops

from ..network_params import deepss_architecture, deepss_refusal

DECIBEL_FLOOR = 1e-10  # kapre's amin
DYNAMIC_RANGE = 80.0  # dB below the chunk's loudest bin
NORM_EPSILON = 1e-5  # das.tcn.channel_normalization


@keras.saving.register_keras_serializable(package="napari_deepss")
class DeepSSSpectrogram(keras.layers.Layer):
    """kapre 0.1.4's ``Spectrogram`` as DeepSS configures it (amplitude, decibels, channels last)."""

    def __init__(self, n_dft: int = 64, n_hop: int = 16, **kwargs):
        super().__init__(**kwargs)
        self.n_dft, self.n_hop = int(n_dft), int(n_hop)
        self.n_filter = self.n_dft // 2 + 1

    def build(self, input_shape):
        shape = (self.n_dft, 1, 1, self.n_filter)
        self.real_kernels = self.add_weight(name="real_kernels", shape=shape, initializer="zeros")
        self.imag_kernels = self.add_weight(name="imag_kernels", shape=shape, initializer="zeros")

    def call(self, inputs):
        spectra = []
        for channel in range(inputs.shape[-1]):
            x = inputs[:, :, channel:channel + 1, None]  # [batch, time, 1, 1] as kapre's conv2d sees it
            real = ops.conv(x, self.real_kernels, strides=(self.n_hop, 1), padding="same")
            imag = ops.conv(x, self.imag_kernels, strides=(self.n_hop, 1), padding="same")
            spectra.append(ops.transpose(real**2 + imag**2, (0, 1, 3, 2)))  # [batch, frames, freq, 1]
        power = ops.concatenate(spectra, axis=3) if len(spectra) > 1 else spectra[0]
        decibels = 10 * ops.log(ops.maximum(ops.sqrt(power), DECIBEL_FLOOR)) / math.log(10)
        decibels = decibels - ops.max(decibels, axis=(1, 2, 3), keepdims=True)
        decibels = ops.maximum(decibels, -DYNAMIC_RANGE)
        frames, bins, channels = decibels.shape[1:]
        return ops.reshape(decibels, (-1, frames, bins * channels))

    def compute_output_shape(self, input_shape):
        batch, n_samples, channels = input_shape
        return batch, -(-n_samples // self.n_hop), self.n_filter * channels

    def get_config(self):
        return {**super().get_config(), "n_dft": self.n_dft, "n_hop": self.n_hop}


@keras.saving.register_keras_serializable(package="napari_deepss")
class DeepSSChannelNormalization(keras.layers.Layer):
    """``das.tcn.channel_normalization``: each sample divided by its largest absolute activation + 1e-5."""

    def call(self, inputs):
        return inputs / (ops.max(ops.abs(inputs), axis=2, keepdims=True) + NORM_EPSILON)


def build_deepss_model(params: dict) -> keras.Model:
    """The DeepSS network ``params`` describe (a DeepSS ``_params.yaml``, or that of a network continued here from
    one); ValueError naming what is refused."""
    problem = deepss_refusal(params)
    if problem:
        raise ValueError(problem)
    options = deepss_architecture(params)
    inputs = keras.Input(shape=(params["nb_hist"], params.get("nb_freq", params["nb_channels"])))
    x = inputs
    nb_pre_conv = options["nb_pre_conv"]
    if nb_pre_conv:
        x = DeepSSSpectrogram(params.get("pre_nb_dft", 64), 2**nb_pre_conv, name="trainable_stft", dtype="float32")(x)
    nb_filters, kernel_size = params["nb_filters"], params["kernel_size"]
    x = keras.layers.Conv1D(nb_filters, 1, padding="same")(x)
    skips = []
    for separable in options["use_separable"]:
        for dilation in options["dilations"]:
            if separable:
                conv = keras.layers.SeparableConv1D(nb_filters, kernel_size, dilation_rate=dilation,
                                                    depth_multiplier=4, padding="same")
            else:
                conv = keras.layers.Conv1D(nb_filters, kernel_size, dilation_rate=dilation, padding="same")
            y = DeepSSChannelNormalization()(keras.layers.ReLU()(conv(x)))
            skip = keras.layers.Conv1D(nb_filters, 1, padding="same")(y)
            x = keras.layers.Add()([x, skip])
            skips.append(skip)
    x = keras.layers.ReLU()(keras.layers.Add()(skips) if len(skips) > 1 else skips[0])
    x = keras.layers.Dense(params["nb_classes"], activation="softmax", dtype="float32")(x)
    if nb_pre_conv:
        x = keras.layers.UpSampling1D(2**nb_pre_conv, dtype="float32")(x)
    return keras.Model(inputs, x, name="DeepSS_TCN")
