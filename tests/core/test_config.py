"""TrainConfig: one definition, ``dss train`` flags, argv round trip, YAML-safe dicts, validation."""

from __future__ import annotations

import dataclasses
import shlex
import subprocess
import sys

import numpy as np
import pytest
import yaml

from napari_deepss.cli import build_parser
from napari_deepss.options import to_argv, yaml_safe
from napari_deepss.training.config import GROUPS, TrainConfig, default_save_dir

SEED_COMMAND = (
    "--data-dir D.npy --save-dir D.res --nb-hist 256 --ignore-boundaries True --nb-filters 32 "
    "--kernel-size 32 --nb-conv 3 --use-separable False False False --learning-rate 0.0001 --nb-epoch 400 "
    "--model-name tcn --no-reduce-lr --no-tensorboard"
)


def parse(argv: list[str]) -> TrainConfig:
    """The validated TrainConfig of ``dss train`` flags."""
    return TrainConfig.from_dict(vars(build_parser().parse_args(["train", *argv]))).validate()


def test_every_option_has_help_group_and_label():
    for f in dataclasses.fields(TrainConfig):
        assert f.metadata["help"] and f.metadata["label"], f.name
        assert f.metadata["group"] in GROUPS, f.name


def test_deepss_defaults():
    config = TrainConfig(data_dir="song.npy")
    assert (config.nb_hist, config.nb_filters, config.kernel_size, config.nb_conv) == (1024, 16, 16, 3)
    assert config.dilations == [1, 2, 4, 8, 16]
    assert config.ignore_boundaries and not config.reduce_lr and not config.tensorboard
    assert (config.learning_rate, config.batch_size, config.nb_epoch, config.reduce_lr_patience) == (5e-4, 32, 400, 5)
    assert config.separable_blocks() == [False, False, False]
    assert config.save_path == default_save_dir("song.npy")


def test_seed_command_parses_to_the_documented_config():
    config = parse(shlex.split(SEED_COMMAND))
    assert config == TrainConfig(
        data_dir="D.npy", save_dir="D.res", nb_hist=256, ignore_boundaries=True, nb_filters=32, kernel_size=32,
        nb_conv=3, use_separable=[False, False, False], learning_rate=0.0001, nb_epoch=400, model_name="tcn",
        reduce_lr=False, tensorboard=False,
    )
    assert (config.data_padding, config.stride) == (96, 64)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [(["--reduce-lr"], True), (["--reduce-lr", "True"], True), (["--reduce-lr", "false"], False),
     (["--no-reduce-lr"], False), ([], False)],
)
def test_boolean_flag_spellings(argv, expected):
    assert parse(["--data-dir", "x.npy", *argv]).reduce_lr is expected


def test_argv_round_trip_gives_an_equal_config():
    config = TrainConfig(data_dir="a b.npy", save_prefix="pulse", seed=3, fraction_data=0.25, reduce_lr=True,
                         model_name="tcn_stft", nb_pre_conv=4, use_separable=[True, False, False],
                         dilations=[1, 2], learning_rate=1e-5, ignore_boundaries=False)
    assert parse(to_argv(config)) == config
    assert parse(shlex.split(shlex.join(to_argv(config)))) == config


def test_dict_is_yaml_safe_and_round_trips():
    config = TrainConfig(data_dir="d.npy", seed=1, use_separable=[True])
    text = yaml.safe_dump(config.to_dict())
    assert TrainConfig.from_dict(yaml.safe_load(text)) == config
    # params files hold more than options; those keys are ignored
    assert TrainConfig.from_dict({**config.to_dict(), "class_names": ["noise"], "stride": 5}) == config


def test_yaml_safe_converts_numpy_and_paths(tmp_path):
    attrs = {"samplerate_x_Hz": np.float64(2500.0), "class_names": np.array(["noise", "pulse"]),
             "data_splits": {"rec": {"train": [(0, np.int64(10))]}}, "folder": tmp_path}
    assert yaml.safe_load(yaml.safe_dump(yaml_safe(attrs))) == {
        "samplerate_x_Hz": 2500.0, "class_names": ["noise", "pulse"],
        "data_splits": {"rec": {"train": [[0, 10]]}}, "folder": str(tmp_path)}


def test_from_dict_reports_bad_values():
    with pytest.raises(ValueError, match="nb_hist"):
        TrainConfig.from_dict({"data_dir": "d.npy", "nb_hist": "long"})


def test_save_dir_defaults_to_res_beside_the_dataset(tmp_path):
    assert TrainConfig(data_dir=str(tmp_path / "song.npy")).save_path == tmp_path / "song.res"
    assert TrainConfig(data_dir="x.npy", save_dir="out").save_path.name == "out"
    assert default_save_dir("folder").name == "folder.res"


@pytest.mark.parametrize(
    ("changes", "message"),
    [({"nb_hist": 100, "kernel_size": 32}, "nb_hist"),
     ({"use_separable": [True, False]}, "use_separable"),
     ({"fraction_data": 0.0}, "fraction_data"),
     ({"model_name": "lstm"}, "model_name"),
     ({"nb_pre_conv": -1}, "nb_pre_conv"),
     ({"model_name": "tcn_stft", "nb_pre_conv": 4, "nb_hist": 1000, "ignore_boundaries": False}, "multiple"),
     ({"batch_size": 0}, "batch_size"),
     ({"data_dir": ""}, "data_dir")],
)
def test_validation_names_the_option(changes, message):
    config = dataclasses.replace(TrainConfig(data_dir="d.npy"), **changes)
    with pytest.raises(ValueError, match=message):
        config.validate()


def test_importing_the_training_modules_does_not_import_tensorflow():
    code = ("import sys, napari_deepss.training.config, napari_deepss.training, napari_deepss.training.chunks, napari_deepss.cli.train; "
            "print('tensorflow' in sys.modules or 'keras' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
