"""The Keras TCN, its STFT frontend and saving/reloading models."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest
import tensorflow as tf

from napari_deepss.audio import load_audio
from napari_deepss.models import MODELS, NetworkSpec, build_model, custom_objects
from napari_deepss.models.deepss import DeepSSChannelNormalization, DeepSSSpectrogram
from napari_deepss.models.stft import STFTMagnitudeDB, dft_kernels
from napari_deepss.models.upsample import LinearUpSampling1D

TINY = dict(nb_filters=4, kernel_size=3, nb_conv=2, use_separable=(False, True), dilations=(1, 2))
NB_HIST = 128


def network(**options) -> keras.Model:
    """The model of ``options`` (a params-like dict) built through the spec."""
    return build_model(NetworkSpec.from_options(options))


@pytest.fixture(scope="module")
def bird_chunks(bird_wav):
    """Real audio: consecutive [NB_HIST, 3] chunks (three slices side by side as channels)."""
    samples, _ = load_audio(bird_wav)
    song = samples[20_000 : 20_000 + 4 * 3 * NB_HIST, 0]
    return song.reshape(4, 3, NB_HIST).transpose(0, 2, 1).copy()


@pytest.mark.parametrize("model_name", ["tcn", "tcn_stft"])
@pytest.mark.parametrize("nb_channels", [1, 3])
@pytest.mark.parametrize("nb_pre_conv", [0, 3])
def test_output_is_a_probability_per_input_sample(bird_chunks, model_name, nb_channels, nb_pre_conv):
    model = network(
        model_name=model_name,
        nb_hist=NB_HIST,
        nb_channels=nb_channels,
        nb_classes=4,
        nb_pre_conv=nb_pre_conv,
        pre_nb_dft=16,
        pre_nb_filters=6,
        learning_rate=1e-4,  # other training options are ignored
        **TINY,
    )
    probabilities = model.predict(bird_chunks[..., :nb_channels], verbose=0)
    assert probabilities.shape == (4, NB_HIST, 4)
    np.testing.assert_allclose(probabilities.sum(axis=-1), 1.0, atol=1e-5)
    has_frontend = any(isinstance(layer, STFTMagnitudeDB) for layer in model.layers)
    assert has_frontend == (nb_pre_conv > 0)


def test_separable_flags_choose_the_convolution_per_stack():
    model = network(model_name="tcn", nb_hist=32, nb_channels=1, nb_classes=2, **TINY)
    assert type(model.get_layer("stack0_dilation2_conv")) is keras.layers.Conv1D
    assert type(model.get_layer("stack1_dilation2_conv")) is keras.layers.SeparableConv1D
    assert set(MODELS) == {"tcn", "tcn_stft"}


def test_dft_kernels_give_the_magnitude_spectrum_of_a_sine():
    n_dft, hop, peak_bin = 64, 16, 5
    t = np.arange(1024)
    sine = np.sin(2 * np.pi * peak_bin * t / n_dft).astype("float32")
    spectrum = STFTMagnitudeDB(n_dft=n_dft, hop=hop)(sine[None, :, None])
    assert spectrum.shape == (1, 1024 // hop, n_dft // 2 + 1)
    middle = keras.ops.convert_to_numpy(spectrum)[0, 10:-10]
    assert (middle.argmax(axis=1) == peak_bin).all()
    np.testing.assert_allclose(middle[:, peak_bin], 0.0, atol=0.01)  # amplitude 1 -> 0 dB


def test_stft_layer_matches_numpy_on_real_audio(bird_chunks):
    n_dft, hop = 32, 8
    chunk = bird_chunks[0]  # [time, 3 channels]
    decibels = keras.ops.convert_to_numpy(STFTMagnitudeDB(n_dft=n_dft, hop=hop)(chunk[None]))[0]
    n_bins = n_dft // 2 + 1
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n_dft) / n_dft)
    frame = 7  # 'same' padding: frame i starts (n_dft - hop) / 2 samples before i * hop
    start = frame * hop - (n_dft - hop) // 2
    for channel in range(3):
        segment = chunk[start : start + n_dft, channel] * window
        magnitude = np.abs(np.fft.rfft(segment)) / (window.sum() / 2)
        expected = 10 * np.log10(magnitude**2 + 1e-10)
        got = decibels[frame, channel * n_bins : (channel + 1) * n_bins]
        np.testing.assert_allclose(got, expected, atol=0.05)


def test_gradients_reach_the_frontend_kernels_even_for_silence(bird_chunks):
    model = network(model_name="tcn_stft", nb_hist=NB_HIST, nb_channels=3, nb_classes=2, nb_pre_conv=2, **TINY)
    targets = np.zeros((4, NB_HIST, 2), "float32")
    targets[..., 0] = 1
    kernel = model.get_layer("trainable_stft").kernel
    for audio in (bird_chunks, np.zeros_like(bird_chunks)):
        with tf.GradientTape() as tape:
            loss = keras.losses.categorical_crossentropy(targets, model(audio, training=True))
        gradient = tape.gradient(loss, kernel.value).numpy()
        assert np.isfinite(gradient).all()
        if audio is bird_chunks:
            assert np.abs(gradient).max() > 0


def test_linear_upsampling_interpolates_between_frame_centres():
    frames = np.arange(6, dtype="float32")[None, :, None]
    factor = 4
    samples = keras.ops.convert_to_numpy(LinearUpSampling1D(factor)(frames))[0, :, 0]
    assert samples.shape == (6 * factor,)
    t = np.arange(6 * factor)
    expected = np.clip((t - (factor - 1) / 2) / factor, 0, 5)
    np.testing.assert_allclose(samples, expected, atol=1e-6)


def test_saved_models_reload_in_a_fresh_process_with_plain_load_model(tmp_path, bird_chunks):
    model = network(model_name="tcn", nb_hist=NB_HIST, nb_channels=3, nb_classes=3, nb_pre_conv=3, pre_nb_dft=16,
                    **TINY)
    rng = np.random.default_rng(0)
    # move every weight away from its initial value, so a reload that rebuilt
    # the layers without loading weights would be caught
    model.set_weights([w + rng.normal(0, 0.1, w.shape).astype(w.dtype) for w in model.get_weights()])
    np.save(tmp_path / "x.npy", bird_chunks)
    np.save(tmp_path / "expected.npy", model.predict(bird_chunks, verbose=0))
    model.save(tmp_path / "net_model.h5")
    model.save(tmp_path / "net.keras")
    script = textwrap.dedent(
        """
        import sys
        from pathlib import Path
        import keras, numpy as np
        import napari_deepss.models.build
        folder = Path(sys.argv[1])
        x = np.load(folder / "x.npy")
        for name in ("net_model.h5", "net.keras"):
            model = keras.models.load_model(folder / name)
            np.save(folder / (name + ".npy"), model.predict(x, verbose=0))
        """
    )
    subprocess.run([sys.executable, "-c", script, str(tmp_path)], check=True, capture_output=True)
    expected = np.load(tmp_path / "expected.npy")
    for name in ("net_model.h5", "net.keras"):
        np.testing.assert_allclose(np.load(tmp_path / f"{name}.npy"), expected, rtol=1e-5, atol=1e-6)


def test_custom_objects_name_the_registered_layers():
    assert custom_objects() == {"STFTMagnitudeDB": STFTMagnitudeDB, "LinearUpSampling1D": LinearUpSampling1D,
                                "DeepSSSpectrogram": DeepSSSpectrogram,  # DeepSS's layers: networks continued here
                                "DeepSSChannelNormalization": DeepSSChannelNormalization}
    for cls in custom_objects().values():
        assert keras.saving.get_registered_object(keras.saving.get_registered_name(cls)) is cls


def test_dft_kernels_are_cos_and_sin_bases():
    kernels = dft_kernels(8)[:, 0, :]
    assert kernels.shape == (8, 10)
    np.testing.assert_allclose(kernels[:, 5:].sum(), 0.0, atol=1e-6)  # sine parts are odd around the centre
    assert kernels[:, 0].min() >= 0  # DC basis is the window itself


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (dict(nb_hist=100, nb_pre_conv=4), "multiple of the downsample factor"),
        (dict(nb_conv=3, use_separable=(False, False)), "one True/False per TCN block"),
        (dict(use_separable=("maybe", "maybe", "maybe")), "use_separable: cannot use"),
        (dict(nb_filters=0), "nb_filters must be at least 1"),
        (dict(nb_hist=2.5), "nb_hist: cannot use 2.5"),
        (dict(dilations=()), "at least one dilation"),
        (dict(dilations=(1, -2)), "dilations must be at least 1"),
        (dict(nb_pre_conv=-1), "nb_pre_conv must be at least 0"),
        (dict(nb_pre_conv=4, pre_nb_dft=8), "pre_nb_dft"),
        (dict(nb_classes=0), "nb_classes must be at least 1"),
    ],
)
def test_bad_arguments_are_named(options, message):
    arguments = dict(nb_hist=64, nb_channels=1, nb_classes=2) | options
    with pytest.raises(ValueError, match=message):
        network(**arguments)


def test_unknown_model_name_lists_the_choices():
    with pytest.raises(ValueError, match="model_name must be one of tcn, tcn_stft, got 'wavenet'"):
        network(model_name="wavenet", nb_hist=64, nb_channels=1, nb_classes=2)
