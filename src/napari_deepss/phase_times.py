"""Where the seconds before the first training step (or the first predicted chunk) go: ``--verbose 2`` breakdowns.

A :class:`Timeline` starts when the process started (as the system records
it) and collects named marks; each phase is the time from the previous mark to
its own, so the phases add up to the time since the process started. Library
code marks its steps with :func:`mark` (importing TensorFlow, loading a
network), which does nothing unless a caller has opened a timeline with
:func:`timeline`; the caller prints :meth:`Timeline.line`.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator

_active = threading.local()


def process_age() -> float | None:
    """Seconds since this process started, from the system's record (None where it keeps none readable)."""
    try:
        with open("/proc/self/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        started = int(fields[19]) / os.sysconf("SC_CLK_TCK")  # field 22 (starttime), in clock ticks since boot
        return max(time.clock_gettime(time.CLOCK_BOOTTIME) - started, 0.0)
    except (OSError, ValueError, IndexError, AttributeError):
        return None


class Timeline:
    """Named phases in order, each the seconds since the previous mark (the first: since the process started)."""

    def __init__(self, first_phase: str = "start-up"):
        self.phases: list[tuple[str, float]] = []
        self._last = time.perf_counter()
        age = process_age()
        if age is not None:
            self.phases.append((first_phase, age))

    def mark(self, phase: str) -> None:
        """The phase ``phase`` ends now."""
        now = time.perf_counter()
        self.phases.append((phase, now - self._last))
        self._last = now

    @property
    def total(self) -> float:
        return sum(seconds for _, seconds in self.phases)

    def line(self, what: str) -> str:
        """``"<what> after 7.9 s: start-up 1.2 s, ... "``, the phases with their seconds."""
        since = "since the process started" if self.phases and self.phases[0][0] == "start-up" else "in all"
        parts = ", ".join(f"{phase} {seconds:.2f} s" for phase, seconds in self.phases)
        return f"{what} after {self.total:.1f} s {since}: {parts}"


@contextlib.contextmanager
def timeline(first_phase: str = "start-up") -> Iterator[Timeline]:
    """A :class:`Timeline` that :func:`mark` calls in this thread add to, until the block ends."""
    outer = getattr(_active, "timeline", None)
    _active.timeline = Timeline(first_phase)
    try:
        yield _active.timeline
    finally:
        _active.timeline = outer


def mark(phase: str) -> None:
    """End ``phase`` on this thread's open timeline, if there is one."""
    current = getattr(_active, "timeline", None)
    if current is not None:
        current.mark(phase)
