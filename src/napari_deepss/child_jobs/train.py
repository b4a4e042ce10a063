"""Training as a child job, for the Train dock widget (TensorFlow cannot share napari's process)."""

from __future__ import annotations

import threading
from pathlib import Path

from ..jobs import ProgressCallback
from ..training import TrainConfig, TrainResult, train
from .runner import run_in_child

STOP_GRACE_S = 120.0  # after a stop the child ends its step, tests the best model and writes the files


def train_in_child(
    config: TrainConfig, *, progress: ProgressCallback | None = None, stop: threading.Event | None = None
) -> TrainResult:
    """:func:`~napari_deepss.training.train` in a child process: the same reports, stop rule and result."""
    return run_in_child("train", {"config": config.to_dict()}, decode=_train_result, grace_s=STOP_GRACE_S,
                        progress=progress, stop=stop)


def run(request: dict, *, progress: ProgressCallback, stop: threading.Event) -> TrainResult:
    return train(TrainConfig.from_dict(request["config"]), progress=progress, stop=stop)


def _train_result(values: dict) -> TrainResult:
    paths = {name: Path(values[name]) if values.get(name) else None
             for name in ("model_path", "params_path", "results_path", "report_path")}
    return TrainResult(**{**values, **paths})
