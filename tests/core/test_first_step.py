"""What makes the first training step fast must not change what training learns.

The training step is traced once (the optimizer's variables exist before the
first step), and the fused AMSGrad update gives Keras's Adam results.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
from predict_helpers import fly_slice

from napari_deepss import TrainConfig, make_dataset, train
from napari_deepss.training import optimizer, trainer

TINY = dict(nb_hist=256, nb_filters=8, kernel_size=8, nb_conv=1, dilations=[1, 2, 4], batch_size=16,
            learning_rate=3e-3, verbose=0, seed=1, post_opt=False, html_report=False)


@pytest.fixture(scope="module")
def fly_store(fly_wav, tmp_path_factory):
    folder = tmp_path_factory.mktemp("fly")
    wav = fly_slice(fly_wav, folder / "data", seconds=8.0)
    return make_dataset(wav.parent, folder / "fly.npy", test=0.0, train=0.7, val=0.3).store_folder


def _traces_counted(monkeypatch, build) -> list[int]:
    """Replace ``build_optimizer`` by ``build`` and count how often the model's train_step is traced."""
    traces: list[int] = []

    def counting(model):
        build(model)
        step = model.train_step

        def counted(data):
            traces.append(1)
            return step(data)

        model.train_step = counted

    monkeypatch.setattr(trainer, "build_optimizer", counting)
    return traces


def test_the_training_step_is_traced_once(fly_store, tmp_path, monkeypatch):
    traces = _traces_counted(monkeypatch, trainer.build_optimizer)
    train(TrainConfig(data_dir=str(fly_store), save_dir=str(tmp_path / "a"), nb_epoch=2, **TINY))
    assert len(traces) == 1
    traces = _traces_counted(monkeypatch, lambda model: None)  # Keras's default: variables made in the first trace
    train(TrainConfig(data_dir=str(fly_store), save_dir=str(tmp_path / "b"), nb_epoch=1, **TINY))
    assert len(traces) == 2


def test_training_learns_what_it_learned_before(fly_store, tmp_path, monkeypatch):
    """Keras's Adam without the optimizer built beforehand (as before) and now: the same losses, epoch by epoch."""
    # float32: bfloat16 (``auto`` on CPUs with AVX512-BF16) rounds differently with every change of the update's ops
    config = TrainConfig(data_dir=str(fly_store), save_dir=str(tmp_path), nb_epoch=3, mixed_precision="off", **TINY)
    now = train(config).history
    monkeypatch.setattr(optimizer, "FusedAdam", keras.optimizers.Adam)
    monkeypatch.setattr(trainer, "build_optimizer", lambda model: None)
    before = train(config).history
    assert len(now["val_loss"]) == len(before["val_loss"]) == 3
    np.testing.assert_allclose(now["loss"], before["loss"], rtol=1e-4)
    np.testing.assert_allclose(now["val_loss"], before["val_loss"], rtol=1e-4)
    assert now["val_loss"][-1] < now["val_loss"][0]  # it did learn


def test_fused_adam_without_amsgrad_is_kerass_adam():
    variable = keras.Variable(np.ones(3, dtype="float32"))
    fused, plain = optimizer.FusedAdam(0.1), keras.optimizers.Adam(0.1)
    twin = keras.Variable(np.ones(3, dtype="float32"))
    for _ in range(3):
        fused.apply([np.array([1.0, -2.0, 0.5], dtype="float32")], [variable])
        plain.apply([np.array([1.0, -2.0, 0.5], dtype="float32")], [twin])
    np.testing.assert_allclose(variable.numpy(), twin.numpy(), rtol=1e-6)
    assert not np.allclose(variable.numpy(), 1.0)


def test_the_dataset_hash_is_computed_beside_training_and_recorded(fly_store, tmp_path, monkeypatch):
    import threading

    import yaml

    from napari_deepss.dataset.store import data_hash

    threads = []

    def recording_thread(folder):
        threads.append(threading.current_thread() is threading.main_thread())
        return data_hash(folder)

    monkeypatch.setattr(trainer, "data_hash", recording_thread)
    result = train(TrainConfig(data_dir=str(fly_store), save_dir=str(tmp_path), nb_epoch=1, **TINY))
    assert threads == [False]  # not on the thread that loads TensorFlow and traces the step
    assert yaml.safe_load(result.params_path.read_text())["data_hash"] == data_hash(fly_store)
