"""Quick train: the annotated part of some recordings becomes a dataset, a small network trains, the rest is proposed.

One job (:mod:`napari_deepss.jobs`) behind Annotate's *Quick train* and
``benchmarks/proofreading_loop.py``:

1. each recording's training range (by default everything up to the end of
   its last approved annotation, :func:`annotated_range`) and its annotations
   without proposals are exported, and a dataset is made of them (split by
   samples: ``val_fraction`` of each recording validates, no test split);
2. a small network trains for at most ``minutes`` (then the best network so
   far is kept) with DeepSS's fast recipe (:class:`QuickTrainOptions`), or
   continues from the network of the round before (``init_model``: the
   network options are that network's, song types may have been added);
3. the rest of each recording (outside its training range) is predicted with
   DeepSS's default post-processing (nothing is chosen on the few seconds of
   validation, see :meth:`QuickTrainOptions.train_options`), segments shorter
   than half the shortest annotated one dropped (a person marked nothing that
   short), and what it finds is handed back as proposals per recording and range.

Setting ``stop`` ends the job with :class:`~napari_deepss.jobs.Stopped`; a
network trained so far is kept and named in ``Stopped.result``. Training and
prediction import TensorFlow: from napari this runs in a child process
(:mod:`napari_deepss.child_jobs.quick_train`).
"""

from __future__ import annotations

import dataclasses
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .annotations import Annotations
from .jobs import Progress, ProgressCallback, Stopped, check_stop, sub_progress
from .options import Options, option
from .proposals import without_proposals

DOWNSAMPLING = ("auto", "off", "2x", "4x", "8x", "16x")
#: "auto" downsamples by the largest factor (at most 16) whose frames last at most this long (seconds)
AUTO_FRAME_SECONDS = 0.0005
SAVE_PREFIX = "quick"
#: the key of ``_params.yaml`` listing the recordings and ranges (seconds) a quick network learnt from
RECORD_KEY = "quick_train_ranges"
STOP_POLL_S = 0.1


@dataclass(frozen=True)
class QuickTrainOptions(Options):
    """A network that learns in minutes on a CPU, and how long it may take.

    The DeepSS GUI's recommended start (32 filters, 3 TCN blocks, the STFT
    frontend where the rate allows) with a shorter kernel, a higher learning
    rate and a time limit. Measured on 2 shared cores (benchmarks/proofreading_loop.py).
    """

    minutes: float = option(2.0, "Time limit (minutes)", "Training stops after this long and keeps the best network "
                            "so far; proposals follow.", minimum=0.1, step=0.5)
    nb_epoch: int = option(400, "Max. epochs", "Training also stops after this many epochs, or 20 epochs without a "
                           "lower validation loss.", minimum=1)
    nb_hist: int = option(2048, "Chunk duration (samples)", "Samples the network sees at once.", minimum=16)
    nb_filters: int = option(32, "Number of filters", "Filters per layer.", minimum=1)
    kernel_size: int = option(16, "Filter duration (samples)", "Duration of each filter (at the downsampled rate).",
                              minimum=1)
    nb_conv: int = option(3, "Number of TCN blocks", "Blocks of dilated convolutions.", minimum=1)
    downsampling: str = option("auto", "Downsampling frontend", "STFT frontend factor; auto: the largest (up to "
                               "16x) whose frames last at most 0.5 ms (16x at 32 kHz, off at 2.5 kHz).",
                               choices=DOWNSAMPLING)
    learning_rate: float = option(0.001, "Learning rate", "Step size of the optimiser.", minimum=1e-9)
    val_fraction: float = option(0.2, "Validation fraction", "Part of each recording's training range that "
                                 "validates (chooses the network kept).", minimum=0.05, maximum=0.5, step=0.05)
    gap_seconds: float = option(0.004, "Gap between segments (s)", "Targets are noise this long around every segment "
                                "boundary, so touching syllables stay apart.", minimum=0.0, step=0.001)
    seed: int = option(1, "Seed", "Random seed of the split and the initial weights.", minimum=0)

    def __post_init__(self):
        self.check_values()

    def nb_pre_conv(self, samplerate: float) -> int:
        """log2 of the downsampling factor at ``samplerate``."""
        if self.downsampling == "off":
            return 0
        if self.downsampling != "auto":
            return int(np.log2(int(self.downsampling.removesuffix("x"))))
        return int(np.clip(np.floor(np.log2(max(AUTO_FRAME_SECONDS * samplerate, 1.0))), 0, 4))

    def train_options(self, samplerate: float) -> dict:
        """The TrainConfig options of the recipe at ``samplerate``."""
        nb_pre_conv = self.nb_pre_conv(samplerate)
        nb_hist = -(-self.nb_hist // 2**nb_pre_conv) * 2**nb_pre_conv
        return dict(model_name="tcn_stft" if nb_pre_conv else "tcn", nb_pre_conv=nb_pre_conv, nb_hist=nb_hist,
                    nb_filters=self.nb_filters, kernel_size=self.kernel_size, nb_conv=self.nb_conv,
                    nb_epoch=self.nb_epoch, learning_rate=self.learning_rate, seed=self.seed, verbose=0,
                    # seconds of validation from the training recordings choose thresholds that do not carry over
                    # (fly, second round: event threshold 0.9 chosen, pulse recall on the rest 0.93 -> 0.74)
                    post_opt=False)


@dataclass
class QuickRecording:
    """One recording of a quick train: its audio, annotations and the ranges (seconds) to train on and propose."""

    name: str
    audio: str | Path | np.ndarray  # a path, or samples [n, channels]
    annotations: Annotations
    samplerate: float | None = None  # of samples
    train_range: tuple[float, float] | None = None  # None: not trained on
    propose: list[tuple[float, float]] = field(default_factory=list)  # ranges to propose in


@dataclass
class QuickTrainResult:
    model_prefix: str
    proposals: dict[str, list[tuple[tuple[float, float], Annotations]]]  # recording -> [(range, annotations)]
    history: dict[str, list[float]]
    seconds: dict[str, float]  # time taken by "dataset", "train" and "propose"
    stopped_early: bool  # the time limit ended training


def annotated_range(table: Annotations) -> tuple[float, float] | None:
    """``(0, end of the last approved annotation)``, or None without any."""
    approved, _ = without_proposals(table)
    stops = approved.stop_seconds[~approved.is_placeholder]
    return (0.0, float(stops.max())) if len(stops) and stops.max() > 0 else None


def rest_of(duration: float, train_range: tuple[float, float] | None) -> list[tuple[float, float]]:
    """The parts of a recording of ``duration`` seconds outside its training range."""
    if train_range is None:
        return [(0.0, duration)]
    return [(a, b) for a, b in ((0.0, train_range[0]), (train_range[1], duration)) if b - a > 0]


def quick_train(recordings: list[QuickRecording], save_dir: str | Path, options: QuickTrainOptions | None = None, *,
                init_model: str | None = None, progress: ProgressCallback | None = None,
                stop: threading.Event | None = None) -> QuickTrainResult:
    """Train on the recordings' training ranges and propose their other ranges (see the module docstring)."""
    options = options or QuickTrainOptions()
    stop = stop or threading.Event()
    report = progress or (lambda _: None)
    seconds = {}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="dss-quick-") as scratch:
        store, samplerate = _dataset(recordings, Path(scratch), options, report, stop)
        seconds["dataset"] = time.perf_counter() - started
        result, stopped_early = _train(store, Path(save_dir), samplerate, options, init_model, report, stop)
    seconds["train"] = time.perf_counter() - started - seconds["dataset"]
    prefix = str(result.model_path).removesuffix("_model.h5")
    _record_ranges(result.params_path, recordings)
    proposals = _propose(recordings, prefix, report, stop)
    seconds["propose"] = time.perf_counter() - started - seconds["dataset"] - seconds["train"]
    return QuickTrainResult(prefix, proposals, result.history, seconds, stopped_early)


def _dataset(recordings, scratch: Path, options: QuickTrainOptions, report, stop) -> tuple[Path, float]:
    """Export the training ranges and make the dataset; returns its folder and rate."""
    from .audio import load_audio
    from .dataset import make_dataset
    from .recording_export import export_recording

    training = [r for r in recordings if r.train_range is not None]
    if not training:
        raise ValueError("nothing is annotated yet: annotate some song first (proposals do not count until "
                         "approved)")
    for recording in training:
        report(Progress(0, 0, f"exporting {recording.name}", "dataset"))
        samples, rate = _samples(recording, load_audio)
        export_recording(samples, rate, without_proposals(recording.annotations)[0], scratch / "data",
                         recording.name, time_range=recording.train_range)
        check_stop(stop, "quick train was stopped; nothing was trained")
    summary = make_dataset(scratch / "data", scratch / "data.npy", train=1 - options.val_fraction,
                           val=options.val_fraction, test=0.0, gap_seconds=options.gap_seconds, seed=options.seed,
                           progress=_in_phase(report, "dataset"), stop=stop)
    return summary.store_folder, summary.samplerate


def _samples(recording: QuickRecording, load_audio) -> tuple[np.ndarray, float]:
    if isinstance(recording.audio, np.ndarray):
        return recording.audio, float(recording.samplerate)
    return load_audio(recording.audio)


def _train(store: Path, save_dir: Path, samplerate: float, options: QuickTrainOptions, init_model, report, stop):
    """Train with a time limit; ``(TrainResult, whether the limit ended training)``; Stopped if ``stop`` was set."""
    from .training import train
    from .training.init_model import source_network_options

    recipe = options.train_options(samplerate)
    if init_model:
        recipe.update(source_network_options(init_model))
    limited, finished = threading.Event(), threading.Event()
    deadline = time.monotonic() + options.minutes * 60

    def watch() -> None:  # training's stop: the user's, or the time limit
        while not finished.wait(STOP_POLL_S):
            if stop.is_set() or time.monotonic() > deadline:
                limited.set()
                return

    threading.Thread(target=watch, daemon=True).start()
    try:
        return train(data_dir=str(store), save_dir=str(save_dir), save_prefix=SAVE_PREFIX, init_model=init_model or "",
                     progress=report, stop=limited, **recipe), False
    except Stopped as stopped:
        if stop.is_set():
            raise Stopped("quick train was stopped; the network trained so far is kept",
                          None if stopped.result is None else str(stopped.result.model_path).removesuffix(
                              "_model.h5")) from None
        return stopped.result, True
    finally:
        finished.set()


def _record_ranges(params_path: Path, recordings: list[QuickRecording]) -> None:
    """Write into the network's params which recordings and ranges it learnt from (the dataset was temporary)."""
    from .network_params import read_params
    from .training import write_params

    params = read_params(params_path)
    params[RECORD_KEY] = {r.name: [float(t) for t in r.train_range] for r in recordings if r.train_range is not None}
    write_params(params_path, params)


def _propose(recordings, prefix: str, report, stop) -> dict:
    """What the network finds in each recording's ranges to propose."""
    from .postprocess import PostprocessOptions
    from .prediction import resolve_model
    from .range_prediction import predict_range

    model, params = resolve_model(prefix)
    options = PostprocessOptions.from_params(params)
    # a few minutes of annotations choose little on their own: never propose segments shorter than half the
    # shortest one annotated, whatever the choice on the (small) validation part kept
    floor = _shortest_segment(recordings) / 2
    if floor > options.segment_minlen:
        options = dataclasses.replace(options, segment_minlen=floor)
    jobs = [(r, span) for r in recordings for span in r.propose]
    total = sum(b - a for _, (a, b) in jobs)
    proposals: dict = {}
    done = 0.0
    for recording, span in jobs:
        step = sub_progress(_in_phase(report, "propose"), done, span[1] - span[0], total, f"proposing {recording.name}")
        try:
            prediction, _ = predict_range(recording.audio, model, span, samplerate=recording.samplerate,
                                          params=params, options=options, progress=step, stop=stop)
        except Stopped:
            raise Stopped(f"quick train was stopped while proposing; the network is kept: {prefix}", prefix) from None
        proposals.setdefault(recording.name, []).append((span, prediction.annotations()))
        done += span[1] - span[0]
    return proposals


def _shortest_segment(recordings: list[QuickRecording]) -> float:
    """The duration of the shortest approved segment in the training ranges (0 without any)."""
    durations = [times[:, 1] - times[:, 0] for r in recordings if r.train_range is not None
                 for times in without_proposals(r.annotations)[0].segments().values() if len(times)]
    return float(np.concatenate(durations).min()) if durations else 0.0


def _in_phase(report: ProgressCallback, phase: str) -> ProgressCallback:
    return lambda p: report(dataclasses.replace(p, phase=phase))
