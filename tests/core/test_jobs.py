"""The job contract's helpers and the one console renderer of progress."""

from __future__ import annotations

import threading

import pytest

from napari_deepss.console import ConsoleProgress
from napari_deepss.jobs import Progress, Stopped, check_stop, sub_progress


def test_a_part_reports_as_its_stretch_of_the_whole():
    seen = []
    part = sub_progress(seen.append, start=10.0, length=5.0, total=20.0, message="b.wav")
    part(Progress(50, 100, "ignored", "", {"x": 1}))
    assert seen == [Progress(12.5, 20.0, "b.wav", "", {"x": 1})]
    assert sub_progress(None, 0, 1, 1) is None


def test_check_stop_raises_stopped_with_nothing_kept():
    stop = threading.Event()
    check_stop(stop, "never")
    check_stop(None, "never")
    stop.set()
    with pytest.raises(Stopped, match="was stopped") as stopped:
        check_stop(stop, "the job was stopped")
    assert stopped.value.result is None and not isinstance(stopped.value, RuntimeError)


def _epoch(epoch: int, phase: str, done: int, loss: float, val_loss: float | None = None) -> Progress:
    return Progress(done, 2, f"epoch {epoch}/2", phase, {"loss": loss, "val_loss": val_loss})


def _training_reports():
    return [_epoch(1, "train", 1, 0.9), _epoch(1, "train", 2, 0.8), _epoch(1, "val", 1, 0.8, 0.7),
            _epoch(1, "val", 2, 0.8, 0.6), _epoch(2, "train", 1, 0.5, 0.6), _epoch(2, "train", 2, 0.4, 0.6),
            _epoch(2, "val", 2, 0.4, 0.3), Progress(1, 1, "", "test")]


@pytest.mark.parametrize("verbose", [0, 1, 2])
def test_console_bar_restarts_per_stretch_and_verbose_2_writes_a_line_per_message(capsys, verbose):
    with ConsoleProgress(verbose=verbose, postfix=("loss", "val_loss")) as console:
        restarts = []
        for report in _training_reports():
            console(report)
            restarts.append(console.bar.n if console.bar is not None else None)
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("epoch") and "%" not in line]
    if verbose == 0:
        assert err == "" and set(restarts) == {None}
        return
    assert restarts == [1, 2, 1, 2, 1, 2, 2, 1]  # the bar starts again at every phase
    assert "epoch 1/2, val" in err and "val_loss=0.6" in err
    assert lines == (["epoch 1/2: loss 0.8, val_loss 0.6", "epoch 2/2: loss 0.4, val_loss 0.3"] if verbose == 2 else [])


def test_console_bar_opens_at_the_first_report(capsys):
    with ConsoleProgress("make dataset"):
        pass
    assert capsys.readouterr().err == ""
