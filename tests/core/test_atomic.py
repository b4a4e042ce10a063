"""Atomic writes: the target appears complete or not at all, durably, and no temporary file is left."""

from __future__ import annotations

import errno
import logging
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from mounts import read_only

from napari_deepss.atomic import atomic_dir, atomic_path
from napari_deepss.errors import OutputError
from napari_deepss.temporaries import HOST, LEGACY_STALE_SECONDS, temporary_name


class Interrupted(Exception):
    pass


def _names(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_file_appears_only_after_the_block(tmp_path):
    target = tmp_path / "out.csv"
    with atomic_path(target) as tmp:
        assert tmp.parent == tmp_path and tmp.name.startswith(".") and tmp.exists()
        tmp.write_text("new")
        assert not target.exists()
    assert target.read_text() == "new"
    assert _names(tmp_path) == ["out.csv"]


def test_failure_keeps_the_old_file_and_removes_the_temporary(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old")
    with pytest.raises(Interrupted), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise Interrupted
    assert target.read_text() == "old"
    assert _names(tmp_path) == ["out.csv"]


def test_temporary_keeps_the_suffix_so_suffix_driven_writers_work(tmp_path):
    target = tmp_path / "x.npy"
    with atomic_path(target) as tmp:
        assert tmp.suffix == ".npy"
        np.save(tmp, np.arange(3))  # np.save would append '.npy' to any other name
    np.testing.assert_array_equal(np.load(target), np.arange(3))
    assert _names(tmp_path) == ["x.npy"]


def test_written_file_gets_the_usual_permissions(tmp_path):
    umask = os.umask(0o022)
    try:
        with atomic_path(tmp_path / "out.csv") as tmp:
            tmp.write_text("x")
        with atomic_dir(tmp_path / "out.npy") as tmp:
            (tmp / "a").write_text("x")
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "out.csv").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "out.npy").stat().st_mode) == 0o755


def test_folder_appears_only_after_the_block(tmp_path):
    target = tmp_path / "data.npy"
    with atomic_dir(target) as tmp:
        (tmp / "x.npy").write_text("x")
        assert not target.exists()
    assert _names(target) == ["x.npy"]
    assert _names(tmp_path) == ["data.npy"]


def test_existing_folder_is_refused_before_any_work(tmp_path):
    target = tmp_path / "data.npy"
    target.mkdir()
    with pytest.raises(FileExistsError, match="overwrite=True"), atomic_dir(target):
        pytest.fail("the block must not run")
    assert _names(tmp_path) == ["data.npy"]


def test_overwrite_replaces_the_folder_only_when_complete(tmp_path):
    target = tmp_path / "data.npy"
    target.mkdir()
    (target / "old").write_text("old")
    with pytest.raises(Interrupted), atomic_dir(target, overwrite=True) as tmp:
        (tmp / "new").write_text("new")
        raise Interrupted
    assert _names(target) == ["old"]
    with atomic_dir(target, overwrite=True) as tmp:
        (tmp / "new").write_text("new")
    assert _names(target) == ["new"]
    assert _names(tmp_path) == ["data.npy"]


def test_folder_created_meanwhile_is_not_clobbered(tmp_path):
    target = tmp_path / "data.npy"
    with pytest.raises(FileExistsError, match="created while writing"), atomic_dir(target) as tmp:
        (tmp / "new").write_text("new")
        target.mkdir()
        (target / "other").write_text("other")
    assert _names(target) == ["other"]
    assert _names(tmp_path) == ["data.npy"]


# --- durable, through links, keeping permissions, errors naming the output (issue 15, item 5) -----------------


def test_the_file_is_flushed_before_the_rename_and_the_folder_after(tmp_path, monkeypatch):
    if not Path("/proc/self/fd").is_dir():
        pytest.skip("needs /proc to see which file a descriptor flushes (Linux)")
    events = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: (events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}"))),
                                                 real_fsync(fd))[1])
    monkeypatch.setattr(os, "replace", lambda a, b: (events.append(("replace", str(a))), real_replace(a, b))[1])
    with atomic_path(tmp_path / "out.csv") as tmp:
        tmp.write_text("new")
    assert events == [("fsync", str(tmp)), ("replace", str(tmp)), ("fsync", str(tmp_path))]
    events.clear()
    with atomic_dir(tmp_path / "data.npy") as tmp:
        (tmp / "train").mkdir()
        (tmp / "train" / "x.npy").write_text("x")
    assert events == [("fsync", str(tmp / "train" / "x.npy")), ("fsync", str(tmp / "train")), ("fsync", str(tmp)),
                      ("replace", str(tmp)), ("fsync", str(tmp_path))]


def test_writing_through_a_symbolic_link_writes_its_target(tmp_path):
    real = tmp_path / "lab" / "rec_annotations.csv"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / "rec_annotations.csv"
    link.symlink_to(real)
    with atomic_path(link) as tmp:
        assert tmp.parent == real.parent
        tmp.write_text("new")
    assert link.is_symlink() and real.read_text() == "new"
    assert _names(real.parent) == ["rec_annotations.csv"]


def test_a_replaced_file_keeps_its_permissions(tmp_path):
    target = tmp_path / "shared.csv"
    target.write_text("old")
    target.chmod(0o640)
    with atomic_path(target) as tmp:
        tmp.write_text("new")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640 and target.read_text() == "new"


def test_a_read_only_folder_is_an_error_naming_the_output(tmp_path):
    folder = tmp_path / "results"
    folder.mkdir()
    with read_only(folder):
        for context in (atomic_path(folder / "x_annotations.csv"), atomic_dir(folder / "x.npy")):
            with pytest.raises(OutputError) as error, context:
                pytest.fail("the block must not run")
            assert error.value.path.endswith("x_annotations.csv") or error.value.path.endswith("x.npy")
            assert "permission denied" in str(error.value) or "read-only" in str(error.value)
            assert ".part" not in str(error.value)
    assert _names(folder) == []


def test_a_full_disk_while_writing_is_an_error_naming_the_output(tmp_path):
    target = tmp_path / "x_probabilities.npy"
    with pytest.raises(OutputError, match="x_probabilities.npy: cannot write it: the disk is full") as error, \
            atomic_path(target):
        raise OSError(errno.ENOSPC, "No space left on device")  # as h5py reports it: no file name
    assert ".part" not in str(error.value) and _names(tmp_path) == []


def test_other_errors_inside_the_block_pass_unchanged(tmp_path):
    with pytest.raises(FileNotFoundError, match="input.wav"), atomic_path(tmp_path / "out.csv"):
        open(tmp_path / "input.wav")
    assert _names(tmp_path) == []


def test_replacing_a_folder_swaps_it_in_one_step(tmp_path, monkeypatch):
    if not sys.platform.startswith("linux"):
        pytest.skip("the one-step swap (renameat2) is Linux's; elsewhere two renames are used")
    target = tmp_path / "data.npy"
    target.mkdir()
    (target / "old").write_text("old")
    moved = []
    real_replace = os.replace
    monkeypatch.setattr(os, "replace", lambda a, b: (moved.append((str(a), str(b))), real_replace(a, b))[1])
    with atomic_dir(target, overwrite=True) as tmp:
        (tmp / "new").write_text("new")
    assert _names(target) == ["new"] and _names(tmp_path) == ["data.npy"]
    assert not any(str(target) in pair for pair in moved)  # the path was never renamed away, never missing


# --- stale temporaries (issue 15, item 4) ------------------------------------------------------------------------


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_stale_temporaries_of_the_output_are_removed_and_reported(tmp_path, caplog):
    target = tmp_path / "bird.npy"
    dead, alive = _dead_pid(), os.getpid()
    stale = [tmp_path / f".bird.{dead}-{HOST}-0123abcd.part.npy", tmp_path / ".bird.89abcdef.part.npy"]
    stale[0].mkdir()
    (stale[0] / "x.npy").write_bytes(b"0" * 1000)
    stale[1].write_text("old version")
    os.utime(stale[1], (time.time() - 2 * LEGACY_STALE_SECONDS,) * 2)
    kept = [tmp_path / f".bird.{alive}-{HOST}-0123abcd.part.npy",  # a live writer
            tmp_path / f".bird.{dead}-{'0000' if HOST != '0000' else '0001'}-0123abcd.part.npy",  # another machine
            tmp_path / ".bird.fedcba98.part.npy",  # an older version's, written recently
            tmp_path / f".fly.{dead}-{HOST}-0123abcd.part.npy"]  # another output
    for path in kept:
        path.write_text("")
    with caplog.at_level(logging.WARNING, logger="napari_deepss"), atomic_dir(target) as tmp:
        (tmp / "x.npy").write_text("x")
    assert not any(path.exists() for path in stale) and all(path.exists() for path in kept)
    assert "removed 2 stale temporary file(s) of " + str(target) in caplog.text
    assert stale[0].name in caplog.text and "1.01 kB" in caplog.text
    assert temporary_name(target).name.startswith(f".bird.{alive}-{HOST}-")
