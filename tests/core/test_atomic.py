"""Atomic writes: the target appears complete or not at all, and no temporary file is left."""

from __future__ import annotations

import os
import stat

import numpy as np
import pytest

from napari_deepss.atomic import atomic_dir, atomic_path


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
