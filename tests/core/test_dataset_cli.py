"""``dss make-dataset``: flags named like the core options, errors as one line."""

from __future__ import annotations

import shutil
import subprocess
import sys

import numpy as np
import pytest

from napari_deepss.cli import build_parser, main
from napari_deepss.dataset import DatasetOptions, open_split, read_attrs


@pytest.fixture
def fly_folder(fly_dir, tmp_path):
    return shutil.copytree(fly_dir, tmp_path / "fly")


def test_flags_reach_the_dataset(fly_folder, tmp_path, capsys):
    store = tmp_path / "pulses.npy"
    code = main([
        "make-dataset", str(fly_folder), "--store-folder", str(store), "--event-std-seconds", "0.002",
        "--gap-seconds", "0.001", "--make-individual-targets", "--train", "0.5", "--val", "0.5", "--test", "0",
        "--seed", "3",
    ])
    assert code == 0
    attrs = read_attrs(store)
    assert attrs["event_std_seconds"] == 0.002 and attrs["gap_seconds"] == 0.001 and attrs["seed"] == 3
    assert attrs["splits"]["test"]["fraction"] == 0 and attrs["class_names_pulse"] == ["noise", "pulse"]
    assert len(open_split(store, "train")["x"]) == len(open_split(store, "val")["x"]) == 75000
    assert "y_pulse" in open_split(store, "val")
    assert str(store) in capsys.readouterr().out


def test_a_switch_before_the_data_folder_leaves_it_positional(fly_folder, tmp_path):
    args = build_parser().parse_args(["make-dataset", "--make-individual-targets", str(fly_folder), "--seed", "4"])
    assert args.data_folder == str(fly_folder) and args.make_individual_targets is True and args.seed == 4


def test_defaults_match_the_core_options(fly_folder):
    assert main(["make-dataset", str(fly_folder)]) == 0
    attrs = read_attrs(fly_folder.with_name("fly.npy"))
    defaults = DatasetOptions()
    assert attrs["event_std_seconds"] == defaults.event_std_seconds and attrs["seed"] == defaults.seed
    assert {s: v["fraction"] for s, v in attrs["splits"].items()} == defaults.fractions
    assert not any(key.startswith("class_names_") for key in attrs)


def test_every_option_has_a_flag():
    help_text = subprocess.run(
        [sys.executable, "-m", "napari_deepss", "make-dataset", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for option in DatasetOptions.fields():
        assert "--" + option.name.replace("_", "-") in help_text


@pytest.mark.parametrize(
    ("extra", "message"),
    [(["--test-by", "files"], "Split by samples instead"), (["--store-folder", "out"], "must end in .npy")],
)
def test_user_errors_are_one_line(fly_folder, capsys, extra, message):
    assert main(["make-dataset", str(fly_folder), *extra]) == 2
    err = capsys.readouterr().err
    assert err.startswith("dss: error: ") and message in err and "Traceback" not in err


def test_existing_store_needs_overwrite(fly_folder, capsys):
    assert main(["make-dataset", str(fly_folder), "--test", "0"]) == 0
    assert main(["make-dataset", str(fly_folder)]) == 2
    assert "exists" in capsys.readouterr().err
    assert main(["make-dataset", str(fly_folder), "--overwrite", "--seed", "1"]) == 0
    assert read_attrs(fly_folder.with_name("fly.npy"))["seed"] == 1
    assert np.isfinite(np.asarray(open_split(fly_folder.with_name("fly.npy"), "test")["y"], dtype=np.float32)).all()
