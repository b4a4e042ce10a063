"""DeepSS ``das train`` options for what napari-deepss does not build: accepted by ``dss train``, refused with what to use.

So a DeepSS command line parses, and an option that would change the network
or the run in a way napari-deepss cannot honour stops the run with a message
instead of being dropped silently. Given its neutral value (the DeepSS default
that changes nothing), an option here is accepted and does nothing. This table
is the one place these options are listed.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import Any

from ..options import parse_bool

_NO_RESNET = ("napari-deepss builds no ResNet frontend: use the trainable STFT frontend (--nb-pre-conv 4 for 16x "
              "downsampling)")
_NO_WANDB = "napari-deepss does not log to Weights & Biases: use --tensorboard (TensorBoard logs in the save folder)"
_NO_MORPH = ("napari-deepss builds no morphological smoothing layer: short gaps and fragments are removed by the "
             "post-processing chosen on the validation data (--post-opt, on by default)")

#: option -> (type, neutral value, why it is refused and what to use instead)
REFUSED: dict[str, tuple[Any, Any, str]] = {
    "nb_lstm_units": (int, 0, "napari-deepss builds no LSTM layer: for more temporal context use a longer chunk "
                      "(--nb-hist) or more TCN blocks (--nb-conv)"),
    "with_y_hist": (parse_bool, True, "napari-deepss networks label every sample of a chunk (with_y_hist True); "
                    "there is no network that labels only the chunk's middle sample"),
    "resnet_compute": (parse_bool, False, _NO_RESNET),
    "resnet_train": (parse_bool, False, _NO_RESNET),
    "tmse_weight": (float, 0.0, "napari-deepss does not train with DeepSS's truncated-MSE smoothing loss: short gaps "
                    "and fragments are removed by the post-processing chosen on the validation data (--post-opt, on "
                    "by default)"),
    "morph_kernel_duration": (int, 0, _NO_MORPH),
    "morph_nb_kernels": (int, 0, _NO_MORPH),
    "wandb_api_token": (str, "", _NO_WANDB),
    "wandb_project": (str, "", _NO_WANDB),
    "wandb_entity": (str, "", _NO_WANDB),
}


def add_refused_arguments(parser: argparse.ArgumentParser) -> None:
    """The refused options as flags, grouped and marked as not supported in ``--help``."""
    group = parser.add_argument_group("DeepSS options napari-deepss does not support (refused unless neutral)")
    for name, (kind, neutral, why) in REFUSED.items():
        flag = "--" + name.replace("_", "-")
        if kind is parse_bool:
            group.add_argument(flag, dest=name, nargs="?", const=True, type=parse_bool, metavar="True|False",
                               default=argparse.SUPPRESS, help=f"{why}.")
            group.add_argument("--no-" + name.replace("_", "-"), dest=name, action="store_const", const=False,
                               default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        else:
            group.add_argument(flag, dest=name, type=kind, default=argparse.SUPPRESS,
                               metavar=kind.__name__.upper(), help=f"{why}.")


def refusal(values: Mapping[str, Any]) -> str | None:
    """Why the first refused option in ``values`` (parsed flags, a params or settings file) cannot be used, or None."""
    for name, (_, neutral, why) in REFUSED.items():
        value = values.get(name)
        if value is not None and value != neutral:
            return f"{name}={value!r}: {why}"
    return None
