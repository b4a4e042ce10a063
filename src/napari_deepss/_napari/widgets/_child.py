"""The line protocol shared by the widgets' child processes (``train_process``, ``predict_process``).

The child prints one ``<marker><json>`` line per message; anything else it
prints (TensorFlow's log, a traceback) the parent keeps as the log tail for
its error messages. This module imports neither Qt nor napari.
"""

from __future__ import annotations

import collections
import json

LOG_TAIL_LINES = 30


def emit(marker: str, message: dict) -> None:
    """Child side: send one message to the parent."""
    print(marker + json.dumps(message), flush=True)


class ChildOutput:
    """Parent side: the child's output lines, read as messages (``read``) or kept in ``log``."""

    def __init__(self, marker: str):
        self.marker = marker
        self.log: collections.deque[str] = collections.deque(maxlen=LOG_TAIL_LINES)

    def read(self, line: str) -> dict | None:
        """A protocol message, or None for log output (kept in ``log``)."""
        if line.startswith(self.marker):
            return json.loads(line[len(self.marker):])
        self.log.append(line.rstrip())
        return None

    def ended_unexpectedly(self, what: str, code: int) -> str:
        """The message for a child that ended without a result, with its last output."""
        return f"the {what} process ended unexpectedly ({describe_exit(code)}). Its last output:\n" + "\n".join(self.log)


def describe_exit(code: int) -> str:
    if code < 0:
        hint = " (killed, often for lack of memory)" if code == -9 else ""
        return f"signal {-code}{hint}"
    return f"exit code {code}"
