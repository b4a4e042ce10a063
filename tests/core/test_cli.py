"""The ``dss`` command line: help and version work, and building it imports no heavy library."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import types
from pathlib import Path

import pytest

from napari_deepss import __version__, cli
from napari_deepss.errors import FileFormatError

HEAVY_MODULES = ("tensorflow", "keras", "qtpy", "PyQt6", "napari", "distributed")


def _run(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(argv, capture_output=True, text=True, timeout=120)


def _dss_script() -> str:
    script = Path(sysconfig.get_path("scripts")) / ("dss.exe" if sys.platform == "win32" else "dss")
    assert script.is_file(), f"console script {script} missing: install the package (pip install -e .)"
    return str(script)


@pytest.mark.parametrize("command", [[sys.executable, "-m", "napari_deepss"], ["dss"]], ids=["python -m", "dss"])
def test_help_and_version(command):
    if command == ["dss"]:
        command = [_dss_script()]
    shown = _run(*command, "--help")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("usage: dss")
    assert "--version" in shown.stdout
    version = _run(*command, "--version")
    assert version.returncode == 0, version.stderr
    assert version.stdout.strip() == f"dss {__version__}"


def test_building_the_parser_imports_neither_tensorflow_nor_qt_nor_napari():
    """Every registered sub-command must defer its heavy imports to ``run``."""
    probe = (
        "import sys, napari_deepss\n"
        "from napari_deepss.cli import SUBCOMMAND_MODULES, build_parser\n"
        "build_parser()\n"
        f"loaded = [m for m in {HEAVY_MODULES!r} if m in sys.modules]\n"
        "assert all(f'napari_deepss.cli.{name}' in sys.modules for name in SUBCOMMAND_MODULES)\n"
        "print(','.join(loaded))\n"
    )
    result = _run(sys.executable, "-c", probe)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"imported at start-up: {result.stdout.strip()}"


def _install_subcommand(monkeypatch, run) -> None:
    """Register a throw-away sub-command ``probe`` whose ``run`` is given."""
    module = types.ModuleType("napari_deepss.cli.probe")

    def register(subparsers):
        subparsers.add_parser("probe").set_defaults(func=run)

    module.register = register
    monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setattr(cli, "SUBCOMMAND_MODULES", (*cli.SUBCOMMAND_MODULES, "probe"))


def _raise(error):
    def run(args):
        raise error

    return run


@pytest.mark.parametrize(
    "error", [FileFormatError("rec.wav", "no such file"), ValueError("bad value"), FileExistsError("out.npy exists")]
)
def test_user_errors_become_one_line_and_exit_code_2(monkeypatch, capsys, error):
    _install_subcommand(monkeypatch, _raise(error))
    assert cli.main(["probe"]) == 2
    assert capsys.readouterr().err == f"dss: error: {error}\n"


def test_sub_command_exit_code_is_returned(monkeypatch):
    _install_subcommand(monkeypatch, lambda args: 3)
    assert cli.main(["probe"]) == 3


def test_no_command_prints_help(capsys):
    assert cli.main([]) == 0
    assert capsys.readouterr().out.startswith("usage: dss")


def test_programming_errors_are_not_hidden(monkeypatch):
    _install_subcommand(monkeypatch, _raise(KeyError("bug")))
    with pytest.raises(KeyError):
        cli.main(["probe"])
