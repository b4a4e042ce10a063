"""The bad-input corpus through the core and ``dss``: a clear error naming the file, nothing changed (issue 15).

The napari readers get the same corpus in ``tests/napari/test_bad_input_corpus.py``.
"""

from __future__ import annotations

import pytest
from bad_inputs import Material, build_corpus, hashes, names_with
from mounts import read_only
from predict_helpers import fly_slice, saved_amplitude_network, stereo_fly

from napari_deepss.annotation_saving import save_annotations
from napari_deepss.annotations import read_annotations
from napari_deepss.cli import main
from napari_deepss.errors import OutputError

CORE = names_with("core") + names_with("network")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, fly_wav, bird_dir):
    root = tmp_path_factory.mktemp("corpus")
    network = saved_amplitude_network(root / "network", rate=2500.0)
    return root, build_corpus(root, Material(fly_wav, bird_dir, network), CORE)


def _refusal_message(err: str, case) -> None:
    """One line ``dss: error: <file>: <problem>`` after what the progress bar drew (if it had started)."""
    assert "Traceback" not in err, err
    last = err.replace("\r", "\n").strip().splitlines()[-1]
    assert last.startswith("dss: error: ") and str(case.named) in last and case.says in last, err


@pytest.mark.parametrize("name", CORE)
def test_the_core_refuses(corpus, name):
    root, cases = corpus
    case = cases[name]
    before = hashes(root / name)
    with pytest.raises(case.error) as error:
        case.core()
    assert str(case.named) in str(error.value) and case.says in str(error.value)
    assert hashes(root / name) == before


@pytest.mark.parametrize("name", CORE)
def test_dss_refuses(corpus, name, capsys):
    root, cases = corpus
    case = cases[name]
    before = hashes(root / name)
    assert main(list(case.dss)) == 2
    _refusal_message(capsys.readouterr().err, case)
    assert hashes(root / name) == before


def test_outputs_into_a_read_only_folder_are_errors_naming_them(corpus, fly_wav, tmp_path, capsys):
    root, _ = corpus
    data = fly_slice(fly_wav, tmp_path / "data", seconds=4.0).parent
    wav = stereo_fly(fly_wav, tmp_path / "stereo", seconds=4.0)
    out = tmp_path / "out"
    out.mkdir()
    before = hashes(tmp_path)
    with read_only(out):
        attempts = [(["make-dataset", str(data), "--store-folder", str(out / "fly.npy")], out / "fly.npy"),
                    (["predict", str(wav), str(root / "network" / "amplitude"), "--out-dir", str(out)],
                     out / "stereo_annotations.csv")]
        for argv, output in attempts:
            assert main(argv) == 2
            err = capsys.readouterr().err
            last = err.replace("\r", "\n").strip().splitlines()[-1]
            assert last.startswith(f"dss: error: {output}: cannot write it: ") and ".part" not in err, err
            assert "read-only" in last or "permission denied" in last
        with pytest.raises(OutputError, match="x_annotations.csv: cannot write it: "):
            save_annotations(read_annotations(data / "fly_annotations.csv"), out / "x_annotations.csv")
    assert hashes(tmp_path) == before
