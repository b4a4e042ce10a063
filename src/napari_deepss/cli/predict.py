"""``dss predict``: annotate recordings with a trained network.

The post-processing flags are generated from
:class:`~napari_deepss.postprocess.PostprocessOptions` (``--event-thres`` sets
``event_thres``), the same definitions the Predict widget shows.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..annotation_saving import write_with_backup
from ..annotations import ANNOTATIONS_SUFFIX, recording_stem
from ..audio import audio_info, recordings_in
from ..errors import FileFormatError
from ..options import add_arguments
from ..postprocess import PostprocessOptions
from ..prediction import DEFAULT_BATCH_SIZE

DESCRIPTION = f"""\
Predict song in a recording, or in every recording of a folder, with a trained network, and write the
events and segments found as DeepSS annotations: <stem>{ANNOTATIONS_SUFFIX} beside each recording
(or in --out-dir), ready to open and proofread in napari.

An existing annotation file is never replaced silently: if any output file exists, dss stops before
predicting anything and names them. Then either write beside them under another name
(--suffix _predicted{ANNOTATIONS_SUFFIX}) or replace them with --overwrite (this replaces human
annotations too).
"""


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "predict",
        help="annotate recordings with a trained network",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("path", help="a recording (wav, flac, npz, h5, ...) or a folder of recordings")
    parser.add_argument("model_prefix", metavar="MODEL_PREFIX",
                        help="the trained network (napari-deepss's or DeepSS 0.32's): <save_dir>/<stem> of its "
                        "_model.h5 and _params.yaml files (the path of either file works too)")
    parser.add_argument("--suffix", default=ANNOTATIONS_SUFFIX,
                        help=f"name of the output files after the recording's stem (default: {ANNOTATIONS_SUFFIX})")
    parser.add_argument("--out-dir", help="folder for the output files (default: beside each recording)")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace existing output files, human annotation files included")
    parser.add_argument("--save-probabilities", action="store_true",
                        help="also write <stem>_probabilities.npy: float32 [samples, classes] at the network's rate")
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE, metavar="INT",
                        help="chunks predicted at once; more is faster and needs more memory "
                        f"(default: {DEFAULT_BATCH_SIZE})")
    add_arguments(parser, PostprocessOptions, title="post-processing")
    parser.set_defaults(func=run)


def _recordings(path: Path) -> list[Path]:
    """``path`` itself, or the recordings of the folder ``path`` (sorted)."""
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise FileFormatError(path, "no such file or folder")
    found = recordings_in(path)
    if not found:
        raise FileFormatError(path, "no recordings (wav, flac, ogg, aiff, npz, h5) in this folder")
    return found


def output_paths(recordings: list[Path], suffix: str, out_dir: str | None) -> list[Path]:
    return [(Path(out_dir) if out_dir else r.parent) / (recording_stem(r) + suffix) for r in recordings]


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from ..console import ConsoleProgress
    from ..jobs import sub_progress
    from ..prediction import predict, resolve_model

    if args.batch_size < 1:
        raise ValueError(f"--batch-size must be at least 1, got {args.batch_size}")
    options = PostprocessOptions.from_dict(vars(args))
    recordings = _recordings(Path(args.path))
    outputs = output_paths(recordings, args.suffix, args.out_dir)
    existing = [str(p) for p in outputs if p.exists()]
    if existing and not args.overwrite:
        raise FileExistsError(
            f"{len(existing)} output file(s) exist and would be replaced: {', '.join(existing)}. Nothing was "
            f"predicted. Write under another name (e.g. --suffix _predicted{ANNOTATIONS_SUFFIX}) or pass --overwrite."
        )
    durations = [audio_info(r).duration_seconds for r in recordings]
    model, params = resolve_model(args.model_prefix)
    if args.out_dir:
        Path(args.out_dir).mkdir(parents=True, exist_ok=True)
    with ConsoleProgress("predict", unit="s", bar_format="{l_bar}{bar}| {n:.1f}/{total:.1f} s "
                         "[{elapsed}<{remaining}]") as progress:
        for recording, output, duration, base in zip(recordings, outputs, durations, _starts(durations)):
            probabilities = output.with_name(recording_stem(recording) + "_probabilities.npy")
            prediction = predict(recording, model, params=params, options=options, batch_size=args.batch_size,
                                 keep_probabilities=probabilities if args.save_probabilities else False,
                                 progress=sub_progress(progress, base, duration, sum(durations), recording.name))
            write_with_backup(prediction.annotations(), output)
            found = {**{n: len(t) for n, t in prediction.events.items()},
                     **{n: len(t) for n, t in prediction.segments.items()}}
            tqdm.write(f"{recording.name}: {', '.join(f'{k} {n}' for n, k in found.items()) or 'no song types'} "
                       f"-> {output}")
    return 0


def _starts(durations: list[float]) -> list[float]:
    """Where each recording starts in all of them (seconds)."""
    return [sum(durations[:i]) for i in range(len(durations))]
