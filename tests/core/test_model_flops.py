"""FLOPs and context counted from a network's layers (napari_deepss.model_flops): hand counts, a perturbed input."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from napari_deepss.model_flops import context_samples, flops_per_sample, layer_flops  # noqa: E402


def tiny_model(n: int = 40):
    inputs = keras.Input((n, 2))
    x = keras.layers.Conv1D(4, 3, padding="same", name="conv")(inputs)
    x = keras.layers.ReLU()(x)
    y = keras.layers.SeparableConv1D(4, 5, dilation_rate=2, depth_multiplier=2, padding="same", name="sep")(x)
    x = keras.layers.Add()([x, y])
    outputs = keras.layers.Dense(3, activation="softmax", name="dense")(x)
    return keras.Model(inputs, outputs)


def test_flops_of_a_tiny_model_match_a_hand_count():
    counts = layer_flops(tiny_model(40))
    conv = 2 * 3 * 2 * 4 * 40  # kernel * in * out per output frame
    separable = 2 * 5 * 4 * 2 * 40 + 2 * (4 * 2) * 4 * 40  # depthwise (multiplier 2), then pointwise
    dense = 2 * 4 * 3 * 40
    assert counts == {"conv": conv, "sep": separable, "dense": dense}
    assert flops_per_sample(tiny_model(40)) == pytest.approx((conv + separable + dense) / 40)
    assert flops_per_sample(tiny_model(80)) == pytest.approx(flops_per_sample(tiny_model(40)))  # per sample: no length


def test_flops_of_the_stft_network_count_the_frontend_at_its_frame_rate():
    from napari_deepss.models import NetworkSpec, build_model

    spec = NetworkSpec(nb_hist=256, nb_filters=8, kernel_size=4, nb_conv=1, dilations=[1, 2], nb_pre_conv=3,
                       pre_nb_dft=16, pre_nb_filters=6, pre_kernel_size=3, nb_channels=2, nb_classes=3)
    frames = 256 // 8
    stft = 2 * 16 * 2 * 9 * frames * 2  # real and imaginary kernels of 9 bins, both channels
    frontend = 2 * 3 * (2 * 9) * 6 * frames
    tcn = 2 * 6 * 8 * frames + 2 * (2 * 4 * 8 * 8 + 2 * 8 * 8) * frames + 2 * 8 * 3 * frames
    assert flops_per_sample(build_model(spec)) == pytest.approx((stft + frontend + tcn) / 256)


def test_context_is_how_far_a_changed_sample_moves_the_output():
    model = tiny_model(60)
    assert context_samples(model) == 1 + 4  # conv: 1 to each side; separable: 4 more (kernel 5, dilation 2)
    x = np.random.default_rng(0).standard_normal((1, 60, 2)).astype("float32")
    changed = x.copy()
    changed[0, 30] += 3.0
    moved = np.abs(model.predict_on_batch(changed) - model.predict_on_batch(x)).max(axis=(0, 2)) > 0
    assert np.flatnonzero(moved).min() == 30 - 5 and np.flatnonzero(moved).max() == 30 + 5


def test_context_of_the_stft_network_reaches_through_frames():
    from napari_deepss.models import NetworkSpec, build_model

    spec = NetworkSpec(nb_hist=512, nb_filters=4, kernel_size=3, nb_conv=1, dilations=[1, 2], nb_pre_conv=3,
                       pre_nb_dft=16, pre_nb_filters=4, pre_kernel_size=3, nb_channels=1, nb_classes=2)
    model = build_model(spec)
    context = context_samples(model)
    assert context == 8 + 8 * (1 + 1 + 2) + 8  # STFT half-window, three convs over frames, interpolation
    x = np.random.default_rng(1).standard_normal((1, 512, 1)).astype("float32")
    changed = x.copy()
    changed[0, 256] += 5.0
    moved = np.flatnonzero(np.abs(model.predict_on_batch(changed) - model.predict_on_batch(x)).max(axis=(0, 2)) > 0)
    assert 256 - moved.min() <= context and moved.max() - 256 <= context
    assert 256 - moved.min() > context - 2 * 8  # the count is tight to within a frame on each side
