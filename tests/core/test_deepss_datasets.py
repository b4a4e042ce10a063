"""Datasets both ways: ours readable by DeepSS's numpy 1 stack, DeepSS's own readable and trainable here."""

from __future__ import annotations

import io
import pickle

import h5py
import numpy as np
import pytest
import yaml
from deepss_fixtures import DATASET
from predict_helpers import fly_slice

from napari_deepss import make_dataset
from napari_deepss.cli import main
from napari_deepss.dataset.store import ATTRS_FILE, open_dataset, read_attrs, split_pieces


class _Numpy1Unpickler(pickle.Unpickler):
    """What numpy 1 can resolve: no ``numpy._core`` (added in numpy 2), so only public names are allowed here."""

    def find_class(self, module, name):
        if (module, name) == ("numpy", "array") or module == "builtins":
            return super().find_class(module, name)
        raise ModuleNotFoundError(f"No module named {module!r} (numpy 1 cannot load {module}.{name})")


def test_our_attrs_name_nothing_that_numpy_1_lacks(fly_wav, tmp_path):
    wav = fly_slice(fly_wav, tmp_path / "data")
    store = make_dataset(wav.parent, tmp_path / "fly.npy", make_individual_targets=True).store_folder
    data = (store / ATTRS_FILE).read_bytes()
    stream = io.BytesIO(data)
    assert np.lib.format.read_magic(stream) == (1, 0)
    assert np.lib.format.read_array_header_1_0(stream) == ((), False, np.dtype(object)) and b"_core" not in data
    attrs = _Numpy1Unpickler(stream).load()
    assert isinstance(attrs, np.ndarray) and attrs.shape == ()
    assert attrs[()] == read_attrs(store)
    assert read_attrs(store)["class_names_pulse"] == ["noise", "pulse"]


def test_a_deepss_dataset_opens_with_its_splits_and_its_one_recording():
    attrs, splits = open_dataset(DATASET, "pulse")  # its individual target y_pulse
    assert attrs["class_names"] == ["noise", "pulse"] and attrs["samplerate_x_Hz"] == 2500.0
    assert sorted(splits) == ["test", "train", "val"] and splits["train"].x.dtype == np.float16
    for name, split in splits.items():
        ((recording, start, stop),) = split_pieces(attrs, name)
        assert recording.endswith("20190122T093303a-7") and stop - start == len(split)


def test_deepss_pieces_are_listed_only_where_their_order_is_known():
    deepss = {"filename_train": [], "data_splits": {
        "data/a": {"train": [[0, 10]], "val": [[10, 20]]},  # split by samples
        "data/b": {"train": [[0, 30]]},
        "data/c": {"test": []},  # a whole file (DeepSS leaves the range out)
    }}
    assert split_pieces(deepss, "train") == []  # two recordings in an order DeepSS did not record
    assert split_pieces(deepss, "val") == [("data/a", 10, 20)]
    assert split_pieces(deepss, "test") == []
    ours = {"data_splits": {"b": {"train": [[0, 30]]}, "a": {"train": [[0, 10]]}}}
    assert split_pieces(ours, "train") == [("a", 0, 10), ("b", 0, 30)]  # ours: sorted by name
    assert split_pieces({"data_splits": {"a": 0.6}}, "train") == []


def test_dss_train_trains_on_a_deepss_dataset(tmp_path, capsys):
    argv = ["train", "--data-dir", str(DATASET), "--save-dir", str(tmp_path), "--y-suffix", "pulse", "--nb-hist",
            "256", "--nb-filters", "8", "--kernel-size", "3", "--nb-conv", "1", "--dilations", "1", "2",
            "--nb-epoch", "1", "--batch-size", "8", "--verbose", "0", "--seed", "1"]
    assert main(argv) == 0
    model, params, results = capsys.readouterr().out.split()
    params = yaml.safe_load(open(params))
    assert params["class_names"] == ["noise", "pulse"] and params["nb_channels"] == 1
    assert params["samplerate_x_Hz"] == 2500.0 and params["data_folder"] == "fly10"
    with h5py.File(results) as f:
        confusion = f["confusion_matrix"][()]
    _, splits = open_dataset(DATASET)
    assert confusion.shape == (2, 2) and confusion.sum() == len(splits["test"])
    assert model.endswith("_model.h5")


@pytest.mark.parametrize("attrs", [{}, {"data_splits": "a/b"}, {"filename_train": [], "data_splits": {}}])
def test_datasets_without_usable_pieces_give_none(attrs):
    assert split_pieces(attrs, "train") == []
