"""The npe2 manifest: valid, every command importable, and packaged into the wheel."""

from __future__ import annotations

import importlib
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import npe2
import pytest

REPO = Path(__file__).resolve().parents[2]
MANIFEST = REPO / "src" / "napari_deepss" / "napari.yaml"
PLUGIN = "napari-deepss"
COMMANDS = npe2.PluginManifest.from_file(MANIFEST).contributions.commands


def _npe2(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "npe2", *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_installed_manifest_validates(tmp_path):
    result = _npe2("validate", PLUGIN, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "valid" in result.stdout


def test_installed_manifest_is_the_package_file():
    installed = npe2.PluginManifest.from_distribution(PLUGIN)
    assert installed.name == PLUGIN
    assert installed == npe2.PluginManifest.from_file(MANIFEST)


@pytest.mark.parametrize("command", COMMANDS, ids=[c.id for c in COMMANDS])
def test_every_command_imports(command):
    module_name, _, attribute = command.python_name.partition(":")
    assert callable(getattr(importlib.import_module(module_name), attribute))


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """A wheel built from a copy of the repository (so no build folders land in the working tree)."""
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "src"
    ignore = shutil.ignore_patterns(".git", "build", "dist", "*.egg-info", "__pycache__", ".venv", ".pytest_cache")
    shutil.copytree(REPO, source, symlinks=True, ignore=ignore)
    out = tmp / "out"
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--no-build-isolation", "-q", "-w", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (built,) = out.glob("napari_deepss-*.whl")
    return built


def test_wheel_holds_the_real_manifest_file(wheel, tmp_path):
    with zipfile.ZipFile(wheel) as z:
        info = z.getinfo("napari_deepss/napari.yaml")
        assert not stat.S_ISLNK(info.external_attr >> 16), "the wheel holds a link, not the manifest"
        packaged = z.read(info)
    assert packaged == MANIFEST.read_bytes()
    extracted = tmp_path / "napari.yaml"
    extracted.write_bytes(packaged)
    result = _npe2("validate", str(extracted), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_wheel_registers_the_napari_manifest_entry_point(wheel):
    with zipfile.ZipFile(wheel) as z:
        (entry_points,) = [n for n in z.namelist() if n.endswith(".dist-info/entry_points.txt")]
        text = z.read(entry_points).decode()
    section = text.split("[napari.manifest]", 1)[1].split("[", 1)[0]
    assert [line.replace(" ", "") for line in section.strip().splitlines()] == ["napari-deepss=napari_deepss:napari.yaml"]
