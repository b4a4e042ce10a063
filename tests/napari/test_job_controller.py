"""The dock widgets' job controller: buttons, progress bar, outcome hooks, stop, shutdown when the widget or napari closes."""

from __future__ import annotations

import threading

import pytest
from magicgui.widgets import Container, Label, PushButton

from napari_deepss._napari.widgets import _job
from napari_deepss._napari.widgets._job import JobController
from napari_deepss.jobs import Progress, Stopped

TIMEOUT_MS = 10_000


class Calls:
    """The hooks' calls, with the thread each ran in."""

    def __init__(self):
        self.calls: list[tuple[str, object]] = []
        self.threads: set[threading.Thread] = set()

    def hook(self, name):
        def record(value):
            self.calls.append((name, value))
            self.threads.add(threading.current_thread())

        return record

    def named(self, name):
        return [value for kind, value in self.calls if kind == name]


@pytest.fixture
def errors(monkeypatch):
    shown = []
    monkeypatch.setattr(_job, "show_error", shown.append)
    return shown


@pytest.fixture
def docked(make_napari_viewer):
    """A viewer and a docked widget with a form, Start, Stop, a status label and its controller."""
    viewer = make_napari_viewer()
    widget = Container(widgets=[Label(name="form"), PushButton(name="start"), PushButton(name="stop"),
                                Label(name="status")])
    calls = Calls()
    widget.jobs = JobController(widget, "Count", busy=[widget.start, widget.form], stop_button=widget.stop,
                                status=widget.status, on_progress=calls.hook("progress"),
                                on_success=calls.hook("success"), on_stopped=calls.hook("stopped"), shutdown_wait_s=5)
    viewer.window.add_dock_widget(widget)
    return viewer, widget, calls


def counting(*, progress, stop):
    for i in range(1, 4):
        progress(Progress(i, 3, f"item {i}"))
    return "counted"


def until_stopped(*, progress, stop):
    """Reports until stopped, then keeps something (like training's best model)."""
    while not stop.wait(0.01):
        progress(Progress(1, 0, "waiting"))
    raise Stopped("stopped early", result="kept")


def test_a_job_runs_in_a_worker_with_buttons_bar_and_hooks(docked, qtbot, errors):
    _, widget, calls = docked
    widget.jobs.start(counting, status="Counting…", description="Count things")
    assert widget.jobs.running and widget.status.value == "Counting…"
    assert not widget.start.enabled and not widget.form.enabled and widget.stop.enabled
    assert widget.jobs._bar.desc == "Count things"
    qtbot.waitUntil(lambda: not widget.jobs.running, timeout=TIMEOUT_MS)
    assert [p.done for p in calls.named("progress")] == [1, 2, 3] and calls.named("success") == ["counted"]
    assert calls.threads == {threading.main_thread()}  # progress and outcome arrive in the GUI thread
    assert widget.start.enabled and widget.form.enabled and not widget.stop.enabled
    assert widget.jobs._bar is None and widget.jobs.ended.is_set() and errors == []


def test_stop_ends_the_job_by_its_stop_rule_and_hands_over_what_it_kept(docked, qtbot, errors):
    _, widget, calls = docked
    widget.jobs.start(until_stopped)
    qtbot.waitUntil(lambda: bool(calls.named("progress")), timeout=TIMEOUT_MS)
    widget.jobs.stop("Stopping…")
    assert not widget.stop.enabled and widget.status.value == "Stopping…"
    qtbot.waitUntil(lambda: not widget.jobs.running, timeout=TIMEOUT_MS)
    (stopped,) = calls.named("stopped")
    assert stopped.result == "kept" and calls.named("success") == [] and errors == []
    assert widget.start.enabled


def test_a_failure_is_one_notification_and_the_form_comes_back(docked, qtbot, errors):
    _, widget, calls = docked

    def failing(*, progress, stop):
        raise ValueError("bad.wav: not a recording")

    widget.jobs.start(failing)
    qtbot.waitUntil(lambda: not widget.jobs.running, timeout=TIMEOUT_MS)
    assert errors == ["Count failed: bad.wav: not a recording"] and widget.status.value == errors[0]
    assert calls.calls == [] and widget.start.enabled and widget.form.enabled


@pytest.mark.parametrize("close", ["dock", "viewer"])
def test_closing_stops_the_job_and_waits_for_it(docked, qtbot, close):
    viewer, widget, calls = docked
    widget.jobs.start(until_stopped)
    qtbot.waitUntil(lambda: bool(calls.named("progress")), timeout=TIMEOUT_MS)
    ended = widget.jobs.ended
    if close == "dock":
        viewer.window.remove_dock_widget(widget.native)  # what the dock's close button does
    else:
        viewer.close()  # napari calls quit() on the workers it tracks
    assert ended.is_set() and not widget.jobs.running
    qtbot.wait(50)
    assert calls.named("stopped") == []  # the widget is gone: no hooks after the shutdown
