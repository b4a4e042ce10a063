"""Bring frame-rate network outputs back to the sample rate of the input."""

from __future__ import annotations

import keras
import numpy as np
from keras import ops


def _interpolation_weights(factor: int) -> np.ndarray:
    """Weights of the previous, current and next frame for each of ``factor`` samples, [3, factor].

    Frame i stands for the centre of samples [i * factor, (i + 1) * factor); a
    sample left of that centre mixes in frame i - 1, one right of it frame i + 1.
    """
    offset = (np.arange(factor) - (factor - 1) / 2) / factor
    return np.stack([np.maximum(-offset, 0), 1 - np.abs(offset), np.maximum(offset, 0)]).astype("float32")


@keras.saving.register_keras_serializable(package="napari_deepss")
class LinearUpSampling1D(keras.layers.Layer):
    """Linear interpolation along time by an integer factor (edges held constant).

    Used on logits before the softmax: unlike repeating frames (UpSampling1D) it
    places class boundaries between frames, finer than one frame, at no cost in
    parameters.
    """

    def __init__(self, factor: int, **kwargs):
        super().__init__(**kwargs)
        self.factor = int(factor)
        self._frame_weights = _interpolation_weights(self.factor)

    def call(self, inputs):
        n_frames, n_features = inputs.shape[1], inputs.shape[2]
        previous = ops.concatenate([inputs[:, :1], inputs[:, :-1]], axis=1)
        following = ops.concatenate([inputs[:, 1:], inputs[:, -1:]], axis=1)
        neighbours = ops.stack([previous, inputs, following], axis=2)  # [batch, frames, 3, features]
        weights = ops.convert_to_tensor(self._frame_weights, dtype=inputs.dtype)
        samples = ops.einsum("btkf,ks->btsf", neighbours, weights)
        return ops.reshape(samples, (-1, n_frames * self.factor, n_features))

    def compute_output_shape(self, input_shape):
        batch, n_frames, n_features = input_shape
        return (batch, None if n_frames is None else n_frames * self.factor, n_features)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}
