"""napari tests: viewers and widgets, in a pytest process that never loads TensorFlow.

TensorFlow loads its libraries with RTLD_GLOBAL; once it is imported, Mesa's
OpenGL (napari's canvas under Xvfb) crashes the process. So this folder runs
in its own pytest process (``scripts/test.sh`` runs ``tests/napari`` and
``tests/core`` one after the other), and a test here that finds or loads
TensorFlow fails with an explanation instead of crashing the run. Work that
needs TensorFlow runs in a child process, as the plugin itself does.
"""

from __future__ import annotations

import collections
import sys

import pytest


@pytest.fixture(autouse=True)
def _keep_tensorflow_out():
    if "tensorflow" in sys.modules:
        pytest.fail(
            "TensorFlow is loaded in this test process, and OpenGL would crash beside it: "
            "run tests/napari on its own (scripts/test.sh does)."
        )
    yield
    if "tensorflow" in sys.modules:
        pytest.fail("this napari test imported TensorFlow; run TensorFlow work in a child process instead")


@pytest.fixture(scope="session")
def tiny_network(fly_wav, tmp_path_factory):
    """``(model prefix, wav of its 12 s fly slice)``: a tiny network trained (in a child process) for the Predict
    widget's tests."""
    from predict_helpers import train_tiny_fly_network_in_child

    return train_tiny_fly_network_in_child(fly_wav, tmp_path_factory.mktemp("tiny"))



@pytest.fixture
def predict_messages(monkeypatch):
    """The Predict widget's notifications by kind, instead of napari pop-ups."""
    from napari_deepss._napari.widgets import _job
    from napari_deepss._napari.widgets import predict as widget_module

    shown = collections.defaultdict(list)
    for kind in ("info", "error"):
        monkeypatch.setattr(widget_module, f"show_{kind}", shown[kind].append)
    monkeypatch.setattr(_job, "show_error", shown["error"].append)  # a failed job's notification
    return shown
