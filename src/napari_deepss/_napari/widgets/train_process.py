"""Training in a child Python process, for the Train dock widget.

Why a child process and not a thread: TensorFlow and Mesa's OpenGL driver
(which napari's canvas loads; llvmpipe and radeonsi link libLLVM) each carry
their own LLVM and do not share a process (measured with napari 0.9.2 and
TensorFlow 2.21 under Xvfb/Mesa: importing TensorFlow once a viewer exists
segfaults; importing it before the viewer aborts at exit with "free(): invalid
pointer"). A child also keeps TensorFlow's memory and start-up out of the
viewer, and an out-of-memory kill of the child leaves napari running.

Protocol (text lines): the parent writes the ``TrainConfig`` as one JSON line
to the child's stdin, then ``stop`` to end training after the current step;
closing stdin (the parent went away) also stops. The child prints
``<MARKER><json>`` lines with ``progress`` (a ``TrainProgress``), then one
``result`` (a ``TrainResult``) or ``error``; any other output (TensorFlow's
log) is kept as the log tail for error messages.

This module imports neither Qt nor napari: the child runs it as
``python -m napari_deepss._napari.widgets.train_process``.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Generator
from pathlib import Path
from typing import Any

from ...options import yaml_safe
from ...training.config import TrainConfig
from ...errors import FileFormatError
from ...training import TrainProgress, TrainResult, train
from ._child import ChildOutput, emit

CHILD_COMMAND = (sys.executable, "-m", __name__)
MARKER = "@dss-train "
STOP = "stop"
PROGRESS_INTERVAL_S = 0.1  # at most ten progress messages per second during an epoch
CHILD_NICENESS = 5


class TrainingFailed(Exception):
    """Training in the child process failed; the message says why.

    Not a RuntimeError: superqt's generator worker reads those as "worker deleted" and drops them.
    """


class TrainingProcess:
    """One training run in a child process, seen from the parent.

    ``updates()`` (run in a worker thread) starts the child and yields its
    ``TrainProgress`` messages; it returns the ``TrainResult`` or raises
    ``TrainingFailed``. ``request_stop()`` may be called from any thread.
    """

    def __init__(self, config: TrainConfig, shutdown_wait_s: float):
        self.config = config
        self.shutdown_wait_s = shutdown_wait_s
        self.done = threading.Event()
        self.stop_requested = False
        self.output = ChildOutput(MARKER)
        self._process: subprocess.Popen | None = None
        self._stdin_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"DeepSS training on {self.config.data_dir}"

    def updates(self) -> Generator[TrainProgress, None, TrainResult]:
        try:
            self._process = subprocess.Popen(
                CHILD_COMMAND, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, text=True, bufsize=1,
            )
            self._send(json.dumps(self.config.to_dict()))
            if self.stop_requested:  # asked before the child existed
                self._send(STOP)
            result, error = None, None
            for line in self._process.stdout:
                message = self.output.read(line)
                if message is None:
                    continue
                if "progress" in message:
                    yield TrainProgress(**message["progress"])
                elif "result" in message:
                    result = _result_from_json(message["result"])
                else:
                    error = message["error"]
            code = self._process.wait()
            if error is not None:
                raise TrainingFailed(error)
            if result is None:
                raise TrainingFailed(self.output.ended_unexpectedly("training", code))
            return result
        finally:
            self._end_child()
            self.done.set()

    def request_stop(self) -> None:
        """Ask the child to end training after the current step (it keeps the best model and writes its files)."""
        self.stop_requested = True
        self._send(STOP)

    def stop_and_wait(self) -> bool:
        """Request a stop and wait until ``updates`` has finished; True if it did in time."""
        self.request_stop()
        return self.done.wait(self.shutdown_wait_s)

    def _send(self, line: str) -> None:
        process = self._process
        if process is None or process.stdin is None:
            return
        with self._stdin_lock:
            try:
                process.stdin.write(line + "\n")
                process.stdin.flush()
            except (BrokenPipeError, ValueError, OSError):  # the child has ended or stdin is closed
                pass

    def _end_child(self) -> None:
        """Make sure the child is gone: ask it to stop, read its output to the end, kill it if it takes too long."""
        process = self._process
        if process is None:
            return
        if process.poll() is None:
            self.request_stop()
            deadline = threading.Timer(self.shutdown_wait_s, process.kill)
            deadline.start()
            for line in process.stdout:  # reading keeps the child from blocking on a full pipe
                self.output.read(line)
            deadline.cancel()
            process.wait()
        with self._stdin_lock:
            process.stdin.close()
        process.stdout.close()


def _result_from_json(values: dict[str, Any]) -> TrainResult:
    paths = {name: Path(values[name]) if values[name] else None
             for name in ("model_path", "params_path", "results_path")}
    return TrainResult(**{**values, **paths})


# --- the child ------------------------------------------------------------------------------------------------


def _emit(message: dict) -> None:
    emit(MARKER, yaml_safe(message))


class _ThrottledProgress:
    """Forwards ``TrainProgress``; drops intermediate steps that arrive faster than PROGRESS_INTERVAL_S."""

    def __init__(self):
        self._last = 0.0

    def __call__(self, update: TrainProgress) -> None:
        now = time.monotonic()
        intermediate = update.phase == "train" and update.step < update.steps_per_epoch
        if intermediate and now - self._last < PROGRESS_INTERVAL_S:
            return
        self._last = now
        _emit({"progress": dataclasses.asdict(update)})


def _watch_stdin(stop: threading.Event) -> None:
    """Set ``stop`` on a ``stop`` line or when the parent closes stdin (or dies)."""
    for line in sys.stdin:
        if line.strip() == STOP:
            break
    stop.set()


def main() -> int:
    if hasattr(os, "nice"):  # below the viewer's priority: TensorFlow takes every core, the GUI goes first
        os.nice(CHILD_NICENESS)
    config = TrainConfig.from_dict(json.loads(sys.stdin.readline()))
    stop = threading.Event()
    threading.Thread(target=_watch_stdin, args=(stop,), daemon=True).start()
    try:
        result = train(config, progress=_ThrottledProgress(), stop=stop)
    except (FileFormatError, ValueError) as err:
        _emit({"error": str(err)})
        return 1
    except Exception as err:  # shown to the user as a notification; the traceback goes to the log
        traceback.print_exc()
        _emit({"error": f"{type(err).__name__}: {err}"})
        return 1
    _emit({"result": dataclasses.asdict(result)})
    return 0


if __name__ == "__main__":
    sys.exit(main())
