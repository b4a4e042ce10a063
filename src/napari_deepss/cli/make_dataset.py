"""``dss make-dataset``: a folder of annotated recordings -> a DeepSS dataset folder.

The flags are generated from :class:`~napari_deepss.dataset.DatasetOptions`
(``--event-std-seconds`` sets ``event_std_seconds``), so they carry the names,
defaults and help of the core function and the dock widget.
"""

from __future__ import annotations

import argparse

from ..dataset.options import DatasetOptions
from ..options import add_arguments


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
    add_arguments(parser, DatasetOptions, bool_values=False)  # DATA_FOLDER is positional
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..console import ConsoleProgress
    from ..dataset import make_dataset

    options = DatasetOptions.from_dict(vars(args)).to_dict()
    with ConsoleProgress("make dataset", unit="sample", unit_scale=True) as progress:
        summary = make_dataset(args.data_folder, args.store_folder, overwrite=args.overwrite, progress=progress,
                               **options)
    print(summary.describe())
    return 0
