"""``dss make-dataset``: a folder of annotated recordings -> a DeepSS dataset folder.

The flags are generated from :class:`~napari_deepss.dataset.DatasetOptions`
(``--event-std-seconds`` sets ``event_std_seconds``), so they carry the names,
defaults and help of the core function and the dock widget.
"""

from __future__ import annotations

import argparse
import dataclasses

from ..dataset.options import DatasetOptions


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "make-dataset",
        help="make a training dataset (<name>.npy) from recordings with <stem>_annotations.csv",
        description="Make a DeepSS training dataset from a folder of recordings (wav, flac, npz, h5) "
        "with <stem>_annotations.csv beside each. Recordings without annotations are skipped.",
    )
    parser.add_argument("data_folder", help="folder with the recordings and their annotation files")
    parser.add_argument("--store-folder", help="dataset folder to write, ending in .npy (default: DATA_FOLDER.npy)")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing store folder")
    for option in DatasetOptions.fields():
        _add_option(parser, option)
    parser.set_defaults(func=run)


def _add_option(parser: argparse.ArgumentParser, option: dataclasses.Field) -> None:
    flag = "--" + option.name.replace("_", "-")
    help_text = f"{option.metadata['help']} (default: {option.default})"
    kind = type(option.default)
    if kind is bool:
        parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=option.default, help=help_text)
        return
    parser.add_argument(flag, type=kind, default=option.default, choices=option.metadata.get("choices"),
                        metavar=None if "choices" in option.metadata else kind.__name__.upper(), help=help_text)


def run(args: argparse.Namespace) -> int:
    from ..console import ConsoleProgress
    from ..dataset import make_dataset

    options = {option.name: getattr(args, option.name) for option in DatasetOptions.fields()}
    with ConsoleProgress("make dataset", unit="sample", unit_scale=True) as progress:
        summary = make_dataset(args.data_folder, args.store_folder, overwrite=args.overwrite, progress=progress,
                               **options)
    print(summary.describe())
    return 0
