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
from dataclasses import dataclass
from pathlib import Path

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
    y_suffix: str = option("", "Song type", "Song type to train on: uses the individual target y_<type>.npy of the "
                           "dataset. Empty: all annotated song types (y.npy).", group="data")
    fraction_data: float = option(1.0, "Data fraction", "Fraction (0-1] of the training and validation data to use, "
                                  "as one random contiguous stretch per split; the test split is always used whole.",
                                  group="data")
    seed: int | None = option(None, "Seed", "Random seed that makes the choice of the data fraction, the initial "
                              "weights and the order of the chunks reproducible (none: different every run).",
                              group="data", minimum=0)


@dataclass(frozen=True)
class TrainConfig(NetworkOptions, TrainingDataOptions):
    """Every option of a training run, with DeepSS defaults: data, network, training and advanced options."""

    # network (besides the architecture's options)
    ignore_boundaries: bool = option(True, "Ignore chunk boundaries", "Minimise edge effects: the first and last "
                                     "kernel_size*nb_conv samples of each chunk carry no loss and chunks overlap by "
                                     "that much.", group="network")
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
                             "prefix <save_dir>/<stem> (or its _model.h5). Its network options are required (the "
                             "dss train flags default to them); song types may be added (the output layer grows, "
                             "known types keep their weights). Empty: start from scratch.", group="training")
    tensorboard: bool = option(False, "Create tensorboard logs", "Write TensorBoard logs to the save folder for "
                               "monitoring training.", group="training")
    # advanced
    verbose: int = option(2, "Verbosity", "Terminal output: 0 none, 1 a progress bar per epoch, 2 a progress bar and "
                          "a line of losses per epoch.", group=ADVANCED, choices=VERBOSITY)
    multi_gpu: bool = option(False, "Use all GPUs", "Spread training over all visible GPUs with "
                             "tf.distribute.MirroredStrategy (without a GPU: over the logical CPU devices).",
                             group=ADVANCED)
    jit_compile: bool = option(False, "Compile with XLA", "Compile the training step with XLA. Measured 3-14x slower "
                               "on the CPU (oneDNN kernels win), so off by default; may help on a GPU. Not used with "
                               "several devices.", group=ADVANCED)

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
        if not 0 < self.fraction_data <= 1:
            raise ValueError(f"fraction_data must be in (0, 1], got {self.fraction_data}")
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
