"""The Predict widget on a folder: the corpus job in a child process, never over a person's annotation file.

Run under a virtual X server: ``xvfb-run -a python -m pytest tests/napari/test_predict_folder_widget.py``.
"""

from __future__ import annotations

import pytest
import soundfile
from predict_helpers import fly_slice

from napari_deepss._napari.widgets.predict_folder import FOLDER, PREDICTED_SUFFIX
from napari_deepss.annotations import read_annotations

TIMEOUT_MS = 180_000


@pytest.fixture
def corpus(fly_wav, tmp_path):
    """Real fly song: ``fly.wav`` with a person's ``fly_annotations.csv``, ``other.wav`` without, and
    ``sub/deep.wav`` one folder down."""
    folder = tmp_path / "corpus"
    fly_slice(fly_wav, folder, start=20.0, seconds=6.0)  # writes fly.wav and its (human) annotations
    samples, rate = soundfile.read(fly_wav, dtype="float32")
    soundfile.write(folder / "other.wav", samples[int(30 * rate):int(36 * rate)], rate)
    (folder / "sub").mkdir()
    soundfile.write(folder / "sub" / "deep.wav", samples[int(40 * rate):int(44 * rate)], rate)
    return folder


@pytest.fixture
def widget(make_napari_viewer, tiny_network, corpus):
    viewer = make_napari_viewer()
    _, widget = viewer.window.add_plugin_dock_widget("napari-deepss", "Predict")
    widget.model.value = tiny_network[0] + "_model.h5"
    widget.event_thres.value = 0.3
    widget.source.value = FOLDER
    widget.folder_panel.folder.value = corpus
    return widget


def _run(widget, qtbot, button=None):
    (button or widget.run_button).clicked()
    assert not widget.run_button.enabled
    qtbot.waitUntil(lambda: widget.run_button.enabled, timeout=TIMEOUT_MS)


def _shown(widget) -> bool:
    """Whether the widget is shown when its dock is (the test's window itself is not shown)."""
    return not widget.native.isHidden()


def _table(widget) -> dict[str, dict]:
    """The widget's results table: recording -> {column: cell}."""
    table = widget.folder_panel.results
    columns = list(table.column_headers)
    return {row[0]: dict(zip(columns, row)) for row in table.data.to_list()}


def test_a_folder_is_predicted_beside_its_recordings_and_a_persons_file_is_never_replaced(widget, corpus, qtbot,
                                                                                         predict_messages):
    panel = widget.folder_panel
    assert _shown(panel) and not _shown(widget.recording) and not _shown(widget.time_range)
    human = (corpus / "fly_annotations.csv").read_bytes()

    _run(widget, qtbot)  # a person's file is where fly.wav's annotations would go: nothing is predicted
    assert predict_messages["error"] == []
    assert "Nothing was predicted" in widget.status.value and "fly_annotations.csv" in widget.status.value
    assert _shown(panel.skip_button) and _shown(panel.rename_button)
    assert not (corpus / "other_annotations.csv").exists()

    _run(widget, qtbot, panel.skip_button)  # predict the others, leave fly.wav alone
    assert predict_messages["error"] == [] and widget.status.value.startswith("Done: predicted 1, skipped 1, failed 0")
    assert (corpus / "fly_annotations.csv").read_bytes() == human
    rows = _table(widget)
    assert set(rows) == {"fly.wav", "other.wav"}  # not sub/deep.wav: sub-folders were not asked for
    assert rows["fly.wav"]["status"] == "skipped" and "left alone" in rows["fly.wav"]["note"]
    pulses = read_annotations(corpus / "other_annotations.csv").events()["pulse"]
    assert rows["other.wav"]["status"] == "done" and rows["other.wav"]["pulse"] == len(pulses) > 0
    assert panel.summary.value == f"Summary: {corpus / 'predict_summary.csv'}"
    assert (corpus / "predict_summary.csv").is_file() and not _shown(panel.skip_button)

    panel.recursive.value = True
    _run(widget, qtbot, panel.rename_button)  # all of them, under another name
    assert panel.suffix.value == PREDICTED_SUFFIX and widget.status.value.startswith("Done: predicted 3")
    assert (corpus / "fly_annotations.csv").read_bytes() == human
    rows = _table(widget)
    assert set(rows) == {"fly.wav", "other.wav", "sub/deep.wav"}
    for name, csv in [("fly.wav", "fly"), ("other.wav", "other"), ("sub/deep.wav", "sub/deep")]:
        found = read_annotations(corpus / f"{csv}{PREDICTED_SUFFIX}").events().get("pulse", [])
        assert rows[name]["status"] == "done" and rows[name]["pulse"] == len(found)
    assert rows["fly.wav"]["pulse"] > 0


def test_stop_keeps_what_is_done_and_predict_again_goes_on(widget, corpus, qtbot, predict_messages):
    (corpus / "fly_annotations.csv").unlink()  # no person's file in the way
    widget.run_button.clicked()
    widget.stop_button.clicked()
    qtbot.waitUntil(lambda: widget.run_button.enabled, timeout=TIMEOUT_MS)
    assert predict_messages["error"] == [] and widget.status.value.startswith("Stopped")
    rows = _table(widget)
    assert set(rows) == {"fly.wav", "other.wav"} and "pending" in {row["status"] for row in rows.values()}
    for name, row in rows.items():  # a recording not reached has no output
        assert (corpus / name.replace(".wav", "_annotations.csv")).exists() == (row["status"] == "done")

    _run(widget, qtbot)
    rows = _table(widget)
    assert predict_messages["error"] == [] and {row["status"] for row in rows.values()} <= {"done", "skipped"}
    assert all((corpus / name.replace(".wav", "_annotations.csv")).exists() for name in rows)


def test_no_folder_is_a_message(widget, predict_messages, tmp_path):
    widget.folder_panel.folder.line_edit.value = ""  # nothing chosen
    widget.run_button.clicked()
    widget.folder_panel.folder.value = tmp_path / "nowhere"
    widget.run_button.clicked()
    assert len(predict_messages["error"]) == 2 and all("choose the folder" in m for m in predict_messages["error"])
    assert widget.run_button.enabled
