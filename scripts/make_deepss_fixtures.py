"""Build the DeepSS 0.32 fixtures in tests/fixtures/deepss (not run by CI; the fixtures are committed).

Run it from the repository with the project's Python, naming a Python 3.11 that has DeepSS 0.32.13 installed
(its own virtual environment: TensorFlow 2.13, numpy 1.24):

    python scripts/make_deepss_fixtures.py --deepss-python PATH/TO/deepss-venv/bin/python

It writes (see tests/fixtures/deepss/README.md):

- networks/: four tiny networks trained by ``das train`` on real recordings (``tcn`` and ``tcn_stft``, one and two
  channels), each with DeepSS's probabilities, events and segments on a few seconds of real audio (audio/) and
  the annotations ``das predict`` writes for them;
- deepss_dataset.npy: a small dataset made with DeepSS's own functions;
- old_networks/: a network trained by napari-deepss at an older commit (``--old-commit``), with that code's own
  probabilities, to prove that networks keep loading.

It also checks that DeepSS reads a dataset made by today's ``dss make-dataset`` (``das.npy_dir.load`` and one
epoch of ``das train``) and prints what DeepSS said. The recordings come from ``--data`` (default:
``$DEEPSS_TEST_DATA`` or ``../shared/data`` beside the repository).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "deepss"
DEEPSS_SIDE = Path(__file__).resolve().parent / "deepss_fixtures" / "deepss_side.py"
OLD_SIDE = Path(__file__).resolve().parent / "deepss_fixtures" / "old_network.py"


def run(command: list[str], **kwargs) -> None:
    print("$", " ".join(map(str, command)), flush=True)
    subprocess.run([str(c) for c in command], check=True, **kwargs)


def deepss_fixtures(deepss_python: str, data: Path, out: Path) -> None:
    """Networks, predictions and the dataset made by DeepSS itself."""
    for name in ("networks", "audio", "deepss_dataset.npy"):
        shutil.rmtree(out / name, ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix="deepss-fixtures-") as work:
        run([deepss_python, DEEPSS_SIDE, "build", work, out.resolve(), data.resolve()],
            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})


def old_network(commit: str, data: Path, out: Path) -> None:
    """A network trained and run by the code at ``commit`` (``git archive`` of its ``src``)."""
    shutil.rmtree(out / "old_networks", ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix="old-napari-deepss-") as work:
        archive = subprocess.run(["git", "-C", REPO, "archive", commit, "src"], check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", work], input=archive, check=True)
        env = {**os.environ, "PYTHONPATH": str(Path(work) / "src"), "TF_CPP_MIN_LOG_LEVEL": "2"}
        run([sys.executable, OLD_SIDE, commit, data.resolve(), (out / "old_networks").resolve(), work], env=env)


def check_our_dataset(deepss_python: str, data: Path) -> None:
    """DeepSS loads and trains on a dataset made by today's ``dss make-dataset``."""
    with tempfile.TemporaryDirectory(prefix="dss-dataset-for-deepss-") as work:
        fly = next((data / "fly_pulse").glob("*.wav"))
        folder = Path(work) / "fly"
        folder.mkdir()
        for path in (fly, fly.with_name(fly.stem + "_annotations.csv")):
            shutil.copy(path, folder)
        run([sys.executable, "-m", "napari_deepss", "make-dataset", folder, "--make-individual-targets"],
            env={**os.environ, "PYTHONPATH": str(REPO / "src")})
        run([deepss_python, DEEPSS_SIDE, "check-dataset", f"{folder}.npy"],
            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--deepss-python", required=True, help="python of an environment with DeepSS 0.32.13")
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("DEEPSS_TEST_DATA", REPO.parent / "shared"
                                                                          / "data")))
    parser.add_argument("--out", type=Path, default=FIXTURES)
    parser.add_argument("--old-commit", default="7045dc4", help="commit whose code trains the old network")
    parser.add_argument("--skip", nargs="*", default=[], choices=("deepss", "old", "check"),
                        help="steps to leave out")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    if "deepss" not in args.skip:
        deepss_fixtures(args.deepss_python, args.data, args.out)
    if "old" not in args.skip:
        old_network(args.old_commit, args.data, args.out)
    if "check" not in args.skip:
        check_our_dataset(args.deepss_python, args.data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
