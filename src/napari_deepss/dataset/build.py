"""make_dataset: a folder of annotated recordings -> a DeepSS dataset folder ``<name>.npy``.

A long job (:mod:`napari_deepss.jobs`): it reports :class:`~napari_deepss.jobs.Progress`
after every block it writes and, once its ``stop`` event is set, raises
:class:`~napari_deepss.jobs.Stopped` and leaves nothing behind. Everything but
the sample values (NaN or inf, found as each recording is read) is checked
before the first byte is written: the store folder (:mod:`.overwrite`), the
recordings and annotations (:mod:`.sources`, :mod:`.trainable`) and the free
disk space. Recordings are then read one at a time, resampled to the dataset
rate if needed, and written block by block into ``.npy`` arrays allocated in
full beforehand (:mod:`napari_deepss.npy_output`) inside a temporary folder
beside the target, which is renamed to ``<name>.npy`` only when complete. Peak
memory is about one recording (float32) plus one block.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._version import __version__
from ..atomic import atomic_dir
from ..audio import load_audio
from ..disk_space import require_free_space
from ..errors import FileFormatError
from ..jobs import Progress, ProgressCallback, check_stop
from ..npy_output import NpyOutput
from ..resampling import resample
from . import targets as tg
from .options import DatasetOptions
from .sources import Recording, Sources, find_sources
from .splits import Piece, plan_splits, split_sizes
from .overwrite import MADE_BY, check_store_folder
from .store import STORE_SUFFIX, create_split_arrays, split_bytes, write_attrs
from .trainable import check_trainable

BLOCK_SAMPLES = 2**18


@dataclass(frozen=True)
class DatasetSummary:
    """What a finished build wrote."""

    store_folder: Path
    recordings: list[str]
    skipped: list[str]  # audio files without annotations
    split_samples: dict[str, int]
    samplerate: float
    class_names: list[str]
    proposals_left_out: int = 0  # unapproved proposal rows, not used

    def describe(self) -> str:
        seconds = ", ".join(f"{split} {n / self.samplerate:.1f} s" for split, n in self.split_samples.items())
        text = (
            f"{self.store_folder}: {len(self.recordings)} recording(s) at {self.samplerate:g} Hz, "
            f"classes {', '.join(self.class_names)}; {seconds}"
        )
        if self.skipped:
            text += f"; skipped without annotations: {', '.join(self.skipped)}"
        if self.proposals_left_out:
            text += f"; left out {self.proposals_left_out} proposal(s) not yet approved"
        return text


def default_store_folder(data_folder: str | os.PathLike) -> Path:
    """The data folder's path with ``.npy`` appended (``recordings`` -> ``recordings.npy``)."""
    data_folder = Path(data_folder).absolute()
    return data_folder.with_name(data_folder.name + STORE_SUFFIX)


def _data_folders(data_folder: str | os.PathLike | Sequence[str | os.PathLike]) -> list[Path]:
    folders = [data_folder] if isinstance(data_folder, str | os.PathLike) else list(data_folder)
    if not folders:
        raise ValueError("choose at least one data folder")
    return [Path(folder).absolute() for folder in folders]


def make_dataset(
    data_folder: str | os.PathLike | Sequence[str | os.PathLike],
    store_folder: str | os.PathLike | None = None,
    *,
    overwrite: bool = False,
    progress: ProgressCallback | None = None,
    stop: threading.Event | None = None,
    **options,
) -> DatasetSummary:
    """Build a DeepSS dataset folder from the annotated recordings in ``data_folder``.

    ``data_folder`` is one folder or a list of them (their recordings must have
    distinct stems); with the option ``recursive`` their sub-folders are searched
    too. ``store_folder`` defaults to ``data_folder`` + ``.npy`` (with several
    folders it must be given) and must end in ``.npy``; an existing one is
    replaced only with ``overwrite``, and only if it is an old dataset made here
    (:mod:`.overwrite`). ``options``
    are the fields of :class:`DatasetOptions` (``recursive``, ``event_std_seconds``,
    ``gap_seconds``, ``make_individual_targets``, ``train``/``val``/``test``
    fractions, ``train_by``/``val_by``/``test_by`` = ``'files'`` or
    ``'samples'``, ``seed``). ``progress`` counts dataset samples written
    (message: the recording being written). Setting ``stop`` raises
    :class:`~napari_deepss.jobs.Stopped` after the current block; so does any
    error, and either way the unfinished folder is removed.
    """
    opts = DatasetOptions(**options)
    data_folders = _data_folders(data_folder)
    store = _store_folder(store_folder, data_folders)
    check_store_folder(store, data_folders, overwrite)
    sources = find_sources(data_folders, opts.recursive)
    check_trainable(data_folders, sources)
    classes = tg.ClassInfo.from_song_types(sources.song_types)
    plan = plan_splits({r.name: r.n_samples for r in sources.recordings}, opts.fractions, opts.split_by, opts.seed)
    sizes = split_sizes(plan)
    shapes = {"x": sources.n_channels, "y": len(classes.names)}
    if opts.make_individual_targets:
        shapes.update({f"y_{name}": 2 for name in classes.song_names})
    total = sum(sizes.values())
    require_free_space(store, sum(split_bytes(n, shapes) for n in sizes.values()))
    stopped = f"making the dataset from {', '.join(map(str, data_folders))} was cancelled; nothing was written"

    def step(recording: str) -> None:
        if progress is not None:
            progress(Progress(sum(offsets.values()), total, recording))
        check_stop(stop, stopped)

    with atomic_dir(store, overwrite=overwrite) as tmp:
        arrays = {split: create_split_arrays(tmp, split, n, shapes) for split, n in sizes.items()}
        offsets = dict.fromkeys(sizes, 0)
        step("")
        for recording in sources.recordings:
            for _ in _write_recording(recording, plan[recording.name], arrays, offsets, sources, classes, opts):
                step(recording.name)
        write_attrs(tmp, _attrs(data_folders, store, sources, classes, plan, opts))
    return DatasetSummary(
        store, [r.name for r in sources.recordings], sources.skipped, sizes, sources.samplerate, list(classes.names),
        sources.proposals_left_out,
    )


def _store_folder(store_folder, data_folders: list[Path]) -> Path:
    """The dataset folder to write: ``store_folder``, or the only data folder + ``.npy``; it must end in ``.npy``."""
    if not store_folder and len(data_folders) > 1:
        raise ValueError("several data folders: choose the store folder (<name>.npy) to write")
    store = Path(store_folder).absolute() if store_folder else default_store_folder(data_folders[0])
    if store.suffix != STORE_SUFFIX:
        raise FileFormatError(store, f"the store folder must end in {STORE_SUFFIX} (DeepSS finds datasets by that suffix)")
    return store


def _write_recording(
    recording: Recording,
    pieces: list[Piece],
    arrays: dict[str, dict[str, NpyOutput]],
    offsets: dict[str, int],
    sources: Sources,
    classes: tg.ClassInfo,
    opts: DatasetOptions,
) -> Generator[None, None, None]:
    """Append the pieces of one recording to their splits, one block at a time; yields after each block."""
    x = _load_at_rate(recording)
    targets = tg.FileTargets.from_annotations(
        recording.annotations, classes, sources.samplerate, opts.event_std_seconds, opts.gap_seconds
    )
    for piece in pieces:
        out = arrays[piece.split]
        for start in range(piece.start, piece.stop, BLOCK_SAMPLES):
            stop = min(start + BLOCK_SAMPLES, piece.stop)
            at = offsets[piece.split]
            song = targets.song(start, stop)
            out["x"].write_rows(at, x[start:stop])
            out["y"].write_rows(at, tg.normalise(song))
            for col, name in enumerate(classes.song_names):
                if f"y_{name}" in out:
                    out[f"y_{name}"].write_rows(at, tg.individual(song[:, col]))
            offsets[piece.split] = at + stop - start
            yield


def _load_at_rate(recording: Recording) -> np.ndarray:
    """Samples [n, channels] at the dataset rate (polyphase resampling, scipy.signal.resample_poly)."""
    x, _ = load_audio(recording.info.path)
    return resample(x, *recording.resampling)[: recording.n_samples]


def _attrs(data_folders: list[Path], store, sources: Sources, classes: tg.ClassInfo, plan, opts: DatasetOptions) -> dict:
    attrs = {
        "samplerate_x_Hz": sources.samplerate,
        "samplerate_y_Hz": sources.samplerate,
        "class_names": list(classes.names),
        "class_types": list(classes.types),
        "event_std_seconds": opts.event_std_seconds,
        "gap_seconds": opts.gap_seconds,
        # one folder as DeepSS writes it; several as a list
        "data_folder": str(data_folders[0]) if len(data_folders) == 1 else [str(f) for f in data_folders],
        "store_folder": str(store),
        # {recording: {split: [[start, stop], ...]}} in samples at samplerate_x_Hz
        "data_splits": {
            name: {split: [[p.start, p.stop] for p in pieces if p.split == split] for split in dict.fromkeys(p.split for p in pieces)}
            for name, pieces in plan.items()
        },
        "splits": {split: {"fraction": opts.fractions[split], "by": opts.split_by[split]} for split in opts.fractions},
        "seed": opts.seed,
        "made_by": f"{MADE_BY} {__version__}",  # what overwrite may replace (see .overwrite)
    }
    if opts.make_individual_targets:
        for name, kind in zip(classes.song_names, classes.types[1:]):
            attrs[f"class_names_{name}"] = [tg.NOISE, name]
            attrs[f"class_types_{name}"] = ["segment", kind]
    return attrs
