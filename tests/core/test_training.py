"""Training on a real fly slice: loss falls, files written, reload predicts the same, stop flag, errors."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
import threading

import h5py
import numpy as np
import pytest
import soundfile
import yaml
from predict_helpers import fly_slice

from napari_deepss import TrainConfig, load_model, make_dataset, train
from napari_deepss.dataset.store import open_dataset
from napari_deepss.errors import FileFormatError, TrainingDiverged
from napari_deepss.jobs import Progress, Stopped
from napari_deepss.prediction import predict
from napari_deepss.training import TrainResult, training_parts

# a tiny network: 8 filters, kernel 8, one block of dilations 1, 2, 4 -> data_padding 8
TINY = dict(nb_hist=256, nb_filters=8, kernel_size=8, nb_conv=1, dilations=[1, 2, 4], batch_size=16,
            learning_rate=3e-3, verbose=0)


@pytest.fixture(scope="module")
def fly_store(fly_wav, tmp_path_factory):
    """A dataset made from 12 s of the real fly recording (train 7.2 s, val 2.4 s, test 2.4 s)."""
    folder = tmp_path_factory.mktemp("fly")
    wav = fly_slice(fly_wav, folder / "data")
    return make_dataset(wav.parent, folder / "fly.npy", event_std_seconds=0.002).store_folder


@pytest.fixture(scope="module")
def trained(fly_store, tmp_path_factory):
    reports: list[Progress] = []
    save_dir = tmp_path_factory.mktemp("res")
    result = train(TrainConfig(data_dir=str(fly_store), save_dir=str(save_dir), nb_epoch=4, seed=1,
                               reduce_lr=True, tensorboard=True, **TINY), progress=reports.append)
    return result, reports


def test_loss_falls_and_progress_follows_the_contract(trained):
    result, reports = trained
    assert isinstance(result, TrainResult)  # returned, not raised as Stopped
    assert len(result.history["loss"]) == len(result.history["val_loss"]) == 4
    assert result.history["loss"][-1] < 0.8 * result.history["loss"][0]
    assert result.history["val_loss"][-1] < result.history["val_loss"][0]
    assert [p.phase for p in reports][-1] == "done"
    assert {p.phase for p in reports} == {"train", "val", "post-processing", "test", "done"}
    train_steps = [p for p in reports if p.phase == "train"]
    assert [p.values["epoch"] for p in train_steps if p.done == 1] == [1, 2, 3, 4]
    assert all(p.values["nb_epoch"] == 4 and 1 <= p.done <= p.total and p.values["loss"] is not None
               for p in train_steps)
    assert all(p.message == f"epoch {p.values['epoch']}/4" for p in train_steps)
    assert all(p.values["val_loss"] is None for p in train_steps if p.values["epoch"] == 1)
    last_val = [p for p in reports if p.phase == "val" and p.values["epoch"] == 4][-1]
    assert last_val.done == last_val.total
    assert last_val.values["val_loss"] == pytest.approx(result.history["val_loss"][-1], rel=1e-5)


def test_three_files_and_plain_yaml_params(trained, fly_store):
    result, _ = trained
    stem = result.model_path.name.removesuffix("_model.h5")
    assert result.params_path.name == f"{stem}_params.yaml" and result.results_path.name == f"{stem}_results.h5"
    assert all(p.is_file() for p in (result.model_path, result.params_path, result.results_path))
    assert not [p for p in result.model_path.parent.iterdir() if p.name.startswith(".")]  # no temporary files left
    params = yaml.safe_load(result.params_path.read_text())
    assert params["class_names"] == ["noise", "pulse"] and params["class_types"] == ["segment", "event"]
    assert params["samplerate_x_Hz"] == 2500
    assert (params["data_padding"], params["stride"]) == (8, 240)
    assert TrainConfig.from_dict(params).nb_filters == 8 and params["data_dir"] == str(fly_store)
    assert params["report"] == result.report and np.sum(params["confusion_matrix"]) > 0
    assert result.report["pulse"]["support"] > 0 and 0 <= result.report["pulse"]["f1"] <= 1
    assert (result.model_path.parent / f"{stem}_logs").is_dir()  # tensorboard


def test_results_hold_history_metrics_labels_and_predictions(trained, fly_store):
    result, _ = trained
    _, splits = open_dataset(fly_store)
    n_test = len(splits["test"])
    with h5py.File(result.results_path) as f:
        np.testing.assert_allclose(f["history/loss"][:], result.history["loss"])
        assert f["confusion_matrix"][:].sum() == n_test  # every test sample predicted once
        assert f["report/pulse/recall"][()] == pytest.approx(result.report["pulse"]["recall"])
        np.testing.assert_array_equal(f["labels_true"][:], np.argmax(splits["test"].y, axis=1))
        assert f["labels_pred"].shape == (n_test,) and f["probabilities"].shape == (n_test, 2)


def test_reloaded_model_predicts_the_saved_test_probabilities(trained, fly_store):
    result, _ = trained
    model, params = load_model(result.model_path.with_name(result.model_path.name.removesuffix("_model.h5")))
    assert params["nb_hist"] == 256
    _, splits = open_dataset(fly_store)
    x = np.asarray(splits["test"].x[:256], dtype=np.float32)[None]
    predicted = model.predict_on_batch(x)[0]
    hop = 256 // 4  # prediction averages chunks a quarter chunk apart (chunk_layout.OVERLAP)
    with h5py.File(result.results_path) as f:
        saved = f["probabilities"][: hop + params["data_padding"]]  # what only the first chunk predicts
        whole = f["probabilities"][:]
    np.testing.assert_allclose(predicted[: len(saved)], saved, atol=2e-3)
    test_x = np.asarray(splits["test"].x, dtype=np.float32)
    again = predict(test_x, str(result.model_path), samplerate=2500, keep_probabilities=True).probabilities
    np.testing.assert_allclose(again, whole, atol=2e-3)  # float16 in the file
    assert load_model(result.params_path)[1] == params


def test_stop_flag_ends_training_after_the_current_step(fly_store, tmp_path):
    stop = threading.Event()
    reports = []

    def progress(p):
        reports.append(p)
        if p.phase == "train" and p.done == 2:
            stop.set()

    with pytest.raises(Stopped) as stopped:
        train(data_dir=str(fly_store), save_dir=str(tmp_path), nb_epoch=50, jit_compile=False, **TINY,
              progress=progress, stop=stop)
    result = stopped.value.result
    assert [p.done for p in reports if p.phase == "train"] == [1, 2]
    assert not [p for p in reports if p.phase == "val"]  # the interrupted epoch is not validated
    assert result.history == {}
    assert result.model_path.is_file() and result.params_path.is_file() and result.results_path.is_file()


def test_stop_during_validation_discards_the_incomplete_epoch(fly_store, tmp_path):
    stop = threading.Event()
    reports = []

    def progress(p):
        reports.append(p)
        if p.phase == "val" and p.values["epoch"] == 2 and p.done == 1:
            stop.set()

    with pytest.raises(Stopped) as stopped:
        train(data_dir=str(fly_store), save_dir=str(tmp_path), nb_epoch=50, **TINY, progress=progress, stop=stop)
    assert len(stopped.value.result.history["val_loss"]) == 1
    assert [p.done for p in reports if p.phase == "val" and p.values["epoch"] == 2] == [1]
    assert not [p for p in reports if p.phase == "train" and p.values["epoch"] == 3]


def test_multichannel_recordings_with_separable_blocks(fly_wav, tmp_path):
    wav = fly_slice(fly_wav, tmp_path / "data", seconds=6.0)
    mono, rate = soundfile.read(wav, dtype="float32")
    noise = np.random.default_rng(0).normal(0, 0.01, mono.shape).astype(np.float32)
    soundfile.write(wav, np.stack([mono, 0.5 * mono + noise], axis=1), rate)
    store = make_dataset(wav.parent, tmp_path / "stereo.npy").store_folder
    result = train(data_dir=str(store), nb_epoch=1, **{**TINY, "use_separable": [True]})
    model, params = load_model(result.params_path)
    assert params["nb_channels"] == 2 and model.input_shape == (None, 256, 2)
    assert result.model_path.parent == tmp_path / "stereo.res"  # the default save folder


def test_a_test_split_shorter_than_a_chunk_is_predicted_whole(fly_wav, tmp_path):
    wav = fly_slice(fly_wav, tmp_path / "data", seconds=8.0)
    store = make_dataset(wav.parent, tmp_path / "short.npy", train=0.7, val=0.2, test=0.1).store_folder
    result = train(data_dir=str(store), nb_epoch=1, **{**TINY, "nb_hist": 2048})
    n_test = len(open_dataset(store)[1]["test"])
    assert n_test < 2048
    with h5py.File(result.results_path) as f:
        assert f["confusion_matrix"][:].sum() == n_test and f["probabilities"].shape == (n_test, 2)


def test_fraction_data_with_a_seed_is_reproducible(fly_store):
    _, splits = open_dataset(fly_store)

    def ranges(seed):
        return training_parts(TrainConfig(data_dir=str(fly_store), fraction_data=0.3, seed=seed, **TINY), splits)[1]

    assert ranges(3) == ranges(3)
    assert ranges(3) != ranges(4)
    start, stop = ranges(3)["train"]
    assert stop - start == round(0.3 * len(splits["train"]))
    assert training_parts(TrainConfig(data_dir=str(fly_store), **TINY), splits)[1]["train"] == [0, len(splits["train"])]


def test_errors_before_training(fly_store, tmp_path):
    with pytest.raises(FileFormatError, match="y_sine"):
        train(data_dir=str(fly_store), save_dir=str(tmp_path), y_suffix="sine", **TINY)
    with pytest.raises(FileFormatError, match="fewer than one chunk"):
        train(data_dir=str(fly_store), save_dir=str(tmp_path), **{**TINY, "nb_hist": 2**16})
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    with pytest.raises(FileFormatError, match="cannot write"):
        train(data_dir=str(fly_store), save_dir=str(blocker / "res"), **TINY)
    no_val = shutil.copytree(fly_store, tmp_path / "no_val.npy")
    shutil.rmtree(no_val / "val")
    with pytest.raises(FileFormatError, match="no 'val' split"):
        train(data_dir=str(no_val), save_dir=str(tmp_path), **TINY)
    with pytest.raises(ValueError, match="kernel_size"):
        train(data_dir=str(fly_store), **{**TINY, "kernel_size": 200})
    assert not list(tmp_path.glob("*_params.yaml"))


def test_mirrored_strategy_on_two_logical_cpus(fly_store, tmp_path):
    script = textwrap.dedent(f"""
        import tensorflow as tf
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
        import yaml
        from napari_deepss import train
        result = train(data_dir={str(fly_store)!r}, save_dir={str(tmp_path)!r}, nb_epoch=1, multi_gpu=True,
                       **{TINY!r})
        print("replicas", yaml.safe_load(result.params_path.read_text())["nb_replicas"], result.history["loss"])
        import sys
        print("qt", any(name.split(".")[0] in ("qtpy", "PyQt5", "PyQt6", "PySide6", "napari") for name in sys.modules))
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "replicas 2" in out.stdout
    assert "qt False" in out.stdout  # runs on a cluster node without a display


def test_the_test_pass_scores_equal_dss_evaluate(bird_dir, tmp_path):
    """The trainer's test pass predicts each recording's piece with prediction's chunk layout.

    The network has an STFT frontend (factor 4) and a boundary padding of 5
    samples, which prediction rounds up to 8 to keep chunks on the frame grid:
    a test pass with chunks of its own would score other probabilities.
    """
    from recordings import copy_recordings

    from napari_deepss.dataset import split_pieces
    from napari_deepss.evaluate import evaluate_dataset
    from napari_deepss.prediction import predict

    data = copy_recordings(bird_dir, tmp_path / "birds", ["bird0_003", "bird0_005"])
    store = make_dataset(data, tmp_path / "birds.npy", seed=2).store_folder
    result = train(data_dir=str(store), save_dir=str(tmp_path / "res"), nb_hist=256, nb_filters=8, kernel_size=5,
                   nb_conv=1, dilations=[1, 2], nb_pre_conv=2, pre_nb_dft=16, pre_nb_filters=8, nb_epoch=1,
                   batch_size=16, learning_rate=3e-3, seed=1, verbose=0)
    params = yaml.safe_load(result.params_path.read_text())
    assert params["data_padding"] == 5 and len(params["data_splits"]) == 2  # two test pieces
    attrs, splits = open_dataset(store)
    test, offset = splits["test"], 0
    with h5py.File(result.results_path) as f:
        for _, start, stop in split_pieces(attrs, "test"):
            piece = np.asarray(test.x[offset:offset + stop - start], dtype=np.float32)
            expected = predict(piece, str(result.model_path), samplerate=attrs["samplerate_x_Hz"], batch_size=16,
                               keep_probabilities=True).probabilities
            np.testing.assert_allclose(f["probabilities"][offset:offset + len(piece)], expected, atol=1e-3)
            offset += len(piece)
        evaluation = evaluate_dataset(str(result.model_path), store, batch_size=16)
        np.testing.assert_array_equal(f["confusion_matrix"][:], evaluation.confusion)
    assert evaluation.confusion.sum() == offset == len(test)


def _poison(store, split: str) -> None:
    """Overwrite a split's audio with NaN in place (a dataset made before NaN audio was refused, or by other tools)."""
    x = np.load(store / split / "x.npy", mmap_mode="r+")
    x[:] = np.nan
    x.flush()


@pytest.mark.parametrize(("split", "says"), [("train", "the training loss is nan at epoch 1, step 1"),
                                             ("val", "the validation loss is nan after epoch 1")])
def test_a_nan_loss_stops_training_and_keeps_no_network(fly_store, tmp_path, split, says):
    store = shutil.copytree(fly_store, tmp_path / "poisoned.npy")
    _poison(store, split)
    with pytest.raises(TrainingDiverged, match=f"training diverged: {says}; no network was kept"):
        train(data_dir=str(store), save_dir=str(tmp_path / "res"), nb_epoch=3, seed=1, **TINY)
    assert list((tmp_path / "res").iterdir()) == []


def test_a_nan_loss_later_keeps_the_network_of_the_finite_epochs(fly_store, tmp_path):
    store = shutil.copytree(fly_store, tmp_path / "poisoned.npy")

    def poison_after_the_first_epoch(p: Progress) -> None:
        if p.phase == "val" and p.values["epoch"] == 1 and p.done == 1:
            _poison(store, "train")  # the next epoch's batches are read from the file afterwards

    with pytest.raises(TrainingDiverged, match="at epoch 2, step 1; the network of the best epoch before") as error:
        train(data_dir=str(store), save_dir=str(tmp_path / "res"), nb_epoch=3, seed=1,
              progress=poison_after_the_first_epoch, **TINY)
    model_path = str(error.value).split("is kept: ")[1].split(". NaN")[0]
    model, params = load_model(model_path)
    assert all(np.isfinite(w).all() for w in model.get_weights()) and params["class_names"] == ["noise", "pulse"]
    assert sorted(p.name.rsplit("_", 1)[1] for p in (tmp_path / "res").iterdir()) == ["model.h5", "params.yaml"]
