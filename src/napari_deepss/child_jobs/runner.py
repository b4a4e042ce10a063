"""The parent side: run a registered job in a child Python process, as if it ran here."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ..jobs import Progress, ProgressCallback, Stopped
from .protocol import STOP, ChildOutput, pack, unpack
from .registry import JOBS

CHILD_MODULE = "napari_deepss.child_jobs"
GRACE_S = 10.0  # how long a stopped child may take to end before it is killed
STOP_POLL_S = 0.1


class ChildJobFailed(Exception):
    """The job failed in the child, or the child ended without an answer; the message says why.

    ``log`` holds the child's last output lines. Not a RuntimeError: superqt's
    workers read those as "worker deleted" and drop them.
    """

    def __init__(self, message: str, log=()):
        super().__init__(message)
        self.log = list(log)


def run_in_child(
    job: str,
    request: dict,
    *,
    decode: Callable[[Any], Any] | None = None,
    grace_s: float = GRACE_S,
    progress: ProgressCallback | None = None,
    stop: threading.Event | None = None,
) -> Any:
    """Run ``job`` (a name in :data:`.registry.JOBS`) on ``request`` in a child process; its result.

    The child (``python -m napari_deepss.child_jobs <job>``) gets ``request`` on
    stdin; numpy arrays in it travel as ``.npy`` files in a temporary folder this
    function owns, and so do arrays in the answer (read back before the folder
    goes). ``decode`` turns the answer into the caller's type (also the result
    a ``Stopped`` carries). The job contract holds across the process:
    ``progress`` gets the child's reports; setting ``stop`` asks the child's job
    to stop, which raises :class:`~napari_deepss.jobs.Stopped` here with what
    the job kept; the child is killed only if it has not ended ``grace_s``
    after being asked (then ``Stopped`` carries None). A job that fails, or a
    child that ends without an answer, raises :class:`ChildJobFailed` with the
    child's message or its exit and last output.
    """
    if job not in JOBS:
        raise ValueError(f"no child job named {job!r} (known: {', '.join(JOBS)})")
    stop = stop or threading.Event()
    with tempfile.TemporaryDirectory(prefix=f"dss-{job}-") as folder:
        folder = Path(folder)
        with _ChildProcess(job, grace_s) as child:
            child.send(json.dumps({"folder": str(folder), "request": pack(request, folder, "request")}))
            threading.Thread(target=child.stop_when_set, args=(stop,), daemon=True).start()
            answer = {}
            for message in child.messages():
                if "progress" not in message:
                    answer = message
                elif progress is not None:
                    progress(Progress(**message["progress"]))
        return _conclude(job, unpack(answer, folder), child, stop.is_set(), decode or (lambda result: result))


def _conclude(job: str, answer: dict, child: _ChildProcess, stop_asked: bool, decode: Callable[[Any], Any]) -> Any:
    """The child's answer as this function's outcome: a result, Stopped or ChildJobFailed."""
    if "result" in answer:
        return decode(answer["result"])
    if "stopped" in answer:
        kept = answer["stopped"]["result"]
        raise Stopped(answer["stopped"]["message"], None if kept is None else decode(kept))
    if "error" in answer:
        raise ChildJobFailed(answer["error"], child.output.log)
    if stop_asked:  # killed after the grace time
        raise Stopped(f"the {job} job was stopped")
    raise ChildJobFailed(child.output.ended_unexpectedly(job, child.returncode), child.output.log)


class _ChildProcess:
    """The child process seen from the parent: send lines, read messages, ask it to stop, make sure it ends."""

    def __init__(self, job: str, grace_s: float):
        self.grace_s = grace_s
        self.output = ChildOutput()
        self.returncode: int | None = None
        self._stdin_lock = threading.Lock()
        self._stop_lock = threading.Lock()
        self._kill_timer: threading.Timer | None = None
        self._process = subprocess.Popen(
            (sys.executable, "-m", CHILD_MODULE, job), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, bufsize=1,
        )

    def __enter__(self) -> _ChildProcess:
        return self

    def __exit__(self, *exc) -> None:
        self._end()

    def send(self, line: str) -> None:
        with self._stdin_lock:
            try:
                self._process.stdin.write(line + "\n")
                self._process.stdin.flush()
            except (ValueError, OSError):  # the child has ended (broken pipe) or stdin is closed
                pass

    def messages(self) -> Iterator[dict]:
        """The child's protocol messages until it closes its output."""
        for line in self._process.stdout:
            message = self.output.read(line)
            if message is not None:
                yield message

    def ask_to_stop(self) -> None:
        """Ask the job to stop; kill the process if it has not ended after the grace time."""
        with self._stop_lock:
            if self._kill_timer is not None:
                return
            self._kill_timer = threading.Timer(self.grace_s, self._process.kill)
            self._kill_timer.daemon = True
            self._kill_timer.start()
        self.send(STOP)

    def stop_when_set(self, stop: threading.Event) -> None:
        """Watch ``stop`` (in a thread of its own) while the child runs."""
        while self._process.poll() is None:
            if stop.wait(STOP_POLL_S):
                self.ask_to_stop()
                return

    def _end(self) -> None:
        """Make sure the child is gone; if it still runs (reading was cut short), ask it to stop and read it out."""
        if self._process.poll() is None:
            self.ask_to_stop()
            for line in self._process.stdout:  # reading keeps the child from blocking on a full pipe
                self.output.read(line)
        self.returncode = self._process.wait()
        with self._stop_lock:
            if self._kill_timer is not None:
                self._kill_timer.cancel()
        with self._stdin_lock, contextlib.suppress(OSError):  # closing flushes what a dead child never read
            self._process.stdin.close()
        self._process.stdout.close()
