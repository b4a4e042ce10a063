"""DeepSS's training options on a real fly slice: what each does to the data, the network and the files.

Tiny networks and one or two epochs: each test checks the option's effect, not the network's quality.
"""

from __future__ import annotations

import hashlib
import shutil

import h5py
import numpy as np
import pytest
import yaml
from predict_helpers import fly_slice

from napari_deepss import TrainConfig, load_model, make_dataset, train
from napari_deepss.dataset.store import data_hash, open_dataset
from napari_deepss.prediction import predict
from napari_deepss.training import training_parts
from napari_deepss.training.data import chunk_readers

TINY = dict(nb_hist=256, nb_filters=8, kernel_size=8, nb_conv=1, dilations=[1, 2, 4], batch_size=16,
            learning_rate=3e-3, verbose=0, seed=1)
AUGMENTATIONS = "Gain:\n  gain: {Uniform: {lower: 0.5, upper: 2}}\nMaskNoise:\n  std: 0.01\n"


@pytest.fixture(scope="module")
def fly_store(fly_wav, tmp_path_factory):
    folder = tmp_path_factory.mktemp("fly")
    wav = fly_slice(fly_wav, folder / "data")
    return make_dataset(wav.parent, folder / "fly.npy", event_std_seconds=0.002).store_folder


def _readers(store, **options):
    config = TrainConfig(data_dir=str(store), **{**TINY, **options}).validate()
    attrs, splits = open_dataset(store)
    params = dict(attrs)
    parts, _ = training_parts(config, splits, attrs["samplerate_x_Hz"])
    return chunk_readers(config, params, parts), parts, params


def test_augmentation_changes_training_batches_but_not_validation(fly_store, tmp_path):
    spec = tmp_path / "aug.yaml"
    spec.write_text(AUGMENTATIONS)
    plain, _, _ = _readers(fly_store)
    augmented, _, params = _readers(fly_store, augmentations=str(spec))
    chunks = np.arange(8)
    x, y, w = augmented["train"].read(chunks)
    x0, y0, w0 = plain["train"].read(chunks)
    assert not np.allclose(x, x0) and np.array_equal(y, y0) and np.array_equal(w, w0)
    assert not np.allclose(augmented["train"].read(chunks)[0], x)  # drawn anew every time a chunk is read
    for got, expected in zip(augmented["val"].read(chunks), plain["val"].read(chunks)):
        np.testing.assert_array_equal(got, expected)
    assert params["augmentation_spec"] == yaml.safe_load(AUGMENTATIONS)


def test_balance_weights_each_sample_by_the_inverse_share_of_its_class(fly_store):
    balanced, parts, params = _readers(fly_store, balance=True)
    y = np.asarray(parts["train"].y, dtype=np.float64)
    shares = y.sum(axis=0) / y.sum()
    np.testing.assert_allclose(params["class_weights"], 1 / shares, rtol=1e-5)
    assert params["class_weights"][1] > 20 * params["class_weights"][0]  # pulses are rare
    plain, _, _ = _readers(fly_store)
    x, y_batch, w = balanced["train"].read(np.arange(20))
    _, _, w0 = plain["train"].read(np.arange(20))
    label = y_batch.argmax(axis=-1)
    np.testing.assert_allclose(w, w0 * np.asarray(params["class_weights"], dtype=np.float32)[label], rtol=1e-6)


def test_sample_ranges_seconds_and_batch_level_subsampling_choose_the_data(fly_store):
    attrs, splits = open_dataset(fly_store)
    rate = attrs["samplerate_x_Hz"]
    config = TrainConfig(data_dir=str(fly_store), first_sample_train=1000, last_sample_train=5000,
                         last_sample_val=3000, fraction_data=0.5, **TINY)
    _, ranges = training_parts(config, splits, rate)
    assert ranges == {"train": [1000, 5000], "val": [0, 3000]}  # the sample options replace the fraction
    seconds = TrainConfig(data_dir=str(fly_store), fraction_data=3.0, **TINY)  # 3 s of the 7.2 s of training data
    _, ranges = training_parts(seconds, splits, rate)
    assert ranges["train"][1] - ranges["train"][0] == round(3.0 * rate)
    assert ranges["val"][1] - ranges["val"][0] == round(3.0 / 7.2 * len(splits["val"]))
    readers, parts, _ = _readers(fly_store, fraction_data=0.25, batch_level_subsampling=True)
    whole, _, _ = _readers(fly_store)
    assert len(parts["train"]) == len(splits["train"])  # chunks are subsampled over the whole split
    assert len(readers["train"]) == round(0.25 * len(whole["train"]))
    assert set(readers["train"].starts) < set(whole["train"].starts)


def test_without_upsampling_the_network_learns_and_predicts_frames(fly_store, tmp_path):
    result = train(data_dir=str(fly_store), save_dir=str(tmp_path), model_name="tcn_stft", nb_pre_conv=2,
                   pre_nb_dft=16, upsample=False, nb_epoch=1, post_opt=False, html_report=False, **TINY)
    model, params = load_model(result.params_path)
    assert model.output_shape == (None, 64, 2)  # one row per frame of 4 samples
    readers, _, _ = _readers(fly_store, model_name="tcn_stft", nb_pre_conv=2, pre_nb_dft=16, upsample=False)
    x, y, w = readers["train"].read(np.arange(4))
    assert x.shape == (4, 256, 1) and y.shape == (4, 64, 2) and w.shape == (4, 64)
    _, splits = open_dataset(fly_store)
    samples = np.asarray(splits["test"].x[:1000], dtype=np.float32)
    probabilities = predict(samples, str(result.model_path), samplerate=2500, keep_probabilities=True).probabilities
    assert probabilities.shape == (1000, 2)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, atol=1e-5)


def test_batch_norm_off_builds_no_normalisation(fly_store, tmp_path):
    result = train(data_dir=str(fly_store), save_dir=str(tmp_path), batch_norm=False, nb_epoch=1, post_opt=False,
                   html_report=False, **TINY)
    model, params = load_model(result.params_path)
    assert params["batch_norm"] is False
    assert not [layer for layer in model.layers if "Normalization" in type(layer).__name__]
    with_norm = train(data_dir=str(fly_store), save_dir=str(tmp_path / "norm"), nb_epoch=1, post_opt=False,
                      html_report=False, **TINY)
    assert [layer for layer in load_model(with_norm.params_path)[0].layers if "Normalization" in type(layer).__name__]


def test_x_suffix_save_name_and_data_version(fly_store, tmp_path):
    store = shutil.copytree(fly_store, tmp_path / "fly.npy")
    for split in ("train", "val", "test"):
        x = np.load(store / split / "x.npy")
        np.save(store / split / "x_loud.npy", (4 * x.astype(np.float32)).astype(x.dtype))
    _, splits = open_dataset(store, x_suffix="loud")
    np.testing.assert_allclose(splits["train"].x[:100], 4 * np.load(store / "train" / "x.npy")[:100], rtol=1e-2)
    result = train(data_dir=str(store), save_dir=str(tmp_path / "res"), x_suffix="loud", save_prefix="fly",
                   save_name="loud", nb_epoch=1, post_opt=False, html_report=False, **TINY)
    assert result.model_path.name == "fly_loud_model.h5"
    params = yaml.safe_load(result.params_path.read_text())
    assert params["x_suffix"] == "loud" and params["data_hash"] == data_hash(store)
    digest = hashlib.md5()
    for path in sorted(store.rglob("*"), key=lambda p: str(p.relative_to(store)).lower()):
        digest.update(path.name.encode())
        if path.is_file():
            digest.update(path.read_bytes())
    assert params["data_hash"] == digest.hexdigest()  # DeepSS's hash: names and contents in sorted order
    with pytest.raises(FileExistsError, match="fly_loud_model.h5"):
        train(data_dir=str(store), save_dir=str(tmp_path / "res"), save_prefix="fly", save_name="loud", **TINY)
    with pytest.raises(Exception, match="x_nope.npy"):
        train(data_dir=str(store), save_dir=str(tmp_path / "res2"), x_suffix="nope", **TINY)


def test_training_chooses_post_processing_keeps_history_and_writes_a_report(fly_store, tmp_path):
    result = train(data_dir=str(fly_store), save_dir=str(tmp_path), nb_epoch=2, **TINY)
    params = yaml.safe_load(result.params_path.read_text())
    choice = params["postprocess_choice"]
    after, before = choice["validation_after"]["events"], choice["validation_before"]["events"]
    assert after["f1"] >= before["f1"] and choice["tolerance_seconds"] == 0.01
    assert params["postprocess"]["event_thres"] in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
    assert params["post_opt"]["gap_dur"] == params["postprocess"]["segment_fillgap"]
    assert TrainConfig.from_dict(params).post_opt is True  # DeepSS's post_opt dict reads back as the option
    assert params["history"]["val_loss"] == pytest.approx(result.history["val_loss"]) and len(
        result.history["val_loss"]) == 2
    assert params["test_scores"]["events"]["pulse"]["true_positives"] >= 0
    with h5py.File(result.results_path) as f:
        np.testing.assert_allclose(f["history/val_loss"][:], result.history["val_loss"])
    page = result.report_path
    assert page.name == "index.html" and page.parent.name.endswith("_report")
    assert {p.name for p in page.parent.iterdir()} == {"index.html", "losses.png", "confusion.png",
                                                       "song_types.png", "boundaries.png"}
    text = page.read_text()
    assert "pulse" in text and "losses.png" in text and "Post-processing" in text
    assert "events: threshold" in result.postprocessing
