"""Runs killed with ``kill -9`` halfway (issue 15, items 4 and 9).

Each job runs in a child process that stops halfway (in a progress report, or
while Keras writes the model) and is killed there. Then: no output that looks
complete, inputs unchanged, and the next ``dss`` run of the same output
succeeds, removes the dead run's temporaries and says so.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from bad_inputs import hashes
from predict_helpers import fly_slice, saved_amplitude_network, stereo_fly

from napari_deepss.cli import main
from napari_deepss.dataset import is_dataset_folder, make_dataset

# the child: run a job and, halfway, print "halfway" and wait to be killed
DRIVER = r"""
import sys, time

def hold(*args):
    print("halfway", flush=True)
    time.sleep(600)

job, args = sys.argv[1], sys.argv[2:]
if job == "make-dataset":
    from napari_deepss.dataset import make_dataset
    make_dataset(args[0], args[1], progress=lambda p: p.done and hold())
elif job == "predict":
    from napari_deepss.prediction import predict
    predict(args[0], args[1], keep_probabilities=args[2], batch_size=1, progress=lambda p: p.done and hold())
elif job == "train":
    import keras
    from napari_deepss import train
    save = keras.Model.save
    def save_then_hold(self, *a, **k):  # the model file is written, not yet renamed into place
        save(self, *a, **k)
        hold()
    keras.Model.save = save_then_hold
    train(data_dir=args[0], save_dir=args[1], nb_hist=256, nb_filters=8, kernel_size=3, nb_conv=1, dilations=[1, 2],
          nb_epoch=2, batch_size=8, verbose=0)
"""


def _kill_halfway(*argv: str) -> None:
    child = subprocess.Popen([sys.executable, "-c", DRIVER, *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    try:
        reached = child.stdout.readline().strip() == "halfway"  # an empty line: the child ended first
    finally:
        child.kill()  # SIGKILL: no clean-up code runs
        _, err = child.communicate(timeout=60)
    assert reached, err


def _hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def _removal_reported(err: str, count: int, output) -> None:
    assert f"dss: removed {count} stale temporary file(s) of {output} left by interrupted runs" in err, err


@pytest.fixture
def fly_data(fly_wav, tmp_path):
    return fly_slice(fly_wav, tmp_path / "data").parent


def test_make_dataset_killed_halfway(fly_data, tmp_path, capsys):
    store = tmp_path / "fly.npy"
    before = hashes(fly_data)
    _kill_halfway("make-dataset", str(fly_data), str(store))
    assert not store.exists() and len(_hidden(tmp_path)) == 1  # the unfinished folder, under its hidden name
    assert hashes(fly_data) == before
    assert main(["make-dataset", str(fly_data), "--store-folder", str(store)]) == 0
    _removal_reported(capsys.readouterr().err, 1, store)
    assert is_dataset_folder(store) and _hidden(tmp_path) == []
    assert hashes(fly_data) == before


def test_train_killed_while_writing_the_model(fly_data, tmp_path, capsys):
    store = make_dataset(fly_data, tmp_path / "fly.npy").store_folder
    save_dir = tmp_path / "res"
    before = hashes(store)
    _kill_halfway("train", str(store), str(save_dir))
    assert not list(save_dir.glob("*_model.h5"))  # no model that looks complete
    assert len(_hidden(save_dir)) == 2  # the model file Keras wrote, and the empty name reserved for it
    assert hashes(store) == before
    argv = ["train", "--data-dir", str(store), "--save-dir", str(save_dir), "--nb-hist", "256", "--nb-filters", "8",
            "--kernel-size", "3", "--nb-conv", "1", "--dilations", "1", "2", "--nb-epoch", "1", "--verbose", "0"]
    assert main(argv) == 0
    _removal_reported(capsys.readouterr().err, 2, f"{save_dir}/<time stamp>")
    assert _hidden(save_dir) == [] and len(list(save_dir.glob("*_model.h5"))) == 1
    assert hashes(store) == before


def test_predict_killed_halfway(fly_wav, tmp_path, capsys):
    prefix = saved_amplitude_network(tmp_path / "net", rate=2500.0)
    wav = stereo_fly(fly_wav, tmp_path / "recordings")
    out = tmp_path / "out"
    out.mkdir()
    before = hashes(wav.parent)
    _kill_halfway("predict", str(wav), prefix, str(out / "stereo_probabilities.npy"))
    assert [p.name for p in out.iterdir() if not p.name.startswith(".")] == [] and len(_hidden(out)) == 1
    assert main(["predict", str(wav), prefix, "--out-dir", str(out), "--save-probabilities"]) == 0
    _removal_reported(capsys.readouterr().err, 1, out / "stereo_probabilities.npy")
    assert sorted(p.name for p in out.iterdir()) == [".dss-predict", "predict_summary.csv", "stereo_annotations.csv",
                                                     "stereo_definitions.csv", "stereo_probabilities.json",
                                                     "stereo_probabilities.npy"]
    assert hashes(wav.parent) == before
