"""Trainable STFT downsampling frontend.

The frontend turns raw audio [time, channels] into a spectrogram with one frame
every ``hop`` samples. Its kernels start as a windowed discrete Fourier
transform, so before training the layer computes an ordinary magnitude
spectrogram in decibels; training may then adapt the filters.
"""

from __future__ import annotations

import math

import keras
import numpy as np
from keras import ops

# Power added before the logarithm: sets a floor of -100 dB and keeps the
# gradient of log finite for silent input.
POWER_FLOOR = 1e-10


def dft_kernels(n_dft: int) -> np.ndarray:
    """Cosine and sine DFT bases times a periodic Hann window, shaped [n_dft, 1, 2 * n_bins].

    The first ``n_bins = n_dft // 2 + 1`` filters are the real parts, the rest the
    imaginary parts. They are scaled so that a sine of amplitude 1 centred on a
    bin has magnitude 1 (0 dB) in that bin.
    """
    n = np.arange(n_dft)
    window = 0.5 - 0.5 * np.cos(2 * np.pi * n / n_dft)
    bins = np.arange(n_dft // 2 + 1)
    phase = 2 * np.pi * np.outer(n, bins) / n_dft
    bases = np.concatenate([np.cos(phase), -np.sin(phase)], axis=1) * window[:, None]
    bases /= window.sum() / 2
    return bases[:, None, :].astype("float32")


@keras.saving.register_keras_serializable(package="napari_deepss")
class STFTMagnitudeDB(keras.layers.Layer):
    """Magnitude spectrogram in dB from trainable, DFT-initialised convolution kernels.

    Input [batch, time, channels]; output [batch, time / hop, channels * n_bins],
    the bins of channel 0 first. All channels share the kernels (microphones are
    interchangeable). 'same' padding centres frame i on samples
    [i * hop, (i + 1) * hop), so repeating or interpolating frames lines up with
    the input samples.
    """

    def __init__(self, n_dft: int = 64, hop: int = 16, **kwargs):
        super().__init__(**kwargs)
        self.n_dft = int(n_dft)
        self.hop = int(hop)
        self.n_bins = self.n_dft // 2 + 1

    def build(self, input_shape):
        self.kernel = self.add_weight(
            name="kernel", shape=(self.n_dft, 1, 2 * self.n_bins), initializer="zeros"
        )
        self.kernel.assign(dft_kernels(self.n_dft))

    def call(self, inputs):
        n_channels = inputs.shape[-1]
        n_frames = self.compute_output_shape(inputs.shape)[1]
        # channels into the batch so that every channel meets the same kernels
        mono = ops.reshape(ops.transpose(inputs, (0, 2, 1)), (-1, inputs.shape[1], 1))
        spectra = ops.conv(mono, self.kernel, strides=self.hop, padding="same")
        real, imag = spectra[..., : self.n_bins], spectra[..., self.n_bins :]
        decibels = (10.0 / math.log(10.0)) * ops.log(real * real + imag * imag + POWER_FLOOR)
        decibels = ops.reshape(decibels, (-1, n_channels, n_frames, self.n_bins))
        decibels = ops.transpose(decibels, (0, 2, 1, 3))
        return ops.reshape(decibels, (-1, n_frames, n_channels * self.n_bins))

    def compute_output_shape(self, input_shape):
        batch, n_samples, n_channels = input_shape
        n_frames = None if n_samples is None else -(-n_samples // self.hop)
        return (batch, n_frames, n_channels * self.n_bins)

    def get_config(self):
        return {**super().get_config(), "n_dft": self.n_dft, "hop": self.hop}


def stft_frontend(inputs, *, hop: int, n_dft: int, nb_filters: int, kernel_size: int):
    """STFT in dB, then a convolution over frames to ``nb_filters`` features, normalised.

    The normalisation after the convolution keeps the large dB values from
    dominating the first steps of training; loudness survives it because each
    filter weighs the bins differently.
    """
    x = STFTMagnitudeDB(n_dft=n_dft, hop=hop, name="trainable_stft", dtype="float32")(inputs)
    x = keras.layers.Conv1D(nb_filters, kernel_size, padding="same", name="frontend_conv")(x)
    x = keras.layers.LayerNormalization(name="frontend_norm")(x)
    return keras.layers.ReLU(name="frontend_relu")(x)
