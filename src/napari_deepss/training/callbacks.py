"""The Keras callback through which :func:`napari_deepss.training.train` watches ``fit``.

Imports Keras, so only ``train`` imports this module (at run time).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

import keras


class TrainingMonitor(keras.callbacks.Callback):
    """Reports progress, obeys the stop flag, records complete epochs and keeps the best model.

    ``report(phase, epoch, step, steps, loss, val_loss)`` is called after every
    training and validation step. When ``stop`` is set, training ends after the
    current step and the validation of that epoch is skipped: the epoch is
    incomplete, so it enters neither the history nor the choice of the best
    model. ``save_best(model)`` is called whenever the validation loss of a
    complete epoch is the lowest so far; the best weights are also kept in
    memory and restored when training ends. A loss that is NaN or infinite
    ends training the same way and says where in ``diverged``.

    ``first_step()`` is called once, when the first training step has ended.
    ``epoch_timed(epoch, split)`` gets each complete epoch's seconds split into
    ``training`` (its steps, from the epoch's start), ``validation`` (the
    validation pass) and ``other`` (the rest: callbacks, saving the best model);
    ``epoch_seconds`` keeps them.
    """

    def __init__(
        self,
        *,
        steps: int,
        val_steps: int,
        report: Callable[..., None],
        save_best: Callable[[keras.Model], None],
        stop: threading.Event,
        first_step: Callable[[], None] | None = None,
        epoch_timed: Callable[[int, dict[str, float]], None] | None = None,
    ):
        super().__init__()
        self.steps = steps
        self.val_steps = val_steps
        self.report = report
        self.save_best = save_best
        self.stop = stop
        self.history: dict[str, list[float]] = {}
        self.best_loss = float("inf")
        self.best_weights: list | None = None
        self.stopped = False
        self.diverged: str | None = None  # where the loss first was not a finite number
        self.epoch = 0
        self.loss: float | None = None
        self.val_loss: float | None = None
        self.first_step = first_step
        self.epoch_timed = epoch_timed
        self.epoch_seconds: list[dict[str, float]] = []
        self._times: dict[str, float] = {}

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch + 1
        self._times = {"begin": time.perf_counter()}

    def on_train_batch_end(self, batch, logs=None):
        self._times["trained"] = time.perf_counter()
        if self.first_step is not None:
            self.first_step()
            self.first_step = None
        self.loss = float(logs["loss"])
        self.report("train", self.epoch, batch + 1, self.steps, self.loss, self.val_loss)
        if not math.isfinite(self.loss):
            self._diverge(f"the training loss is {self.loss} at epoch {self.epoch}, step {batch + 1}")
        self._check_stop()

    def on_test_begin(self, logs=None):
        self._times["validating"] = time.perf_counter()

    def on_test_end(self, logs=None):
        self._times["validated"] = time.perf_counter()

    def on_test_batch_begin(self, batch, logs=None):
        if self.stopped:  # stopped during training steps: skip this epoch's validation
            self.model.stop_evaluating = True

    def on_test_batch_end(self, batch, logs=None):
        if not self.stopped:
            self.report("val", self.epoch, batch + 1, self.val_steps, self.loss, float(logs["loss"]))
            self._check_stop()

    def _check_stop(self):
        if self.stop.is_set():
            self._end_early()

    def _diverge(self, where: str):
        self.diverged = where
        self._end_early()

    def _end_early(self):
        self.stopped = True
        self.model.stop_training = True
        self.model.stop_evaluating = True

    def on_epoch_end(self, epoch, logs=None):
        if self.stopped:
            return
        if not math.isfinite(float(logs["val_loss"])):
            self._diverge(f"the validation loss is {float(logs['val_loss'])} after epoch {self.epoch}")
            return
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(float(value))
        self.val_loss = float(logs["val_loss"])
        if self.val_loss < self.best_loss:
            self.best_loss = self.val_loss
            self.best_weights = self.model.get_weights()
            self.save_best(self.model)
        self._time_epoch()

    def _time_epoch(self):
        t = self._times
        if not {"trained", "validating", "validated"} <= t.keys():
            return
        total = time.perf_counter() - t["begin"]
        split = {"training": t["trained"] - t["begin"], "validation": t["validated"] - t["validating"]}
        split["other"] = total - split["training"] - split["validation"]
        self.epoch_seconds.append(split)
        if self.epoch_timed is not None:
            self.epoch_timed(self.epoch, split)

    def on_train_end(self, logs=None):
        if self.best_weights is not None:
            self.model.set_weights(self.best_weights)


def epoch_line(epoch: int, nb_epoch: int, split: dict[str, float]) -> str:
    """``"epoch 3/400: 24.12 s = training 22.01 s, validation 1.70 s, other 0.41 s"``."""
    parts = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in split.items())
    return f"epoch {epoch}/{nb_epoch}: {sum(split.values()):.2f} s = {parts}"
