"""``dss convert SRC DST``: annotation files between DeepSS CSV and other tools' formats.

Formats: deepss, raven, audacity, textgrid, notmat, generic-seq
(:mod:`napari_deepss.annotation_formats`). They are told by the file names
(and, for the source, the contents) where that is unambiguous, else named
with ``--from``/``--to``; a folder of files needs ``--to``.
"""

from __future__ import annotations

import argparse

from ..annotation_formats.registry import FORMATS


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "convert",
        help="convert annotation files: DeepSS CSV, Raven, Audacity, Praat TextGrid, evsonganaly .not.mat, generic-seq",
        description="Convert an annotation file, or every annotation file of one format in a folder, to another "
        "format. File names tell the formats where they can (rec1_annotations.csv, rec1.TextGrid, "
        "rec1.wav.not.mat, rec1.Table.1.selections.txt); a .txt (Raven or Audacity) or .csv (DeepSS or "
        "generic-seq) target and a target folder need --to. Song type definitions (<stem>_definitions.csv) "
        "are read and written beside the files. What a format cannot hold (e.g. events in a .not.mat) is "
        "refused before anything is written.",
    )
    parser.add_argument("source", help="annotation file, or folder of annotation files (with their recordings beside "
                                       "them when the target format stores rate or duration)")
    parser.add_argument("target", help="file to write, or folder to write one file per recording into")
    parser.add_argument("--from", dest="from_format", choices=tuple(FORMATS), help="format of the source files")
    parser.add_argument("--to", dest="to_format", choices=tuple(FORMATS), help="format to write")
    parser.add_argument("--overwrite", action="store_true", help="replace existing target files")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..annotation_formats.convert import convert

    written = convert(args.source, args.target, from_format=args.from_format, to_format=args.to_format,
                      overwrite=args.overwrite)
    for conversion in written:
        rows = sum(int((~r.annotations.is_placeholder).sum()) for r in conversion.records)
        print(f"{', '.join(map(str, conversion.sources))} -> {conversion.target} ({rows} annotation(s))")
    return 0
