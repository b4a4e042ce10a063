"""Every flag of DeepSS 0.32's ``das train`` is a ``dss train`` flag with its name and meaning; refused ones say why.

The list is the output of ``das train --help`` of DeepSS 0.32.13 (defopt), written out here so that the
test does not need DeepSS.
"""

from __future__ import annotations

import argparse
import re

import pytest

from napari_deepss.cli import build_parser, main
from napari_deepss.training.config import TrainConfig
from napari_deepss.training.refused_options import REFUSED, refusal

# flag -> a value as a DeepSS command line would give it (None: a switch)
DAS_TRAIN_FLAGS = {
    "--data-dir": "D.npy", "-x": "", "--x-suffix": "", "-y": "", "--y-suffix": "", "--save-dir": "D.res",
    "--save-prefix": "bird", "--save-name": "run1", "-m": "tcn", "--model-name": "tcn_stft", "--nb-filters": "32",
    "--nb-kernels": "32", "-k": "32", "--kernel-size": "32", "--nb-conv": "3", "--use-separable": "False False False",
    "--nb-hist": "2048", "-i": None, "--ignore-boundaries": None, "--no-ignore-boundaries": None,
    "--batch-norm": None, "--no-batch-norm": None, "--nb-pre-conv": "4", "--pre-nb-conv": "4", "--pre-nb-dft": "64",
    "--pre-kernel-size": "3", "--pre-nb-filters": "16", "--pre-nb-kernels": "16", "--upsample": None,
    "--no-upsample": None, "--dilations": "1 2 4 8 16", "--nb-lstm-units": "0", "--verbose": "2",
    "--batch-size": "32", "--nb-epoch": "400", "--learning-rate": "0.0005", "--reduce-lr": None,
    "--no-reduce-lr": None, "--reduce-lr-patience": "5", "--fraction-data": "0.5", "--first-sample-train": "0",
    "--last-sample-train": "320000", "--first-sample-val": "0", "--last-sample-val": "64000", "--seed": "1",
    "--batch-level-subsampling": None, "--no-batch-level-subsampling": None, "-a": "aug.yaml",
    "--augmentations": "aug.yaml", "--tensorboard": None, "--no-tensorboard": None, "--wandb-api-token": "",
    "--wandb-project": "", "--wandb-entity": "", "--log-messages": None, "--no-log-messages": None,
    "--nb-stacks": "2", "--with-y-hist": None, "--no-with-y-hist": None, "--balance": None, "--no-balance": None,
    "--version-data": None, "--no-version-data": None, "--post-opt": None, "--no-post-opt": None,
    "--post-opt-nb-workers": "-1", "--post-opt-fill-gaps-min": "0.0005", "--post-opt-fill-gaps-max": "1.0",
    "--post-opt-fill-gaps-steps": "20", "--post-opt-min-len-min": "0.0005", "--post-opt-min-len-max": "1.0",
    "--post-opt-min-len-steps": "20", "--resnet-compute": None, "--no-resnet-compute": None, "--resnet-train": None,
    "--no-resnet-train": None, "--tmse-weight": "0.0",
}


def _parse(argv: list[str]) -> argparse.Namespace:
    return build_parser().parse_args(["train", *argv])


@pytest.mark.parametrize("flag", DAS_TRAIN_FLAGS)
def test_every_das_train_flag_parses(flag):
    value = DAS_TRAIN_FLAGS[flag]
    values = [] if value is None else [value] if value == "" else value.split()
    args = _parse(["--data-dir", "D.npy", flag, *values])
    TrainConfig.from_dict(vars(args))  # every value converts


def test_flags_carry_deepss_meaning():
    args = vars(_parse(["--data-dir", "D.npy", "-k", "8", "--nb-kernels", "24", "--pre-nb-conv", "3", "-m", "tcn_stft",
                        "--pre-nb-kernels", "12", "-i", "--no-batch-norm", "--no-upsample", "-x", "filtered",
                        "-y", "pulse", "-a", "aug.yaml", "--save-name", "run1", "--fraction-data", "30",
                        "--first-sample-train", "100", "--last-sample-val", "5000", "--balance",
                        "--batch-level-subsampling", "--no-post-opt", "--no-version-data"]))
    config = TrainConfig.from_dict(args)
    assert (config.kernel_size, config.nb_filters, config.nb_pre_conv, config.pre_nb_filters) == (8, 24, 3, 12)
    assert config.model_name == "tcn_stft" and config.ignore_boundaries and not config.batch_norm
    assert not config.upsample and (config.x_suffix, config.y_suffix, config.augmentations) == ("filtered", "pulse",
                                                                                               "aug.yaml")
    assert (config.save_name, config.fraction_data, config.first_sample_train, config.last_sample_val) == (
        "run1", 30.0, 100, 5000)
    assert config.balance and config.batch_level_subsampling and not config.post_opt and not config.version_data
    defaults = TrainConfig()
    assert defaults.post_opt and defaults.batch_norm and defaults.upsample and defaults.version_data
    assert (defaults.post_opt_fill_gaps_min, defaults.post_opt_fill_gaps_max, defaults.post_opt_fill_gaps_steps) == (
        0.0005, 1.0, 20)


@pytest.mark.parametrize(("flags", "says"), [
    (["--nb-lstm-units", "64"], "nb_lstm_units=64: napari-deepss builds no LSTM layer: for more temporal context use"),
    (["--resnet-compute"], "resnet_compute=True: napari-deepss builds no ResNet frontend: use the trainable STFT"),
    (["--no-with-y-hist"], "with_y_hist=False: napari-deepss networks label every sample"),
    (["--tmse-weight", "0.5"], "tmse_weight=0.5: .* post-processing chosen on the validation data"),
    (["--wandb-project", "birds", "--wandb-api-token", "xyz"], "wandb_api_token='xyz': .* use --tensorboard"),
])
def test_options_for_what_is_not_built_are_refused_with_what_to_use(flags, says, tmp_path, capsys):
    assert main(["train", "--data-dir", str(tmp_path / "D.npy"), *flags]) == 2
    err = capsys.readouterr().err
    assert err.startswith("dss: error: ") and len(err.strip().splitlines()) == 1
    assert re.search(says, err), err
    assert not (tmp_path / "D.res").exists()  # refused before anything is made


def test_refused_options_with_their_neutral_values_are_accepted():
    argv = ["--data-dir", "D.npy", "--nb-lstm-units", "0", "--with-y-hist", "--no-resnet-compute",
            "--tmse-weight", "0", "--wandb-project", ""]
    assert refusal(vars(_parse(argv))) is None
    assert set(REFUSED) >= {"nb_lstm_units", "resnet_compute", "resnet_train", "tmse_weight", "with_y_hist"}


@pytest.mark.parametrize(("changes", "message"), [
    (dict(fraction_data=0.0), "fraction_data must be a fraction in \\(0, 1\\] or seconds above 1"),
    (dict(first_sample_train=500, last_sample_train=100), "last_sample_train \\(100\\) must come after"),
    (dict(post_opt_min_len_min=0.5, post_opt_min_len_max=0.1), "post_opt_min_len_min must not exceed"),
    (dict(save_name="runs/one"), "save_name must be a file name, not a path"),
])
def test_bad_combinations_are_named(changes, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig(data_dir="D.npy", **changes).validate()
