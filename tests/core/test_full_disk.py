"""A full disk is an error naming the output and the space it needs, and leaves no partial output (issue 15, item 3).

On a real small disk (a tmpfs, where mounting is allowed) and, everywhere,
with the free space or the allocation made to fail.
"""

from __future__ import annotations

import errno
import os
import shutil

import pytest
from mounts import small_disk
from predict_helpers import saved_amplitude_network, stereo_fly

from napari_deepss import disk_space
from napari_deepss.cli import main
from napari_deepss.dataset import make_dataset
from napari_deepss.errors import OutputError
from napari_deepss.prediction import predict
from napari_deepss.probability_files import ProbabilityFormat



@pytest.fixture
def fly_folder(fly_dir, tmp_path):
    return shutil.copytree(fly_dir, tmp_path / "fly")


@pytest.fixture(scope="module")
def amplitude(fly_wav, tmp_path_factory):
    """A saved two-channel network and a 12 s stereo fly recording at its rate."""
    folder = tmp_path_factory.mktemp("amplitude")
    return saved_amplitude_network(folder / "net", rate=2500.0), stereo_fly(fly_wav, folder / "data")


def _contents(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_make_dataset_on_a_small_disk(fly_folder, tmp_path, capsys):
    with small_disk(tmp_path / "disk", 512) as disk:
        assert main(["make-dataset", str(fly_folder), "--store-folder", str(disk / "fly.npy")]) == 2
        err = capsys.readouterr().err
        assert f"dss: error: {disk / 'fly.npy'}: needs 901 kB of disk space, but only" in err
        assert "Traceback" not in err and len(err.strip().splitlines()) == 1
        assert _contents(disk) == []


def test_make_dataset_on_a_disk_that_fills_up_meanwhile(fly_folder, tmp_path, monkeypatch):
    """The free space looked enough, but the disk is full when the arrays are allocated."""
    monkeypatch.setattr(disk_space, "free_bytes", lambda path: 10**12)
    with small_disk(tmp_path / "disk", 512) as disk:
        with pytest.raises(OutputError, match="fly.npy: cannot write it: the disk is full"):
            make_dataset(fly_folder, disk / "fly.npy")
        assert _contents(disk) == []


def test_predict_probabilities_on_a_small_disk(amplitude, tmp_path, capsys):
    prefix, wav = amplitude
    with small_disk(tmp_path / "disk", 128) as disk:
        assert main(["predict", str(wav), prefix, "--out-dir", str(disk), "--save-probabilities"]) == 1
        err = capsys.readouterr().err
        # 12 s at 2.5 kHz, 3 classes of float16 (and a 128-byte header); the recording is listed as failed
        assert f"dss predict: failed: {wav}: {disk / 'stereo_probabilities.npy'}: needs 180 kB of disk space" in err
        assert _contents(disk) == ["predict_summary.csv"]


def test_simulated_little_free_space(fly_folder, amplitude, tmp_path, monkeypatch):
    monkeypatch.setattr(disk_space.shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(10**9, 10**9, 4000))
    with pytest.raises(OutputError, match=r"fly.npy: needs 901 kB of disk space, but only 4 kB are free"):
        make_dataset(fly_folder, tmp_path / "fly.npy")
    prefix, wav = amplitude
    with pytest.raises(OutputError, match=r"p.npy: needs 180 kB of disk space, but only 4 kB are free"):
        predict(wav, prefix, keep_probabilities=tmp_path / "p.npy")  # float16
    with pytest.raises(OutputError, match=r"p.npy: needs 360 kB of disk space, but only 4 kB are free"):
        predict(wav, prefix, keep_probabilities=tmp_path / "p.npy", probability_format=ProbabilityFormat("float32"))
    with pytest.raises(OutputError, match=r"p.npy: needs 7.33 kB of disk space, but only 4 kB are free"):
        # 1200 rows at 100 Hz: 7200 bytes and the header
        predict(wav, prefix, keep_probabilities=tmp_path / "p.npy", probability_format=ProbabilityFormat(rate=100.0))
    assert _contents(tmp_path) == ["fly"]


def test_simulated_full_disk_when_allocating(fly_folder, amplitude, tmp_path, monkeypatch):
    def full(fd, offset, length):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "posix_fallocate", full, raising=False)
    with pytest.raises(OutputError, match="fly.npy: cannot write it: the disk is full"):
        make_dataset(fly_folder, tmp_path / "fly.npy")
    prefix, wav = amplitude
    with pytest.raises(OutputError, match="p.npy: cannot write it: the disk is full"):
        predict(wav, prefix, keep_probabilities=tmp_path / "p.npy")
    assert _contents(tmp_path) == ["fly"]
