"""Corpus prediction on a Dask cluster: a local one of N worker processes, or a running one given by its address.

Needs the optional extra ``pip install 'napari-deepss[cluster]'`` (``dask.distributed``).
The client (the calling process) never imports TensorFlow. Each worker
process loads the network once (cached by its files' paths and times) and
predicts whole recordings with :func:`.task.predict_file`, the code of the
single-process path, so the outputs are the same. TensorFlow's thread pools
in a worker (:mod:`napari_deepss.cpu_threads`): the count asked for
(``--threads``, ``DSS_THREADS``), else on a local cluster one worker's share
of the cores this process may use (each runs one recording at a time), on a
running cluster as many threads as the worker was given (its ``nthreads``;
dask-jobqueue gives ``cores / processes``). Progress within a recording
arrives as worker events (at most one a second per recording). Stopping sets a flag in every worker,
which the running predictions check after each batch (ending without writing
anything), and cancels the recordings not started; the run waits for the
running ones, so that no worker is left writing.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import queue
import sys
import threading
import time
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path

from ..cpu_threads import requested_threads, tensorflow_threads
from ..errors import MissingExtra
from ..jobs import Progress
from .outputs import Recipe
from .task import FAILED, PENDING, FileResult, FileTask, describe_error, predict_file

MISSING = ("predicting on a Dask cluster (--workers, --scheduler) needs dask.distributed, which is not installed: "
           "pip install 'napari-deepss[cluster]'")
CONNECT_TIMEOUT_S = 30
STOP_GRACE_S = 300.0  # how long stopped workers may take to finish their current batch
EVENT_EVERY_S = 1.0


def _distributed():
    try:
        import distributed
    except ImportError as err:
        raise MissingExtra(MISSING) from err
    return distributed


class DaskEngine:
    """A Dask client (and local cluster) for one corpus run; ``run`` yields results as recordings finish."""

    def __init__(self, recipe: Recipe, batch_size: int, *, threads: int | None = None, workers: int | None = None,
                 scheduler: str | None = None):
        self.recipe, self.batch_size, self.threads = recipe, batch_size, threads
        self.workers, self.scheduler = workers, scheduler
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> DaskEngine:
        distributed = _distributed()
        with self._stack:
            if self.scheduler is not None:
                self.client = self._stack.enter_context(_connect(distributed, self.scheduler))
                self.tf_threads = requested_threads(self.threads)  # None: each worker its own nthreads
            else:
                with warnings.catch_warnings():  # "port 8787 in use" when another cluster runs: nothing to act on
                    warnings.filterwarnings("ignore", "Port .* is already in use", UserWarning)
                    cluster = self._stack.enter_context(distributed.LocalCluster(
                        n_workers=self.workers, threads_per_worker=1, processes=True, dashboard_address=None,
                        silence_logs=logging.ERROR))
                self.client = self._stack.enter_context(distributed.Client(cluster))
                self.tf_threads = tensorflow_threads(self.threads, share=self.workers)
                self.client.run(exit_promptly)
            # the network's errors (a file missing, a model that does not load) once, not once per recording
            self.client.submit(check_network, self.recipe.network, self.tf_threads, self.recipe.precision,
                               pure=False).result()
            self._stack = self._stack.pop_all()
        return self

    def __exit__(self, *exc) -> None:
        self._stack.close()

    def run(self, tasks: list[FileTask], tally, stop) -> Iterator[FileResult]:
        run_id = uuid.uuid4().hex
        topic = f"dss-predict-{run_id}"
        events: queue.SimpleQueue = queue.SimpleQueue()
        self.client.subscribe_topic(topic, lambda event: events.put(("progress", event[1])))
        futures = {}
        # the longest recordings first, so that the workers run out of work at about the same time
        for i, task in enumerate(sorted(tasks, key=lambda t: -t.duration_seconds)):
            future = self.client.submit(predict_on_worker, task, self.recipe, self.batch_size, self.tf_threads,
                                        topic, run_id, key=f"dss-predict-{i}-{task.recording.name}-{run_id}")
            futures[future.key] = future, task
            future.add_done_callback(lambda f: events.put(("done", f)))
        try:
            yield from self._results(futures, events, tally, stop, run_id)
        finally:
            self.client.unsubscribe_topic(topic)

    def _results(self, futures: dict, events, tally, stop, run_id: str) -> Iterator[FileResult]:
        remaining, deadline = len(futures), None
        while remaining:
            if deadline is None and stop is not None and stop.is_set():
                self._stop(run_id, futures)
                deadline = time.monotonic() + STOP_GRACE_S
            if deadline is not None and time.monotonic() > deadline:
                return
            try:
                kind, item = events.get(timeout=0.25)
            except queue.Empty:
                continue
            if kind == "progress":
                tally.running_part(Path(item["recording"]), item["fraction"])
                continue
            remaining -= 1
            result = _result_of(item, futures[item.key][1])
            if result is not None:
                yield result

    def _stop(self, run_id: str, futures: dict) -> None:
        """Tell the running predictions to stop after their batch, and cancel the recordings not started.

        The running ones still report (done, or pending with nothing written), so the summary says what exists.
        """
        self.client.run(mark_stopped, run_id, on_error="ignore")
        running = {key for keys in self.client.processing().values() for key in keys}
        self.client.cancel([f for f, _ in futures.values() if not f.done() and f.key not in running])


def _result_of(future, task: FileTask) -> FileResult | None:
    """The recording's result; a failed task (e.g. its worker died) as FAILED; None when it was cancelled."""
    if future.status == "finished":
        return future.result()
    if future.status == "cancelled":
        return None
    from distributed import KilledWorker

    err = future.exception()
    message = describe_error(err)
    if isinstance(err, KilledWorker):
        message = f"the worker predicting it died (out of memory?): {message}"
    return FileResult(task.recording, task.outputs.csv, FAILED, message, duration_seconds=task.duration_seconds)


@contextlib.contextmanager
def _connect(distributed, scheduler: str):
    """A client of the running cluster at ``scheduler``: an address (tcp://host:8786) or a scheduler file."""
    try:
        if Path(scheduler).is_file():
            client = distributed.Client(scheduler_file=scheduler, timeout=CONNECT_TIMEOUT_S)
        else:
            client = distributed.Client(scheduler, timeout=CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError) as err:
        raise ValueError(f"cannot connect to the Dask scheduler {scheduler!r}: {err}") from None
    with client:
        yield client


# --- what runs in the workers ------------------------------------------------------------------------------

_network: dict = {}
_network_lock = threading.Lock()
network_loads = 0  # how often this process loaded a network (once, unless the network changes)
_stopped_runs: set[str] = set()


def predict_on_worker(task: FileTask, recipe: Recipe, batch_size: int, tf_threads: int | None, topic: str,
                      run_id: str) -> FileResult:
    from distributed import get_worker

    stop = _RunFlag(run_id)
    if stop.is_set():
        return FileResult(task.recording, task.outputs.csv, PENDING, "the run was stopped before this recording")
    network = load_network(recipe.network, tf_threads, recipe.precision)
    return predict_file(task, recipe, network, batch_size=batch_size, stop=stop,
                        progress=_events(get_worker(), topic, str(task.recording)))


def check_network(prefix: str, tf_threads: int | None, precision: str | None = "auto") -> None:
    """Load the network in a worker (where it stays cached): its errors reach the client once, as they are."""
    load_network(prefix, tf_threads, precision)


def load_network(prefix: str, tf_threads: int | None, precision: str | None = "auto"):
    """``(model, params)``, loaded once per worker process, computing in ``precision`` (None: as saved).

    TensorFlow's pools get ``tf_threads`` threads at the first load, or the worker's ``nthreads`` when None.
    """
    global network_loads
    from distributed import get_worker

    from ..network_files import network_paths
    from ..prediction import resolve_model
    from ..quiet_tensorflow import quiet_tensorflow

    key = (prefix, precision, *(f.stat().st_mtime_ns for f in network_paths(prefix)))
    with _network_lock:
        if key not in _network:
            quiet_tensorflow(threads=tf_threads or get_worker().state.nthreads)
            _network.clear()
            _network[key] = resolve_model(prefix, precision=precision)
            network_loads += 1
        return _network[key]


def exit_promptly() -> None:
    """End this worker process as soon as Python's exit handlers have run (only for the local cluster's workers).

    After TensorFlow ran, the process hangs in the interpreter's finalisation
    for seconds; the nanny kills it after 4 s, which every ``--workers`` run
    would wait for. Its work is done and its files are closed by then.
    """
    def end() -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)

    atexit.register(end)


def mark_stopped(run_id: str) -> None:
    _stopped_runs.add(run_id)


class _RunFlag:
    """The ``stop`` a worker's prediction checks after each batch: set by :func:`mark_stopped`."""

    def __init__(self, run_id: str):
        self.run_id = run_id

    def is_set(self) -> bool:
        return self.run_id in _stopped_runs


def _events(worker, topic: str, recording: str):
    """A progress callback that sends the fraction of ``recording`` done to the client, at most every second."""
    last = [0.0]

    def report(p: Progress) -> None:
        now = time.monotonic()
        if p.total and now - last[0] >= EVENT_EVERY_S:
            last[0] = now
            worker.log_event(topic, {"recording": recording, "fraction": p.done / p.total})

    return report
