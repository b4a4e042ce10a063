"""Terminal progress for training: one tqdm bar per epoch (``dss train`` and the Python API)."""

from __future__ import annotations

import sys

from tqdm import tqdm


class ConsoleProgress:
    """A :data:`napari_deepss.training.ProgressCallback` that draws progress bars on stderr.

    ``verbose`` 0: silent; 1: a bar per epoch (train then validation steps);
    2: also a line with the losses of each finished epoch.
    """

    def __init__(self, verbose: int = 2):
        self.verbose = verbose
        self.bar: tqdm | None = None
        self.key: tuple | None = None
        self.last = None

    def __call__(self, p) -> None:
        if not self.verbose:
            return
        key = (p.epoch, p.phase if p.phase == "test" else "epoch")
        if key != self.key:
            self._finish()
            desc = "test" if p.phase == "test" else f"epoch {p.epoch}/{p.nb_epoch}"
            self.bar = None if p.phase == "done" else tqdm(total=p.steps_per_epoch, desc=desc, file=sys.stderr,
                                                         leave=False, dynamic_ncols=True)
            self.key = key
        if self.bar is None:
            return
        if p.phase == "val" and self.last is not None and self.last.phase == "train":
            self.bar.reset(total=p.steps_per_epoch)
            self.bar.set_description(f"epoch {p.epoch}/{p.nb_epoch} (validation)")
        self.bar.update(p.step - self.bar.n)
        losses = {k: f"{v:.4g}" for k, v in (("loss", p.loss), ("val_loss", p.val_loss)) if v is not None}
        self.bar.set_postfix(losses, refresh=False)
        self.last = p

    def _finish(self) -> None:
        if self.bar is not None:
            self.bar.close()
        p = self.last
        if self.verbose >= 2 and p is not None and p.phase in ("train", "val"):
            val = f", val_loss {p.val_loss:.5g}" if p.phase == "val" and p.val_loss is not None else ""
            loss = f"loss {p.loss:.5g}" if p.loss is not None else ""
            tqdm.write(f"epoch {p.epoch}/{p.nb_epoch}: {loss}{val}", file=sys.stderr)
        self.bar = None
