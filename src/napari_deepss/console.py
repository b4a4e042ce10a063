"""Job progress on the terminal: one tqdm bar for the ``dss`` commands and the Python API's training."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from tqdm import tqdm

from .jobs import Progress


class ConsoleProgress:
    """A :data:`~napari_deepss.jobs.ProgressCallback` that draws a tqdm bar on stderr.

    The bar opens at the first report (errors found before print without a
    bar) and restarts with every new stretch of work (another phase, or
    ``done`` going back). Its description is ``desc`` and the report's message
    and phase; its postfix the report's ``values`` named in ``postfix``.
    ``verbose`` 0 draws nothing; 2 also writes a line with those values each
    time the message changes (training: a line of losses per epoch).
    ``bar_options`` go to tqdm. Use it as a context manager, or ``close()`` it.
    """

    def __init__(self, desc: str = "", *, verbose: int = 1, postfix: Sequence[str] = (), **bar_options):
        self.desc = desc
        self.verbose = verbose
        self.postfix = tuple(postfix)
        self.bar_options = {"file": sys.stderr, **bar_options}
        self.bar: tqdm | None = None
        self.last: Progress | None = None

    def __call__(self, p: Progress) -> None:
        if not self.verbose:
            return
        last = self.last
        if last is not None and p.message != last.message:
            self._write_line()
        description = ": ".join(text for text in (self.desc, p.describe()) if text)
        if self.bar is None:
            self.bar = tqdm(total=p.total or None, desc=description, **self.bar_options)
        self.bar.set_description(description, refresh=False)
        self.bar.set_postfix(self._shown(p), refresh=False)
        if last is not None and (p.phase != last.phase or p.done < last.done or p.total != last.total):
            self.bar.reset(total=p.total or None)
        self.bar.update(p.done - self.bar.n)
        self.last = p

    def close(self) -> None:
        self._write_line()
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        self.last = None

    def __enter__(self) -> ConsoleProgress:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _shown(self, p: Progress) -> dict[str, str]:
        return {name: f"{p.values[name]:.4g}" for name in self.postfix if p.values.get(name) is not None}

    def _write_line(self) -> None:
        p = self.last
        if self.verbose < 2 or p is None or not self._shown(p):
            return
        values = ", ".join(f"{name} {p.values[name]:.5g}" for name in self._shown(p))
        tqdm.write(f"{p.message}: {values}", file=sys.stderr)
