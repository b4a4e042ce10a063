"""The bad-input corpus through the core and ``dss``: a clear error naming the file, nothing changed (issue 15).

The napari readers get the same corpus in ``tests/napari/test_bad_input_corpus.py``.
"""

from __future__ import annotations

import pytest
from bad_inputs import Material, assert_refusal, build_corpus, names_with, unchanged
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


@pytest.mark.parametrize("name", CORE)
def test_the_core_refuses(corpus, name):
    root, cases = corpus
    with unchanged(root / name), pytest.raises(cases[name].error) as error:
        cases[name].core()
    assert_refusal(cases[name], str(error.value))


@pytest.mark.parametrize("name", CORE)
def test_dss_refuses(corpus, name, capsys):
    root, cases = corpus
    case = cases[name]
    with unchanged(root / name):
        assert main(list(case.dss)) == (1 if case.one_recording_fails else 2)
    starts = "dss predict: failed: " if case.one_recording_fails else "dss: error: "
    assert_refusal(case, _error_line(capsys.readouterr().err, starts))


def _error_line(err: str, starts: str = "dss: error: ") -> str:
    """The one line ``dss: error: <file>: <problem>``, after what the progress bar drew (if it had started)."""
    assert "Traceback" not in err, err
    last = err.replace("\r", "\n").strip().splitlines()[-1]
    assert last.startswith(starts), err
    return last


def test_outputs_into_a_read_only_folder_are_errors_naming_them(corpus, fly_wav, tmp_path, capsys):
    root, _ = corpus
    data = fly_slice(fly_wav, tmp_path / "data", seconds=4.0).parent
    wav = stereo_fly(fly_wav, tmp_path / "stereo", seconds=4.0)
    out = tmp_path / "out"
    out.mkdir()
    with unchanged(tmp_path), read_only(out):
        attempts = [(["make-dataset", str(data), "--store-folder", str(out / "fly.npy")], out / "fly.npy"),
                    (["predict", str(wav), str(root / "network" / "amplitude"), "--out-dir", str(out)],
                     out / "predict_summary.csv")]  # checked before anything is predicted
        for argv, output in attempts:
            assert main(argv) == 2
            line = _error_line(capsys.readouterr().err)
            assert line.startswith(f"dss: error: {output}: cannot write it: ") and ".part" not in line, line
            assert "read-only" in line or "permission denied" in line
        with pytest.raises(OutputError, match="x_annotations.csv: cannot write it: "):
            save_annotations(read_annotations(data / "fly_annotations.csv"), out / "x_annotations.csv")
