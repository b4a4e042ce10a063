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
        description="Make a DeepSS training dataset from one or several folders of recordings (wav, flac, npz, h5) "
        "with <stem>_annotations.csv beside each (--recursive: in their sub-folders too). Recordings without "
        "annotations are skipped; recordings are named by their stem, which must be unique over all folders. "
        "Annotations of other tools convert to DeepSS CSVs with 'dss convert'.",
    )
    parser.add_argument("data_folder", help="folder with the recordings and their annotation files")
    parser.add_argument("more_data_folders", nargs="*", metavar="DATA_FOLDER", help="more such folders")
    parser.add_argument("--store-folder", help="dataset folder to write, ending in .npy (default: DATA_FOLDER.npy; "
                                               "needed with several folders)")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing store folder")
    add_arguments(parser, DatasetOptions, bool_values=False)  # DATA_FOLDER is positional
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..console import ConsoleProgress
    from ..dataset import make_dataset

    options = DatasetOptions.from_dict(vars(args)).to_dict()
    with ConsoleProgress("make dataset", unit="sample", unit_scale=True) as progress:
        summary = make_dataset([args.data_folder, *args.more_data_folders], args.store_folder, overwrite=args.overwrite, progress=progress,
                               **options)
    print(summary.describe())
    return 0
