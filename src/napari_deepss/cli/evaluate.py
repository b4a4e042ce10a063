"""``dss evaluate``: how good are the predictions? A table on the terminal and a YAML/JSON report."""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

from ..annotations import ANNOTATIONS_SUFFIX
from ..errors import FileFormatError
from ..evaluate import DEFAULT_TOLERANCE
from ..options import add_arguments, given_values
from ..postprocess import PostprocessOptions
from ..prediction import DEFAULT_BATCH_SIZE

DESCRIPTION = f"""\
Score predictions against true annotations, in one of two ways:

  dss evaluate MODEL_PREFIX DATASET.npy
      predict each recording's part of the dataset's test split with the trained network and compare it
      with the recording's annotation file (from the dataset's data folder);
  dss evaluate --true TRUE --predicted PREDICTED
      compare annotation files: two CSV files, or two folders in which <stem>{ANNOTATIONS_SUFFIX} (true)
      pairs with <stem>SUFFIX (predicted, --predicted-suffix).

Reports event precision/recall/F1 per event type (events matched one-to-one within --tolerance),
segment onset and offset precision/recall/F1, syllable label accuracy and syllable error rate (edit
distance of the label sequences / number of true syllables), and the sample-wise confusion matrix with
per-class precision/recall/F1. The report is saved as YAML, or JSON if --output ends in .json.
"""


def register(subparsers) -> None:
    parser = subparsers.add_parser("evaluate", help="score predictions against true annotations",
                                   description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model_prefix", nargs="?", metavar="MODEL_PREFIX", help="trained network (<save_dir>/<stem>)")
    parser.add_argument("dataset", nargs="?", metavar="DATASET", help="dataset folder (<name>.npy) with a test split")
    parser.add_argument("--true", help="true annotation CSV, or a folder of <stem>_annotations.csv")
    parser.add_argument("--predicted", help="predicted annotation CSV, or a folder of them")
    parser.add_argument("--predicted-suffix", default=ANNOTATIONS_SUFFIX,
                        help=f"name of the predicted files after the stem, for folders (default: {ANNOTATIONS_SUFFIX})")
    parser.add_argument("--tolerance", type=float, default=DEFAULT_TOLERANCE, metavar="SECONDS",
                        help=f"largest time difference of a matched event or boundary (default: {DEFAULT_TOLERANCE})")
    parser.add_argument("--output", help="report file, .yaml or .json (default: <MODEL_PREFIX>_evaluation.yaml, or "
                        "evaluation.yaml beside the predicted annotations)")
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE, metavar="INT",
                        help=f"chunks predicted at once (default: {DEFAULT_BATCH_SIZE})")
    parser.add_argument("--report", metavar="DIR", help="also write figures (confusion matrices, per song type "
                        "precision/recall/F1, boundary errors, the network's losses) as PNG files and index.html here")
    add_arguments(parser, PostprocessOptions, title="post-processing (default: the network's own, chosen on its "
                  "validation data when it was trained; flags given here replace them)")
    parser.set_defaults(func=run)


def annotation_pairs(true: Path, predicted: Path, suffix: str) -> list[tuple[Path, Path]]:
    """``(true csv, predicted csv)`` pairs: the two files, or files of two folders paired by stem."""
    if true.is_file() and predicted.is_file():
        return [(true, predicted)]
    if not (true.is_dir() and predicted.is_dir()):
        raise FileFormatError(true if not true.exists() else predicted,
                              "give two annotation files or two folders (--true and --predicted)")
    pairs = []
    for path in sorted(true.glob(f"*{ANNOTATIONS_SUFFIX}")):
        candidate = predicted / (path.name.removesuffix(ANNOTATIONS_SUFFIX) + suffix)
        if candidate.is_file() and candidate != path:
            pairs.append((path, candidate))
    if not pairs:
        raise FileFormatError(predicted, f"no <stem>{suffix} here pairs with a <stem>{ANNOTATIONS_SUFFIX} in {true}")
    return pairs


def run(args: argparse.Namespace) -> int:
    from ..console import ConsoleProgress
    from ..evaluate import evaluate_dataset, evaluate_files

    files_mode = args.true is not None or args.predicted is not None
    if files_mode == (args.model_prefix is not None):
        raise ValueError("give either MODEL_PREFIX DATASET, or --true and --predicted")
    if files_mode:
        if args.true is None or args.predicted is None:
            raise ValueError("--true and --predicted go together")
        pairs = annotation_pairs(Path(args.true), Path(args.predicted), args.predicted_suffix)
        evaluation = evaluate_files(pairs, tolerance=args.tolerance)
        predicted = Path(args.predicted)
        default_output = predicted / "evaluation.yaml" if predicted.is_dir() else \
            predicted.with_name(predicted.name.removesuffix(".csv") + "_evaluation.yaml")
    else:
        if args.dataset is None:
            raise ValueError("give the dataset folder (<name>.npy) after MODEL_PREFIX")
        from ..prediction import resolve_model

        model, params = resolve_model(args.model_prefix)
        options = PostprocessOptions.from_params(params, given_values(args, PostprocessOptions))
        print(f"post-processing: {options.describe()}")
        with ConsoleProgress("predict test split", unit="sample", unit_scale=True) as progress:
            evaluation = evaluate_dataset((model, params), args.dataset, tolerance=args.tolerance, options=options,
                                          batch_size=args.batch_size, progress=progress)
        history = params.get("history")
        default_output = Path(str(args.model_prefix).removesuffix("_model.h5") + "_evaluation.yaml")
    report = evaluation.to_dict()
    print(format_report(report))
    output = Path(args.output) if args.output else default_output
    save_report(report, output)
    print(f"report saved to {output}")
    if args.report:
        from ..report import write_report

        page = write_report(args.report, evaluation, history=None if files_mode else history,
                            title=f"{args.model_prefix or args.predicted} against {args.dataset or args.true}",
                            postprocessing=None if files_mode else f"used: {options.describe()}")
        print(f"figures and {page.name} written to {page.parent}")
    return 0


def _plain(value):
    """NaN -> None, recursively, so that YAML and JSON both read it as null."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def save_report(report: dict, path: Path) -> None:
    import yaml

    from ..atomic import atomic_path

    if path.suffix.lower() == ".json":
        text = json.dumps(_plain(report), indent=2)
    elif path.suffix.lower() in (".yaml", ".yml"):
        text = yaml.safe_dump(_plain(report), sort_keys=False)
    else:
        raise FileFormatError(path, "the report is written as .yaml, .yml or .json: choose one of these suffixes")
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def _number(value) -> str:
    return "  n/a" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:5.3f}"


def format_report(report: dict) -> str:
    """The report as a plain-text table."""
    ms = report["tolerance_seconds"] * 1000
    head = f"{'':28}{'precision':>10}{'recall':>8}{'f1':>7}{'tp':>7}{'fp':>7}{'fn':>7}"
    lines = [f"{report['recordings']} recording(s), tolerance {ms:g} ms", head]

    def row(label, s):
        lines.append(f"{label:28}{_number(s['precision']):>10}{_number(s['recall']):>8}{_number(s['f1']):>7}"
                     f"{s['true_positives']:>7}{s['false_positives']:>7}{s['false_negatives']:>7}")

    for name, scores in report["events"].items():
        row(f"event {name}", scores)
    if "segment_onsets" in report:
        row("segment onsets", report["segment_onsets"])
        row("segment offsets", report["segment_offsets"])
        s = report["syllables"]
        lines.append(f"syllables: {s['n_true']} true, label accuracy {_number(s['label_accuracy'])}, "
                     f"syllable error rate {_number(s['syllable_error_rate'])}")
    samples = report["samples"]
    lines += ["", f"sample-wise (accuracy {_number(samples['accuracy'])}){'precision':>11}{'recall':>8}{'f1':>7}"
              f"{'support':>10}"]
    for name, s in samples["report"].items():
        lines.append(f"  {name:26}{_number(s['precision']):>10}{_number(s['recall']):>8}{_number(s['f1']):>7}"
                     f"{s['support']:>10}")
    return "\n".join(lines)
