"""Quick train as a child job, for Annotate (TensorFlow cannot share napari's process)."""

from __future__ import annotations

import threading

import numpy as np

from ..annotations import Annotations
from ..jobs import ProgressCallback
from ..quick_train import QuickRecording, QuickTrainOptions, QuickTrainResult, quick_train
from .runner import run_in_child

STOP_GRACE_S = 120.0  # after a stop the child ends its training step and writes the network


def quick_train_in_child(recordings: list[QuickRecording], save_dir, options: QuickTrainOptions, *,
                         init_model: str | None = None, progress: ProgressCallback | None = None,
                         stop: threading.Event | None = None) -> QuickTrainResult:
    """:func:`~napari_deepss.quick_train.quick_train` in a child process: the same reports, stop rule and result.

    Recordings travel as their paths or samples (arrays cross as ``.npy``
    files); ``Stopped.result`` is the prefix of the network kept, if any.
    """
    request = {"recordings": [_recording(r) for r in recordings], "save_dir": str(save_dir),
               "options": options.to_dict(), "init_model": init_model}
    return run_in_child("quick_train", request, decode=_result, grace_s=STOP_GRACE_S, progress=progress, stop=stop)


def run(request: dict, *, progress: ProgressCallback, stop: threading.Event) -> dict:
    recordings = [QuickRecording(
        r["name"], r["audio"], _table(r["annotations"]), r["samplerate"],
        None if r["train_range"] is None else tuple(r["train_range"]), [tuple(span) for span in r["propose"]],
    ) for r in request["recordings"]]
    result = quick_train(recordings, request["save_dir"], QuickTrainOptions.from_dict(request["options"]),
                         init_model=request["init_model"], progress=progress, stop=stop)
    proposals = {name: [{"range": list(span), "annotations": _values(table)} for span, table in found]
                 for name, found in result.proposals.items()}
    return {"model_prefix": result.model_prefix, "proposals": proposals, "history": result.history,
            "seconds": result.seconds, "stopped_early": result.stopped_early}


def _recording(recording: QuickRecording) -> dict:
    audio = recording.audio
    return {"name": recording.name, "audio": np.asarray(audio, dtype=np.float32) if isinstance(audio, np.ndarray)
            else str(audio), "samplerate": recording.samplerate, "annotations": _values(recording.annotations),
            "train_range": recording.train_range, "propose": [list(span) for span in recording.propose]}


def _values(table: Annotations) -> dict:
    return {"names": list(table.names), "start_seconds": table.start_seconds, "stop_seconds": table.stop_seconds,
            "song_types": table.song_types}


def _table(values: dict) -> Annotations:
    return Annotations(values["names"], values["start_seconds"], values["stop_seconds"],
                       song_types=values["song_types"])


def _result(values) -> QuickTrainResult | str:
    if isinstance(values, str):  # what a stopped job kept: the prefix of its network
        return values
    proposals = {name: [(tuple(found["range"]), _table(found["annotations"])) for found in spans]
                 for name, spans in values["proposals"].items()}
    return QuickTrainResult(values["model_prefix"], proposals, values["history"], values["seconds"],
                            values["stopped_early"])
