"""Continue training from a network (``--init-model``): weights kept, song types added, mismatches refused."""

from __future__ import annotations

import numpy as np
import pytest
import yaml
from predict_helpers import fly_slice

from napari_deepss import load_model, make_dataset, train
from napari_deepss.annotations import Annotations, annotations_path_for, read_annotations, write_annotations
from napari_deepss.cli import main
from napari_deepss.errors import FileFormatError
from napari_deepss.prediction import predict
from napari_deepss.training.init_model import RECORD_KEY, initialise, source_network_options

TINY = dict(nb_hist=256, nb_filters=8, kernel_size=8, nb_conv=1, dilations=[1, 2, 4], batch_size=16, verbose=0)
STILL = dict(learning_rate=1e-12, nb_epoch=1)  # Adam's steps are about the learning rate: the weights stay put


@pytest.fixture(scope="module")
def fly(fly_wav, tmp_path_factory):
    """The fly slice, its dataset and a source network trained on it for three epochs."""
    folder = tmp_path_factory.mktemp("init")
    wav = fly_slice(fly_wav, folder / "data")
    store = make_dataset(wav.parent, folder / "fly.npy", event_std_seconds=0.002).store_folder
    source = train(data_dir=str(store), save_dir=str(folder / "source"), learning_rate=3e-3, nb_epoch=3, seed=1,
                   **TINY)
    return wav, store, str(source.model_path).removesuffix("_model.h5")


def _probabilities(wav, prefix):
    return predict(wav, prefix, keep_probabilities=True).probabilities


def test_a_network_given_the_source_weights_predicts_as_the_source(fly):
    from napari_deepss.models import NetworkSpec, build_model

    wav, _, prefix = fly
    source_model, params = load_model(prefix)
    fresh = build_model(NetworkSpec.from_options(params), params["trained_precision"])  # auto may be bfloat16
    record = initialise(fresh, prefix, params["class_names"])
    assert record["added"] == [] and record["dropped"] == [] and record["model"].endswith("_model.h5")
    expected = predict(wav, source_model, params=params, keep_probabilities=True).probabilities
    assert np.array_equal(predict(wav, fresh, params=params, keep_probabilities=True).probabilities, expected)


def test_training_from_a_network_starts_from_its_weights_and_records_them(fly, tmp_path):
    wav, store, prefix = fly
    result = train(data_dir=str(store), save_dir=str(tmp_path), init_model=prefix, seed=2, **TINY, **STILL)
    params = yaml.safe_load(result.params_path.read_text())
    assert params["init_model"] == prefix and params[RECORD_KEY]["model"] == f"{prefix}_model.h5"
    continued = _probabilities(wav, str(result.model_path).removesuffix("_model.h5"))
    np.testing.assert_allclose(continued, _probabilities(wav, prefix), atol=1e-4)
    scratch = train(data_dir=str(store), save_dir=str(tmp_path / "scratch"), seed=2, **TINY, **STILL)
    assert np.abs(_probabilities(wav, str(scratch.model_path).removesuffix("_model.h5")) - continued).max() > 0.05


def test_a_new_song_type_grows_the_output_layer_and_known_types_keep_their_weights(fly, tmp_path):
    wav, _, prefix = fly
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / wav.name).write_bytes(wav.read_bytes())
    pulses = read_annotations(annotations_path_for(wav))
    sine = Annotations(["sine", "sine"], [1.0, 6.0], [1.8, 6.5])  # a new segment type
    write_annotations(Annotations.from_rows([*pulses.names, *sine.names],
                                            np.r_[pulses.start_seconds, sine.start_seconds],
                                            np.r_[pulses.stop_seconds, sine.stop_seconds]),
                      annotations_path_for(folder / wav.name))
    store = make_dataset(folder, tmp_path / "grown.npy").store_folder
    result = train(data_dir=str(store), save_dir=str(tmp_path / "res"), init_model=prefix, **TINY, **STILL)
    grown, params = load_model(str(result.model_path).removesuffix("_model.h5"))
    source, _ = load_model(prefix)
    assert params["class_names"] == ["noise", "pulse", "sine"]
    assert params[RECORD_KEY]["added"] == ["sine"] and params[RECORD_KEY]["class_names"] == ["noise", "pulse"]
    kernel, bias = grown.get_layer("class_logits").get_weights()
    old_kernel, old_bias = source.get_layer("class_logits").get_weights()
    assert kernel.shape == (8, 3)
    np.testing.assert_allclose(kernel[:, :2], old_kernel, atol=1e-6)
    np.testing.assert_allclose(bias[:2], old_bias, atol=1e-6)
    np.testing.assert_allclose(grown.get_layer("input_projection").get_weights()[0],
                               source.get_layer("input_projection").get_weights()[0], atol=1e-6)


def test_another_architecture_is_refused_naming_the_option(fly, tmp_path):
    _, store, prefix = fly
    with pytest.raises(ValueError, match=r"nb_filters is 8 in .*_params.yaml but 4 here"):
        train(data_dir=str(store), save_dir=str(tmp_path), init_model=prefix, **{**TINY, "nb_filters": 4}, **STILL)
    assert not list(tmp_path.glob("*"))  # refused before anything was written
    with pytest.raises(FileFormatError, match="not found"):
        train(data_dir=str(store), save_dir=str(tmp_path), init_model=str(tmp_path / "missing"), **TINY)


def test_dss_train_takes_the_network_options_of_the_network_it_continues(fly, tmp_path, capsys):
    _, store, prefix = fly
    assert source_network_options(prefix)["nb_filters"] == 8
    code = main(["train", "--data-dir", str(store), "--save-dir", str(tmp_path / "cli"), "--init-model", prefix,
                 "--nb-epoch", "1", "--learning-rate", "1e-12", "--verbose", "0"])
    assert code == 0
    params = yaml.safe_load(next((tmp_path / "cli").glob("*_params.yaml")).read_text())
    assert (params["nb_filters"], params["kernel_size"], params["dilations"]) == (8, 8, [1, 2, 4])
    assert main(["train", "--data-dir", str(store), "--save-dir", str(tmp_path / "bad"), "--init-model", prefix,
                 "--kernel-size", "5"]) == 2
    assert "kernel_size is 8" in capsys.readouterr().err
