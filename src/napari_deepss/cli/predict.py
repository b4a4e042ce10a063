"""``dss predict``: annotate recordings, up to a whole corpus, with a trained network.

The work is :func:`napari_deepss.corpus.predict_corpus`; this module parses
the flags, draws its progress and prints a line per recording. The
post-processing flags are generated from
:class:`~napari_deepss.postprocess.PostprocessOptions` (``--event-thres`` sets
``event_thres``), the same definitions the Predict widget shows.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from dataclasses import dataclass

from ..annotations import ANNOTATIONS_SUFFIX
from ..cpu_threads import ENVIRONMENT
from ..models.precision import PRECISIONS, PREDICT_HELP
from ..options import Options, add_arguments, given_values, option
from ..phase_times import timeline
from ..postprocess import PostprocessOptions
from ..prediction import DEFAULT_BATCH_SIZE
from ..probability_files import DTYPES, ProbabilityFormat
from .interrupt import stop_on_first_interrupt

DESCRIPTION = f"""\
Predict song with a trained network and write the events and segments found as DeepSS annotations:
<stem>{ANNOTATIONS_SUFFIX} beside each recording (or below --out-dir, mirroring the folders), ready to
open and proofread in napari. A SOURCE is a recording (wav, flac, ogg, aiff, npz, h5), a folder (with
--recursive also its sub-folders), a quoted glob pattern ('data/**/*.wav') or a text file (.txt, .lst,
.list) listing one source per line. The last argument is the network.

Resumable: a re-run skips the recordings whose annotations it wrote before, unchanged since, newer than
the recording and the network and made with the same options (--force predicts them again). Ctrl-C
stops after the current batch, keeping the recordings done; run the same command again to go on. predict_summary.csv (in --out-dir, or in the folder holding
all recordings) has a row per recording: status (done, skipped, failed with the reason, pending),
duration, song found per song type, seconds taken. A recording that cannot be read is reported there and
the others go on; the exit code is then 1.

An existing annotation file this command did not write (a person's, or a prediction edited since) is
never replaced silently: dss stops before predicting anything and names them. Then either write beside
them under another name (--suffix _predicted{ANNOTATIONS_SUFFIX}) or replace them with --overwrite.

--workers N predicts on N local worker processes, --scheduler on a running Dask cluster (e.g. one started
on SLURM with dask-jobqueue); both need: pip install 'napari-deepss[cluster]'.
"""


@dataclass(frozen=True)
class Terminal(Options):
    """What ``dss predict`` writes on the terminal besides a line per recording."""

    verbose: int = option(1, "Verbosity", "Terminal output: 0 no progress bar, 1 a progress bar, 2 also where the "
                          "seconds up to the first predicted chunk went.", choices=(0, 1, 2))


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "predict",
        help="annotate recordings, or a whole corpus, with a trained network",
        usage="dss predict SOURCE [SOURCE ...] MODEL_PREFIX [options]",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("sources", nargs="+", metavar="SOURCE",
                        help="recordings, folders, quoted glob patterns or text files listing them")
    parser.add_argument("model_prefix", metavar="MODEL_PREFIX",
                        help="the trained network (napari-deepss's or DeepSS 0.32's): <save_dir>/<stem> of its "
                        "_model.h5 and _params.yaml files (the path of either file works too)")
    parser.add_argument("--recursive", action="store_true", help="also predict the recordings in sub-folders")
    parser.add_argument("--suffix", default=ANNOTATIONS_SUFFIX,
                        help=f"name of the output files after the recording's stem (default: {ANNOTATIONS_SUFFIX})")
    parser.add_argument("--out-dir", help="folder for the output files (default: beside each recording)")
    parser.add_argument("--summary", metavar="CSV",
                        help="where to write the summary (default: predict_summary.csv in --out-dir, or in the "
                        "folder holding all recordings)")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace existing output files, human annotation files included")
    parser.add_argument("--force", action="store_true",
                        help="predict again the recordings whose outputs are up to date (never replaces files "
                        "this command did not write; that needs --overwrite)")
    parser.add_argument("--save-probabilities", action="store_true",
                        help="also write <stem>_probabilities.npy, the class probabilities [rows, classes], and "
                        "<stem>_probabilities.json, which gives their rate (samplerate_Hz) and class names")
    parser.add_argument("--probabilities-dtype", choices=DTYPES, default=None,
                        help="number type of the saved probabilities (default: float16, half the size of float32 "
                        "and exact to about 0.0005)")
    parser.add_argument("--probabilities-rate", type=float, default=None, metavar="HZ",
                        help="save the probabilities at this lower rate: each row is the mean over a block of "
                        "round(network rate / HZ) samples (default: the network's rate; the exact rate is in the "
                        ".json file)")
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE, metavar="INT",
                        help="chunks predicted at once; more is faster and needs more memory "
                        f"(default: {DEFAULT_BATCH_SIZE})")
    parser.add_argument("--mixed-precision", choices=PRECISIONS, default="auto", help=PREDICT_HELP)
    parser.add_argument("--threads", type=int, default=0, metavar="N",
                        help=f"TensorFlow threads (with --workers: per worker); 0 (default): the {ENVIRONMENT} "
                        "environment variable if set, else the cores this process may use (CPU affinity and "
                        "container limits respected), shared among the --workers")
    cluster = parser.add_argument_group("Dask cluster (pip install 'napari-deepss[cluster]')")
    where = cluster.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, metavar="N",
                       help="predict on a local cluster of N worker processes, which share this machine's cores "
                       "(default: one process, no Dask)")
    where.add_argument("--scheduler", metavar="ADDRESS",
                       help="predict on a running Dask cluster: its scheduler's address (tcp://host:8786) or "
                       "scheduler file; every worker must see the recordings, the network and the output "
                       "folders at the same paths")
    add_arguments(parser, Terminal)
    add_arguments(parser, PostprocessOptions, title="post-processing")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    with timeline() as clock:
        return _run(args, clock)


def _run(args: argparse.Namespace, clock) -> int:
    from ..console import ConsoleProgress
    from ..corpus import FAILED, PENDING, SKIPPED, find_recordings, predict_corpus
    from ..jobs import Stopped

    if args.batch_size < 1:
        raise ValueError(f"--batch-size must be at least 1, got {args.batch_size}")
    if args.threads < 0:
        raise ValueError(f"--threads must be 0 (automatic) or more, got {args.threads}")
    probability_format = _probability_format(args)
    options = _postprocessing(args)
    recordings = find_recordings(args.sources, recursive=args.recursive)
    clock.mark("recordings found")
    verbose = Terminal.from_dict(vars(args)).verbose
    stop = threading.Event()
    bar = ConsoleProgress("predict", verbose=verbose, unit="s",
                          bar_format="{l_bar}{bar}| {n:.0f}/{total:.0f} s of audio [{elapsed}<{remaining}]")
    try:
        with bar, stop_on_first_interrupt(stop, "dss predict: stopping after the current batch"):
            outcome = predict_corpus(
                recordings, args.model_prefix, options=options, suffix=args.suffix,
                out_dir=args.out_dir, summary=args.summary, overwrite=args.overwrite, force=args.force,
                save_probabilities=args.save_probabilities, probability_format=probability_format,
                batch_size=args.batch_size, precision=args.mixed_precision, threads=args.threads or None,
                workers=args.workers, scheduler=args.scheduler,
                progress=_with_file_lines(bar, clock if verbose >= 2 else None), stop=stop)
    except Stopped as stopped:
        outcome = stopped.result
    _print_failures(outcome)
    counts = {status: outcome.count(status) for status in ("done", SKIPPED, FAILED, PENDING)}
    print(f"predicted {counts['done']}, skipped {counts[SKIPPED]} (up to date), failed {counts[FAILED]}"
          + (f", left {counts[PENDING]}" if counts[PENDING] else "") + f"; summary: {outcome.summary}")
    if counts[PENDING]:
        print("dss predict: stopped; run the same command again to predict the rest", file=sys.stderr)
        return 130
    return 1 if counts[FAILED] else 0


def _probability_format(args: argparse.Namespace) -> ProbabilityFormat:
    given = [flag for flag, value in (("--probabilities-dtype", args.probabilities_dtype),
                                      ("--probabilities-rate", args.probabilities_rate)) if value is not None]
    if given and not args.save_probabilities:
        raise ValueError(f"{' and '.join(given)} describe(s) the saved probabilities: add --save-probabilities")
    return ProbabilityFormat(args.probabilities_dtype or "float16", args.probabilities_rate)


def _postprocessing(args: argparse.Namespace) -> PostprocessOptions:
    """The network's own post-processing options (chosen on its validation data), replaced by the flags given."""
    from ..network_files import network_paths
    from ..network_params import read_params

    params = read_params(network_paths(args.model_prefix)[1])
    options = PostprocessOptions.from_params(params, given_values(args, PostprocessOptions))
    print(f"post-processing: {options.describe()}")
    return options


def _print_failures(outcome, shown: int = 20) -> None:
    from ..corpus import FAILED

    failed = [r for r in outcome.results if r.status == FAILED]
    for r in failed[:shown]:
        print(f"dss predict: failed: {r.message if str(r.recording) in r.message else f'{r.recording}: {r.message}'}",
              file=sys.stderr)
    if len(failed) > shown:
        print(f"dss predict: ... and {len(failed) - shown} more failures, listed in {outcome.summary}", file=sys.stderr)


def _with_file_lines(bar, clock=None):
    """The progress callback: the bar, and a line for each recording predicted (failures are listed at the end).

    With ``clock`` (a :class:`~napari_deepss.phase_times.Timeline`) also a line of
    where the seconds went up to the first predicted chunk.
    """
    from tqdm import tqdm

    def progress(p) -> None:
        nonlocal clock
        file = p.values.get("file")
        if file is None and clock is not None:  # a report without a file: a batch of a recording was predicted
            clock.mark("first chunk")
            tqdm.write(clock.line("first predicted chunk"), file=sys.stderr)
            clock = None
        bar(p)
        if file is None:
            return
        if file["status"] == "done":
            found = ", ".join(f"{n} {song}" for song, n in file["counts"].items()) or "no song types"
            tqdm.write(f"{os.path.basename(file['recording'])}: {found} -> {file['output']}")

    return progress
