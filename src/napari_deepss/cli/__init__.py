"""The ``dss`` command line: the same work as the napari widgets, headless.

Each sub-command lives in its own module with ``register(subparsers)``, which
adds its parser and sets ``func`` to a ``run(args) -> int`` callable. Modules
import heavy libraries (TensorFlow, napari) only inside ``run``, so that
``dss --help`` stays fast and works on a node without a display.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import sys

from .._version import __version__
from ..errors import FileFormatError, MissingExtra

SUBCOMMAND_MODULES: tuple[str, ...] = ("make_dataset", "train", "predict", "evaluate", "convert")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dss",
        description="DeepSS song segmentation: make datasets, train, predict and evaluate, without a display.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    for name in SUBCOMMAND_MODULES:
        importlib.import_module(f"{__name__}.{name}").register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help()
        return 0
    with _notes_on_stderr():
        try:
            return int(args.func(args) or 0)
        except (FileFormatError, FileExistsError, FileNotFoundError, ValueError, MissingExtra) as err:
            print(f"dss: error: {err}", file=sys.stderr)
            return 2
        except OSError as err:  # the system refused (permissions, a full disk...); the message names the file
            print(f"dss: error: {err}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("dss: interrupted", file=sys.stderr)
            return 130


@contextlib.contextmanager
def _notes_on_stderr():
    """Print the package's log warnings (e.g. stale temporaries removed) as ``dss: ...`` lines while a command runs."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("dss: %(message)s"))
    logger = logging.getLogger("napari_deepss")
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
