"""TrainConfig: the one definition of every training option.

Each field carries its default (the DeepSS default), a ``help`` text (CLI help
and GUI tooltip), a ``group`` (``data``, ``network``, ``training`` or
``advanced``) and a ``label`` (the wording of the DeepSS Train dialog). The
``dss train`` flags, ``to_argv`` (the exported command line), ``to_dict`` (the
``_params.yaml``) and the Train dock widget are all generated from it, so a new
option is one line here. This module must not import TensorFlow.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

GROUPS = ("data", "network", "training", "advanced")
MODEL_NAMES = ("tcn", "tcn_stft")
VERBOSITY = (0, 1, 2)

_TRUE = {"true", "1", "yes", "y", "on"}
_FALSE = {"false", "0", "no", "n", "off"}


def option(default: Any, help: str, group: str, label: str, **extra: Any) -> Any:
    """A dataclass field with the metadata the CLI and the GUI are generated from.

    ``extra`` may hold ``choices`` (allowed values) for a drop-down.
    """
    if group not in GROUPS:
        raise ValueError(f"unknown option group {group!r}")
    metadata = {"help": help, "group": group, "label": label, **extra}
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), metadata=metadata)
    return field(default=default, metadata=metadata)


@dataclass
class TrainConfig:
    """Every option of a training run, with DeepSS defaults."""

    # data
    data_dir: str = option("", "Dataset folder made by 'dss make-dataset' (name ends in .npy).", "data",
                           "Data folder")
    save_dir: str = option("", "Folder for the model, parameters and test results. "
                           "Defaults to the data folder with .npy replaced by .res.", "data", "Save folder")
    save_prefix: str = option("", "Prefix of the saved files; files are named "
                              "<prefix>_<YYYYMMDD_hhmmss>_model.h5 etc. (no prefix: the time stamp only).",
                              "data", "Prefix for saved files")
    y_suffix: str = option("", "Song type to train on: uses the individual target y_<type>.npy of the dataset. "
                           "Empty: all annotated song types (y.npy).", "data", "Song type")
    fraction_data: float = option(1.0, "Fraction (0-1] of the training and validation data to use, as one random "
                                  "contiguous stretch per split; the test split is always used whole.", "data",
                                  "Data fraction")
    seed: int | None = option(None, "Random seed that makes the choice of the data fraction, the initial weights "
                              "and the order of the chunks reproducible (none: different every run).", "data", "Seed")
    # network
    model_name: str = option("tcn", "Network architecture: temporal convolutional network ('tcn'; 'tcn_stft' is "
                             "DeepSS's name for the same network with the STFT frontend, which nb_pre_conv > 0 "
                             "turns on).", "network", "Network", choices=MODEL_NAMES)
    nb_hist: int = option(1024, "Number of samples processed at once by the network (chunk duration). An upper "
                          "bound of the audio context available to the network.", "network",
                          "Chunk duration (samples)")
    nb_filters: int = option(16, "Number of filters in each layer of the network. Vary between 16 and 32; fewer "
                             "typically decrease performance, more rarely help.", "network", "Number of filters")
    kernel_size: int = option(16, "Duration of each filter in samples. Should match the duration of the lowest "
                              "level song feature (e.g. the carrier when training on raw audio without a "
                              "downsampling frontend).", "network", "Filter duration (samples)")
    nb_conv: int = option(3, "Number of TCN blocks. Deeper networks extract more derived sound features; "
                          "2 to 6 blocks work well.", "network", "Number of TCN blocks")
    use_separable: list[bool] = option([False], "Which TCN blocks use convolutions separable by time and channel "
                                       "(useful for multi-channel audio only): one True/False per block, e.g. "
                                       "'True False False'; a single value applies to every block.", "network",
                                       "Separable TCN blocks")
    dilations: list[int] = option([1, 2, 4, 8, 16], "Dilation rates of the residual layers in each TCN block.",
                                  "advanced", "Dilations")
    ignore_boundaries: bool = option(True, "Minimise edge effects: the first and last kernel_size*nb_conv samples "
                                     "of each chunk carry no loss and chunks overlap by that much.", "network",
                                     "Ignore chunk boundaries")
    nb_pre_conv: int = option(0, "Trainable STFT downsampling frontend: downsample factor = 2**nb_pre_conv "
                              "(4 = 16x). 0: no frontend. Single-channel audio is where it helps most.", "network", "Downsampling frontend (log2 of factor)")
    pre_nb_dft: int = option(64, "Duration (samples) of the STFT filters of the frontend; the frontend has "
                             "pre_nb_dft // 2 + 1 frequencies.", "network", "Frontend STFT duration (samples)")
    pre_nb_filters: int = option(16, "Number of filters per layer in the frontend.", "network",
                                 "Frontend number of filters")
    pre_kernel_size: int = option(3, "Duration (samples) of the filters in the frontend.", "network",
                                  "Frontend filter duration (samples)")
    # training
    learning_rate: float = option(0.0005, "By how much the parameters change in every step. Too small and "
                                  "training takes very long, too large and it diverges; 0.1 to 0.0001 "
                                  "typically work.", "training", "Learning rate")
    reduce_lr: bool = option(False, "Reduce the learning rate when the validation loss stops improving.",
                             "training", "Reduce learning rate")
    reduce_lr_patience: int = option(5, "Epochs without a lower validation loss before the learning rate is "
                                     "reduced.", "training", "Reduce learning rate patience")
    batch_size: int = option(32, "Number of chunks per training step.", "training", "Batch size")
    nb_epoch: int = option(400, "Maximum number of training epochs. Training stops early when the validation "
                           "loss did not decrease in the last 20 epochs; 10 epochs often suffice for a fast "
                           "first network.", "training", "Number of epochs")
    tensorboard: bool = option(False, "Write TensorBoard logs to the save folder for monitoring training.",
                               "training", "Create tensorboard logs")
    # advanced
    verbose: int = option(2, "Terminal output: 0 none, 1 a progress bar per epoch, 2 a progress bar and a line "
                          "of losses per epoch.", "advanced", "Verbosity", choices=VERBOSITY)
    multi_gpu: bool = option(False, "Spread training over all visible GPUs with tf.distribute.MirroredStrategy "
                             "(without a GPU: over the logical CPU devices).",
                             "advanced", "Use all GPUs")
    jit_compile: bool = option(False, "Compile the training step with XLA. Measured 3-14x slower on the CPU (oneDNN "
                               "kernels win), so off by default; may help on a GPU. Not used with several devices.",
                               "advanced", "Compile with XLA")

    # --- derived values -------------------------------------------------------------------------------------

    @property
    def data_padding(self) -> int:
        """Samples at each chunk edge that carry no loss (0 without ignore_boundaries)."""
        return int(math.ceil(self.kernel_size * self.nb_conv)) if self.ignore_boundaries else 0

    @property
    def stride(self) -> int:
        """Step between chunk starts: chunks overlap by twice the padding, so every sample is learned from."""
        return self.nb_hist - 2 * self.data_padding

    @property
    def downsample_factor(self) -> int:
        return 2**self.nb_pre_conv

    @property
    def save_path(self) -> Path:
        """The save folder: ``save_dir`` or, when empty, the data folder with ``.npy`` -> ``.res``."""
        return Path(self.save_dir) if self.save_dir else default_save_dir(self.data_dir)

    def separable_blocks(self) -> list[bool]:
        """``use_separable`` with one flag per TCN block (a single flag applies to all)."""
        if len(self.use_separable) == 1:
            return self.use_separable * self.nb_conv
        return list(self.use_separable)

    # --- checks and conversions ------------------------------------------------------------------------------

    def validate(self) -> TrainConfig:
        """Raise ValueError naming the option when a value cannot work; return self."""
        if not self.data_dir:
            raise ValueError("data_dir: give the dataset folder (made by 'dss make-dataset')")
        positive = ("nb_hist", "nb_filters", "kernel_size", "nb_conv", "pre_nb_dft", "pre_nb_filters",
                    "pre_kernel_size", "reduce_lr_patience", "batch_size", "nb_epoch")
        for name in positive:
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be a positive number, got {getattr(self, name)}")
        if self.model_name not in MODEL_NAMES:
            raise ValueError(f"model_name must be one of {', '.join(MODEL_NAMES)}, got {self.model_name!r}")
        if len(self.use_separable) not in (1, self.nb_conv):
            raise ValueError(f"use_separable needs one value per TCN block (nb_conv={self.nb_conv}), "
                             f"got {len(self.use_separable)}: {self.use_separable}")
        if not self.dilations or min(self.dilations) <= 0:
            raise ValueError(f"dilations must be positive numbers, got {self.dilations}")
        if not 0 < self.fraction_data <= 1:
            raise ValueError(f"fraction_data must be in (0, 1], got {self.fraction_data}")
        if not self.learning_rate > 0:
            raise ValueError(f"learning_rate must be positive, got {self.learning_rate}")
        if self.nb_pre_conv < 0:
            raise ValueError(f"nb_pre_conv must be 0 or more, got {self.nb_pre_conv}")
        if self.nb_hist % self.downsample_factor:
            raise ValueError(f"nb_hist ({self.nb_hist}) must be a multiple of the downsample factor "
                             f"2**nb_pre_conv = {self.downsample_factor}")
        if self.nb_pre_conv and self.pre_nb_dft < self.downsample_factor:
            raise ValueError(f"pre_nb_dft ({self.pre_nb_dft}) must be at least the downsample factor "
                             f"{self.downsample_factor}, otherwise samples between frames are never seen")
        if self.stride <= 0:
            raise ValueError(f"nb_hist ({self.nb_hist}) must be longer than twice the ignored boundary "
                             f"(2 * kernel_size * nb_conv = {2 * self.data_padding}): increase nb_hist, reduce "
                             "kernel_size or nb_conv, or turn off ignore_boundaries")
        if self.verbose not in VERBOSITY:
            raise ValueError(f"verbose must be one of {VERBOSITY}, got {self.verbose}")
        return self

    def to_dict(self) -> dict[str, Any]:
        """Plain, YAML-safe values (str, int, float, bool, None, lists)."""
        return {f.name: yaml_safe(getattr(self, f.name)) for f in dataclasses.fields(self)}

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TrainConfig:
        """Build from a dict such as a loaded ``_params.yaml``; keys that are not options are ignored."""
        hints = field_types()
        return cls(**{name: _coerce(name, values[name], hints[name]) for name in hints if name in values})


def default_save_dir(data_dir: str | Path) -> Path:
    """DeepSS convention: ``song.npy`` -> ``song.res`` (other names get ``.res`` appended)."""
    data = Path(data_dir)
    return data.with_suffix(".res") if data.suffix == ".npy" else data.with_name(data.name + ".res")


def parse_bool(text: str | bool) -> bool:
    """'True'/'False' (and yes/no, 1/0, on/off) as argparse and YAML users write them."""
    if isinstance(text, bool):
        return text
    value = str(text).strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise argparse.ArgumentTypeError(f"expected True or False, got {text!r}")


def field_types() -> dict[str, str]:
    """Option name -> one of 'bool', 'int', 'float', 'str', 'list[bool]', 'list[int]', 'int|None'."""
    kinds = {}
    for name, hint in typing.get_type_hints(TrainConfig).items():
        args = typing.get_args(hint)
        if typing.get_origin(hint) is list:
            kinds[name] = f"list[{args[0].__name__}]"
        elif type(None) in args:
            kinds[name] = f"{[a for a in args if a is not type(None)][0].__name__}|None"
        else:
            kinds[name] = hint.__name__
    return kinds


_SCALAR = {"bool": parse_bool, "int": int, "float": float, "str": str}


def _scalar_type(kind: str):
    return _SCALAR[kind.removeprefix("list[").removesuffix("]").removesuffix("|None")]


def _coerce(name: str, value: Any, kind: str) -> Any:
    convert = _scalar_type(kind)
    try:
        if kind.startswith("list["):
            items = value if isinstance(value, (list, tuple)) else [value]
            return [convert(item) for item in items]
        if value is None and kind.endswith("|None"):
            return None
        if kind == "int" and isinstance(value, float) and not value.is_integer():
            raise ValueError("not a whole number")
        return convert(value)
    except (TypeError, ValueError, argparse.ArgumentTypeError) as err:
        raise ValueError(f"{name}: cannot use {value!r} ({err})") from None


def yaml_safe(value: Any) -> Any:
    """``value`` as types ``yaml.safe_dump`` writes without Python tags (numpy scalars/arrays, tuples, paths)."""
    if isinstance(value, dict):
        return {str(key): yaml_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [yaml_safe(item) for item in value]
    if isinstance(value, np.generic):
        return yaml_safe(value.item())
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return value


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


# --- command line ------------------------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add one flag per option; booleans get ``--flag``, ``--no-flag`` and ``--flag True/False``.

    Flags left out keep no value in the namespace (``argparse.SUPPRESS``), so
    :func:`config_from_args` falls back to the dataclass default.
    """
    kinds = field_types()
    defaults = TrainConfig()
    for f in dataclasses.fields(TrainConfig):
        kind, meta = kinds[f.name], f.metadata
        default = getattr(defaults, f.name)
        shown = " ".join(map(str, default)) if isinstance(default, list) else default
        help_text = (meta["help"] if shown in ("", None) else f"{meta['help']} (default: {shown})").replace("%", "%%")
        common = {"dest": f.name, "default": argparse.SUPPRESS}
        if "choices" in meta:
            common["choices"] = meta["choices"]
        if kind == "bool":
            parser.add_argument(_flag(f.name), nargs="?", const=True, type=parse_bool, metavar="True|False",
                                help=help_text, **common)
            parser.add_argument(_flag("no_" + f.name), action="store_const", const=False, dest=f.name,
                                default=argparse.SUPPRESS, help=f"Same as {_flag(f.name)} False.")
        elif kind.startswith("list["):
            parser.add_argument(_flag(f.name), nargs="+", type=_scalar_type(kind), help=help_text, **common)
        else:
            required = f.name == "data_dir"
            parser.add_argument(_flag(f.name), type=_scalar_type(kind), required=required, help=help_text,
                                **common)


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    """The TrainConfig of parsed ``dss train`` flags, validated."""
    names = [f.name for f in dataclasses.fields(TrainConfig)]
    return TrainConfig(**{name: getattr(args, name) for name in names if hasattr(args, name)}).validate()


def to_argv(config: TrainConfig) -> list[str]:
    """The ``dss train`` flags that reproduce ``config`` (options that are None or '' are left at default)."""
    argv: list[str] = []
    for name, value in config.to_dict().items():
        if value is None or value == "":
            continue
        if isinstance(value, bool):
            argv.append(_flag(name) if value else _flag("no_" + name))
        elif isinstance(value, list):
            argv += [_flag(name), *map(str, value)]
        else:
            argv += [_flag(name), repr(value) if isinstance(value, float) else str(value)]
    return argv
