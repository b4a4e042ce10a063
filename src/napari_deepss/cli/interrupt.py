"""Ctrl-C for long ``dss`` jobs: the first asks the job to stop (it keeps what it has), the second aborts."""

from __future__ import annotations

import contextlib
import signal
import sys
import threading


@contextlib.contextmanager
def stop_on_first_interrupt(stop: threading.Event, message: str):
    """While inside, Ctrl-C sets ``stop`` once (printing ``message``) and raises KeyboardInterrupt the second time."""
    if threading.current_thread() is not threading.main_thread():  # signal handlers live in the main thread
        yield
        return

    def handler(signum, frame):
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        print(f"\n{message} (Ctrl-C again to abort)", file=sys.stderr)

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
