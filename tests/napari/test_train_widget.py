"""The Train dock widget: form generated from TrainConfig, runs, stop, close, export, settings.

Run under a virtual X server: ``xvfb-run -a python -m pytest tests/test_train_widget.py``.
"""

from __future__ import annotations

import dataclasses
import shlex
import subprocess
import sys
import threading

import pytest
from deepss_fixtures import NETWORKS
from qtpy.QtGui import QDesktopServices
from qtpy.QtWidgets import QGroupBox
from superqt import QCollapsible
from napari.utils.notifications import NotificationSeverity, notification_manager

from napari_deepss.child_jobs import ChildJobFailed, runner
from napari_deepss.child_jobs.train import train_in_child
from napari_deepss.cli import build_parser
from napari_deepss.training.config import TrainConfig
from napari_deepss.dataset import make_dataset
from napari_deepss.jobs import Stopped
from napari_deepss._napari.widgets.loss_plot import TRAIN_COLOR, LossPlot
from napari_deepss._napari.widgets.train import TrainWidget
from napari_deepss._napari.widgets.train_form import GROUP_TITLES

TRAIN_TIMEOUT_MS = 180_000


@pytest.fixture(scope="module")
def fly_dataset(tmp_path_factory, fly_dir):
    """The fly recording (60 s, 2.5 kHz) as a dataset with an individual target for 'pulse'."""
    store = tmp_path_factory.mktemp("train_widget") / "fly.npy"
    make_dataset(fly_dir, store, make_individual_targets=True, seed=1)
    return store


@pytest.fixture
def widget(make_napari_viewer):
    viewer = make_napari_viewer()
    _, widget = viewer.window.add_plugin_dock_widget("napari-deepss", "Train")
    assert isinstance(widget, TrainWidget)
    widget.viewer = viewer  # for the tests that close it
    return widget


@pytest.fixture
def notifications():
    received = []
    notification_manager.notification_ready.connect(received.append)
    yield received
    notification_manager.notification_ready.disconnect(received.append)


def tiny_network(widget, dataset, save_dir, nb_epoch=1):
    """A network small enough to train an epoch of the fly dataset in seconds."""
    widget.data_dir.value = dataset
    widget.save_dir.value = save_dir
    widget.nb_hist.value = 256
    widget.nb_filters.value = 8
    widget.kernel_size.value = 4
    widget.nb_conv.value = 1
    widget.dilations.value = "1 2"
    widget.batch_size.value = 16
    widget.nb_epoch.value = nb_epoch
    widget.learning_rate.value = "0.005"
    widget.jit_compile.value = False
    widget.verbose.value = 0


def messages(notifications, severity):
    return [str(n.message) for n in notifications if n.severity == severity]


def test_form_holds_every_option_with_the_config_defaults(widget):
    defaults = TrainConfig()
    for f in dataclasses.fields(TrainConfig):
        field_widget = getattr(widget, f.name)
        assert field_widget.name == f.name
        assert field_widget.tooltip == f.metadata["help"]
    shown = widget.config()
    assert shown.use_separable == defaults.separable_blocks()
    assert dataclasses.replace(shown, use_separable=defaults.use_separable) == defaults
    titles = [box.title() for box in widget.form.findChildren(QGroupBox)]
    titles += [box.text() for box in widget.form.findChildren(QCollapsible)]
    assert sorted(titles) == sorted(GROUP_TITLES.values())


def test_downsampling_factor_is_log2_and_blocks_follow_nb_conv(widget):
    widget.nb_pre_conv.value = 4
    assert widget.nb_pre_conv._factor.current_choice == "16x"
    assert widget.pre_nb_dft.enabled and widget.config().downsample_factor == 16
    widget.nb_conv.value = 5
    assert widget.use_separable.value == [False] * 5
    widget.use_separable.value = [True, False, True, False, False]
    widget.nb_conv.value = 2
    assert widget.config().use_separable == [True, False]


def test_song_types_and_save_folder_come_from_the_dataset(widget, fly_dataset):
    widget.data_dir.value = fly_dataset
    assert widget.y_suffix.choices == ("", "pulse")
    assert str(widget.save_dir.value) == str(fly_dataset.with_suffix(".res"))
    widget.y_suffix.value = "pulse"
    assert widget.config().y_suffix == "pulse"


def test_bad_folder_shows_why_and_leaves_the_widget_usable(widget, tmp_path, notifications, fly_dataset):
    not_a_dataset = tmp_path / "recordings.npy"
    not_a_dataset.mkdir()
    widget.data_dir.value = not_a_dataset
    assert "not a complete dataset folder" in widget.form.dataset_status.value
    assert widget.y_suffix.choices == ("",)
    widget.start()
    errors = messages(notifications, NotificationSeverity.ERROR)
    assert errors and str(not_a_dataset) in errors[-1]
    assert not widget.running and widget.start_button.isEnabled() and widget.form.isEnabled()
    widget.data_dir.value = fly_dataset
    assert widget.form.dataset_status.value.startswith("song types: pulse")


def test_error_in_the_training_process_is_notified_and_the_form_usable_again(
    widget, fly_dataset, tmp_path, qtbot, notifications
):
    tiny_network(widget, fly_dataset, tmp_path / "res")
    widget.nb_hist.value = 2**21  # longer than every split of the 60 s recording
    widget.start()
    qtbot.waitUntil(lambda: not widget.running, timeout=TRAIN_TIMEOUT_MS)
    (error,) = messages(notifications, NotificationSeverity.ERROR)
    assert error.startswith("Training failed:") and "fewer than one chunk" in error
    assert widget.start_button.isEnabled() and widget.form.isEnabled() and not widget.stop_button.isEnabled()


def test_a_child_that_dies_without_a_result_is_reported(fly_dataset, tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "CHILD_MODULE", "no_such_module")
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    with pytest.raises(ChildJobFailed, match=r"(?s)ended unexpectedly \(exit code 1\).*No module named no_such_module"):
        train_in_child(TrainConfig(data_dir=str(fly_dataset), save_dir=str(tmp_path / "res")))
    assert list(tmp_path.iterdir()) == []  # the run is over: its hand-over folder is gone


def test_a_stop_asked_before_the_child_starts_is_kept(fly_dataset, tmp_path):
    config = TrainConfig(data_dir=str(fly_dataset), save_dir=str(tmp_path), nb_hist=256, nb_filters=8, kernel_size=4,
                         nb_conv=1, dilations=[1, 2], nb_epoch=400, jit_compile=False, verbose=0)
    stop = threading.Event()
    stop.set()
    epochs = set()
    with pytest.raises(Stopped) as stopped:
        train_in_child(config, progress=lambda p: epochs.add(p.values["epoch"]), stop=stop)
    assert stopped.value.result.model_path.is_file() and epochs == {1}


def test_training_from_the_form_writes_model_params_and_results(widget, fly_dataset, tmp_path, qtbot, notifications,
                                                                monkeypatch):
    tiny_network(widget, fly_dataset, tmp_path / "res", nb_epoch=2)
    widget.save_prefix.value = "fly"
    trained = widget.config()
    widget.start()
    assert widget.running and not widget.start_button.isEnabled()
    qtbot.waitUntil(lambda: not widget.running, timeout=TRAIN_TIMEOUT_MS)
    written = sorted(p.name for p in (tmp_path / "res").iterdir())
    assert [name.rsplit("_", 1)[-1] for name in written] == ["model.h5", "params.yaml", "report", "results.h5"]
    assert all(name.startswith("fly_") for name in written)
    info = messages(notifications, NotificationSeverity.INFO)[-1]
    assert "Training finished" in info and "pulse:" in info
    assert all(str(tmp_path / "res" / name) in info for name in written)
    assert "Post-processing chosen on the validation data:\nevents: threshold" in info
    assert widget.report_button.isEnabled() and widget.report_path == tmp_path / "res" / written[2] / "index.html"
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", opened.append)
    widget.report_button.click()
    assert [url.toLocalFile() for url in opened] == [str(widget.report_path)]
    assert len(widget.loss_plot.val_points) == 2 and widget.loss_plot.train_points
    assert widget.start_button.isEnabled() and widget.form.isEnabled()
    widget.nb_hist.value = 512
    widget.load_settings(tmp_path / "res" / written[1])  # an earlier run's _params.yaml fills the form
    assert widget.config() == trained


def test_continuing_from_a_network_takes_its_architecture_and_records_it(widget, fly_dataset, tmp_path, qtbot):
    import yaml

    tiny_network(widget, fly_dataset, tmp_path / "first")
    widget.start()
    qtbot.waitUntil(lambda: not widget.running, timeout=TRAIN_TIMEOUT_MS)
    [model] = (tmp_path / "first").glob("*_model.h5")
    widget.nb_filters.value, widget.kernel_size.value, widget.dilations.value = 32, 16, "1 2 4 8 16"
    widget.init_model.value = model
    assert (widget.nb_filters.value, widget.kernel_size.value, widget.dilations.value) == (8, 4, "1 2")
    assert widget.form.dataset_status.value == f"network options of {model.name} (song types may be added)"
    widget.save_dir.value = tmp_path / "second"
    widget.start()
    qtbot.waitUntil(lambda: not widget.running, timeout=TRAIN_TIMEOUT_MS)
    params = yaml.safe_load(next((tmp_path / "second").glob("*_params.yaml")).read_text())
    assert params["init_model"] == str(model) and params["init_model_source"]["model"] == str(model)
    widget.init_model.value = tmp_path / "missing_model.h5"
    assert widget.form.dataset_status.value.startswith("⚠") and "not found" in widget.form.dataset_status.value


def test_a_deepss_network_to_continue_fills_in_its_network_options(widget):
    widget.init_model.value = NETWORKS / "fly_tcn_model.h5"
    assert (widget.nb_hist.value, widget.nb_filters.value, widget.kernel_size.value) == (512, 8, 16)
    assert widget.dilations.value == "1 2 4 8"
    assert widget.form.dataset_status.value == "network options of fly_tcn_model.h5 (song types may be added)"


def test_stop_ends_training_early_with_a_model_saved(widget, fly_dataset, tmp_path, qtbot, notifications):
    tiny_network(widget, fly_dataset, tmp_path / "res", nb_epoch=400)
    widget.start()
    qtbot.waitUntil(lambda: len(widget.loss_plot.val_points) >= 1, timeout=TRAIN_TIMEOUT_MS)
    widget.stop_button.click()
    qtbot.waitUntil(lambda: not widget.running, timeout=TRAIN_TIMEOUT_MS)
    assert len(list((tmp_path / "res").glob("*_model.h5"))) == 1
    assert "stopped early" in messages(notifications, NotificationSeverity.INFO)[-1]
    assert len(widget.loss_plot.val_points) < 400


@pytest.mark.parametrize("close", ["widget", "viewer"])
def test_closing_during_training_stops_it_cleanly(widget, fly_dataset, tmp_path, qtbot, close):
    tiny_network(widget, fly_dataset, tmp_path / "res", nb_epoch=400)
    widget.start()
    ended = widget.jobs.ended
    qtbot.waitUntil(lambda: bool(widget.loss_plot.train_points), timeout=TRAIN_TIMEOUT_MS)
    if close == "widget":
        widget.viewer.window.remove_dock_widget(widget)
    else:
        widget.viewer.close()
    assert ended.is_set() and not widget.running
    # a clean stop, not a kill: the child finished the run and wrote all three files
    written = sorted(p.name.rsplit("_", 1)[-1] for p in (tmp_path / "res").iterdir())
    assert written == ["model.h5", "params.yaml", "report", "results.h5"]


def test_exported_script_reproduces_the_form(widget, fly_dataset, tmp_path):
    tiny_network(widget, fly_dataset, tmp_path / "res")
    widget.use_separable.value = [True]
    widget.nb_pre_conv.value = 2
    widget.seed.value = "7"
    widget.fraction_data.value = "0.5"
    widget.reduce_lr.value = True
    widget.save_prefix.value = "my run"
    script = widget.export_script(tmp_path / "train.sh")
    text = script.read_text()
    assert text.startswith("#!/bin/bash\n") and "edit the paths" in text and "activate" in text
    assert script.stat().st_mode & 0o100
    (line,) = [line for line in text.splitlines() if line.startswith("dss train ")]
    args = build_parser().parse_args(shlex.split(line)[1:])
    assert TrainConfig.from_dict(vars(args)).validate() == widget.config()


def test_settings_round_trip_through_yaml(widget, fly_dataset, tmp_path, make_napari_viewer):
    tiny_network(widget, fly_dataset, tmp_path / "res")
    widget.y_suffix.value = "pulse"
    widget.nb_pre_conv.value = 3
    widget.seed.value = "3"
    saved = widget.config()
    path = widget.save_settings(tmp_path / "settings.yaml")
    _, fresh = make_napari_viewer().window.add_plugin_dock_widget("napari-deepss", "Train")
    fresh.load_settings(path)
    assert fresh.config() == saved


def test_unreadable_settings_name_the_file(widget, tmp_path):
    path = tmp_path / "settings.yaml"
    path.write_text("nb_hist: many\n")
    with pytest.raises(ValueError, match="settings.yaml.*nb_hist"):
        widget.load_settings(path)


def test_loss_plot_draws_both_curves(qtbot):
    plot = LossPlot()
    qtbot.addWidget(plot)
    plot.resize(300, 150)
    for step in range(1, 5):
        plot.add_train(step / 4, 1.0 / step)
    plot.add_val(1, 0.4)
    plot.add_train(1.25, float("nan"))
    assert len(plot.train_points) == 4 and plot.val_points == [(1.0, 0.4)]
    image = plot.grab().toImage()
    colors = {image.pixelColor(x, y).rgb() for x in range(0, 300, 2) for y in range(0, 150, 2)}
    assert TRAIN_COLOR.rgb() in colors


def test_widget_modules_do_not_import_tensorflow():
    code = (
        "import sys, napari_deepss._napari.widgets.train, napari_deepss.child_jobs.train; "
        "sys.exit('tensorflow' in sys.modules or 'keras' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
