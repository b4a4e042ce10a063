"""TrainConfig: the one definition of every training option.

Each field is made by :func:`napari_deepss.options.option`: its default (the
DeepSS default), ``label`` (the wording of the DeepSS Train dialog), ``help``
(CLI help and GUI tooltip) and ``group`` (``data``, ``network``, ``training``
or ``advanced``). The network's options are inherited from
:class:`~napari_deepss.models.spec.NetworkOptions` (so they reach the model
builder by name), the data options from :class:`TrainingDataOptions` (so they
come first). The ``dss train`` flags, ``to_argv`` (the exported command line),
``to_dict`` (the ``_params.yaml``) and the Train dock widget are all generated
from it, so a new option is one line here. This module must not import
TensorFlow.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..models.precision import HELP as PRECISION_HELP
from ..models.precision import PRECISIONS
from ..models.spec import NetworkOptions
from ..options import ADVANCED, Options, option

GROUPS = ("data", "network", "training", ADVANCED)
VERBOSITY = (0, 1, 2)


@dataclass(frozen=True)
class TrainingDataOptions(Options):
    """The data a training run reads and where it writes: the first options of a TrainConfig."""

    data_dir: str = option("", "Data folder", "Dataset folder made by 'dss make-dataset' (name ends in .npy).",
                           group="data")
    save_dir: str = option("", "Save folder", "Folder for the model, parameters and test results. Defaults to the "
                           "data folder with .npy replaced by .res.", group="data")
    save_prefix: str = option("", "Prefix for saved files", "Prefix of the saved files; files are named "
                              "<prefix>_<YYYYMMDD_hhmmss>_model.h5 etc. (no prefix: the time stamp only).",
                              group="data")
    save_name: str = option("", "Name of saved files", "Name of the saved files after the prefix instead of the time "
                            "stamp (<prefix>_<name>_model.h5...); files of that name are never replaced.",
                            group=ADVANCED)
    y_suffix: str = option("", "Song type", "Song type to train on: uses the individual target y_<type>.npy of the "
                           "dataset. Empty: all annotated song types (y.npy).", group="data", aliases=("-y",))
    x_suffix: str = option("", "Audio suffix", "Audio to train on: x_<suffix>.npy of each split instead of x.npy "
                           "(e.g. preprocessed audio added to the dataset).", group=ADVANCED, aliases=("-x",))
    fraction_data: float = option(1.0, "Data fraction", "Fraction (0-1] of the training and validation data to use, "
                                  "as one random contiguous stretch per split (the test split is always used whole); "
                                  "a number above 1 is seconds of training data, and the same share of the "
                                  "validation data.", group="data", minimum=0.0)
    batch_level_subsampling: bool = option(False, "Subsample chunks", "With a data fraction below 1: use that "
                                           "fraction of randomly chosen chunks from the whole splits instead of one "
                                           "contiguous stretch.", group=ADVANCED)
    first_sample_train: int | None = option(None, "First training sample", "First sample of the train split to use "
                                            "(none: its start). The four first/last sample options replace the "
                                            "data fraction for their split.", group=ADVANCED, minimum=0)
    last_sample_train: int | None = option(None, "Last training sample", "Sample of the train split where the used "
                                           "stretch ends, exclusive (none: its end).", group=ADVANCED, minimum=1)
    first_sample_val: int | None = option(None, "First validation sample", "First sample of the val split to use "
                                          "(none: its start).", group=ADVANCED, minimum=0)
    last_sample_val: int | None = option(None, "Last validation sample", "Sample of the val split where the used "
                                         "stretch ends, exclusive (none: its end).", group=ADVANCED, minimum=1)
    seed: int | None = option(None, "Seed", "Random seed that makes the choice of the data fraction, the initial "
                              "weights, the order of the chunks and the augmentations reproducible (none: different "
                              "every run).", group="data", minimum=0)
    version_data: bool = option(True, "Version training data", "Save the MD5 hash of the dataset folder in "
                                "_params.yaml (data_hash), to tell later which data a network was trained on.",
                                group=ADVANCED)


@dataclass(frozen=True)
class TrainConfig(NetworkOptions, TrainingDataOptions):
    """Every option of a training run, with DeepSS defaults: data, network, training and advanced options."""

    # network (besides the architecture's options)
    ignore_boundaries: bool = option(True, "Ignore chunk boundaries", "Minimise edge effects: the first and last "
                                     "kernel_size*nb_conv samples of each chunk carry no loss and chunks overlap by "
                                     "that much.", group="network", aliases=("-i",))
    nb_stacks: int = option(2, "Number of stacks (unused)", "Accepted for DeepSS's commands and, as in DeepSS, unused "
                            "by the TCN networks: their number of TCN blocks is nb_conv.", group=ADVANCED, minimum=1)
    # training
    learning_rate: float = option(0.0005, "Learning rate", "By how much the parameters change in every step. Too "
                                  "small and training takes very long, too large and it diverges; 0.1 to 0.0001 "
                                  "typically work.", group="training")
    reduce_lr: bool = option(False, "Reduce learning rate", "Reduce the learning rate when the validation loss stops "
                             "improving.", group="training")
    reduce_lr_patience: int = option(5, "Reduce learning rate patience", "Epochs without a lower validation loss "
                                     "before the learning rate is reduced.", group="training", minimum=1)
    batch_size: int = option(32, "Batch size", "Number of chunks per training step.", group="training", minimum=1)
    nb_epoch: int = option(400, "Number of epochs", "Maximum number of training epochs. Training stops early when "
                           "the validation loss did not decrease in the last 20 epochs; 10 epochs often suffice for a "
                           "fast first network.", group="training", minimum=1)
    init_model: str = option("", "Start from network", "Continue training from a trained network's weights: its "
                             "prefix <save_dir>/<stem> (or its _model.h5), napari-deepss's or DeepSS 0.32's (kept on "
                             "DeepSS's layers). Its network options are required (the "
                             "dss train flags default to them); song types may be added (the output layer grows, "
                             "known types keep their weights). Empty: start from scratch.", group="training")
    balance: bool = option(False, "Balance classes", "Weight each sample's loss by the inverse frequency of its class "
                           "in the training data. Helps if song is extremely sparse.", group="training")
    augmentations: str = option("", "Augmentations", "YAML file of augmentations applied to the training chunks on "
                                "the fly (never to validation), in DeepSS's format: Gain, Offset, MaskNoise, MaskMean, "
                                "CircShift, NotchFilter, HorizontalFlip, Upsampling, NormalizeMax/Percentile/Std, with "
                                "constant or random ({Uniform: {lower, upper}}, {Normal: {mean, std}}) arguments.",
                                group="training", aliases=("-a",))
    tensorboard: bool = option(False, "Create tensorboard logs", "Write TensorBoard logs to the save folder for "
                               "monitoring training.", group="training")
    # choice of the post-processing and report, after training
    post_opt: bool = option(True, "Choose post-processing", "After training, choose the segment threshold, fill gap, "
                            "minimum length and boundary shifts, and the event threshold and distance, that score "
                            "best on the validation recordings (onset/offset F1 and syllable error rate; event F1 at "
                            "10 ms). Prediction and evaluation use them unless told otherwise.", group="training")
    post_opt_fill_gaps_min: float = option(0.0005, "Shortest fill gap tried (s)", "Fill gaps tried by the choice: "
                                           "none, and from this to the longest, spaced geometrically.", group=ADVANCED,
                                           minimum=1e-6)
    post_opt_fill_gaps_max: float = option(1.0, "Longest fill gap tried (s)", "See the shortest fill gap tried.",
                                           group=ADVANCED, minimum=1e-6)
    post_opt_fill_gaps_steps: int = option(20, "Fill gaps tried", "Number of fill gaps tried between the shortest "
                                           "and the longest (besides none).", group=ADVANCED, minimum=1)
    post_opt_min_len_min: float = option(0.0005, "Shortest minimum length tried (s)", "Minimum segment lengths tried "
                                         "by the choice: none, and from this to the longest, spaced geometrically.",
                                         group=ADVANCED, minimum=1e-6)
    post_opt_min_len_max: float = option(1.0, "Longest minimum length tried (s)", "See the shortest minimum length "
                                         "tried.", group=ADVANCED, minimum=1e-6)
    post_opt_min_len_steps: int = option(20, "Minimum lengths tried", "Number of minimum lengths tried between the "
                                         "shortest and the longest (besides none).", group=ADVANCED, minimum=1)
    post_opt_nb_workers: int = option(-1, "Post-processing workers (unused)", "Accepted for DeepSS's commands: the "
                                      "choice works on summaries of the predictions and takes seconds in one process.",
                                      group=ADVANCED)
    html_report: bool = option(True, "Write a report", "After testing, write figures (confusion matrix, per song type "
                          "precision/recall/F1, boundary errors, losses) as PNG files and one HTML page to "
                          "<prefix>_<time stamp>_report/.", group="training")
    # advanced
    verbose: int = option(2, "Verbosity", "Terminal output: 0 none, 1 a progress bar per epoch, 2 also a line of "
                          "losses and one of seconds (training, validation, other) per epoch, and where the seconds "
                          "before the first step went.", group=ADVANCED, choices=VERBOSITY)
    log_messages: bool = option(False, "Log messages", "Print napari-deepss's log messages and TensorFlow's start-up "
                                "messages on the terminal.", group=ADVANCED)
    threads: int = option(0, "Threads", "TensorFlow threads for the computation; 0: the cores this process may use "
                          "(CPU affinity and container limits respected), or the DSS_THREADS environment variable.",
                          group=ADVANCED, minimum=0)
    multi_gpu: bool = option(False, "Use all GPUs", "Spread training over all visible GPUs with "
                             "tf.distribute.MirroredStrategy (without a GPU: over the logical CPU devices).",
                             group=ADVANCED)
    mixed_precision: str = option("auto", "Mixed precision", PRECISION_HELP, group=ADVANCED,
                                  choices=PRECISIONS)
    jit_compile: bool = option(False, "Compile with XLA", "Compile the training step with XLA. Measured 3-14x slower "
                               "on the CPU (oneDNN kernels win), so off by default; may help on a GPU. Not used with "
                               "several devices.", group=ADVANCED)

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> TrainConfig:
        """As :meth:`Options.from_dict`; a ``_params.yaml`` whose ``post_opt`` holds the chosen values (DeepSS writes
        them under the option's name) had the option on."""
        if isinstance(values.get("post_opt"), Mapping):
            values = {**values, "post_opt": True}
        return super().from_dict(values)

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
    def save_path(self) -> Path:
        """The save folder: ``save_dir`` or, when empty, the data folder with ``.npy`` -> ``.res``."""
        return Path(self.save_dir) if self.save_dir else default_save_dir(self.data_dir)

    def validate(self) -> TrainConfig:
        """Raise ValueError naming the option when a value cannot work; return self.

        Each option's choices and range, and the network's checks, are those of
        the options machinery and of the network spec; the checks here relate
        to training only.
        """
        if not self.data_dir:
            raise ValueError("data_dir: give the dataset folder (made by 'dss make-dataset')")
        self.check_values()
        self.check_network()
        # lower bounds that are themselves excluded
        if not self.fraction_data > 0:
            raise ValueError(f"fraction_data must be a fraction in (0, 1] or seconds above 1, got {self.fraction_data}")
        for split in ("train", "val"):
            first, last = getattr(self, f"first_sample_{split}"), getattr(self, f"last_sample_{split}")
            if first is not None and last is not None and last <= first:
                raise ValueError(f"last_sample_{split} ({last}) must come after first_sample_{split} ({first})")
        for kind in ("fill_gaps", "min_len"):
            if getattr(self, f"post_opt_{kind}_min") > getattr(self, f"post_opt_{kind}_max"):
                raise ValueError(f"post_opt_{kind}_min must not exceed post_opt_{kind}_max")
        if "/" in self.save_name or "\\" in self.save_name:
            raise ValueError(f"save_name must be a file name, not a path: {self.save_name!r} (the folder is save_dir)")
        if self.augmentations:
            from .augmentations import load_augmentations

            load_augmentations(self.augmentations)  # a FileFormatError naming the file and entry
        if not self.learning_rate > 0:
            raise ValueError(f"learning_rate must be positive, got {self.learning_rate}")
        if self.stride <= 0:
            raise ValueError(f"nb_hist ({self.nb_hist}) must be longer than twice the ignored boundary "
                             f"(2 * kernel_size * nb_conv = {2 * self.data_padding}): increase nb_hist, reduce "
                             "kernel_size or nb_conv, or turn off ignore_boundaries")
        return self


def default_save_dir(data_dir: str | Path) -> Path:
    """DeepSS convention: ``song.npy`` -> ``song.res`` (other names get ``.res`` appended)."""
    data = Path(data_dir)
    return data.with_suffix(".res") if data.suffix == ".npy" else data.with_name(data.name + ".res")
