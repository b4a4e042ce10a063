"""The network's options and the spec the model builder takes, checked once, without Keras.

:class:`NetworkOptions` defines every option that shapes the network (one
line each); :class:`~napari_deepss.training.config.TrainConfig` inherits them,
so they are ``dss train`` flags, Train form fields and ``_params.yaml`` keys.
:class:`NetworkSpec` adds the channel and class counts of the data and holds
one network that passed every check: it is built by field name from a
TrainConfig or a params dict (a loaded ``_params.yaml``), so a new network
option reaches the builder without being listed anywhere else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..options import ADVANCED, REQUIRED, Options, option

MODEL_NAMES = ("tcn", "tcn_stft")


def separable_flags(use_separable: Sequence[bool], nb_conv: int) -> list[bool]:
    """One flag per TCN block: a single flag applies to every block."""
    flags = list(use_separable)
    if len(flags) == 1:
        return flags * nb_conv
    if len(flags) != nb_conv:
        raise ValueError(f"use_separable needs one True/False per TCN block (nb_conv={nb_conv}) or one for all, "
                         f"got {len(flags)}: {flags}")
    return flags


@dataclass(frozen=True)
class NetworkOptions(Options):
    """Every option of the network's architecture, with DeepSS defaults."""

    model_name: str = option("tcn", "Network", "Network architecture: temporal convolutional network ('tcn'; "
                             "'tcn_stft' is DeepSS's name for the same network with the STFT frontend, which "
                             "nb_pre_conv > 0 turns on).", group="network", choices=MODEL_NAMES, aliases=("-m",))
    nb_hist: int = option(1024, "Chunk duration (samples)", "Number of samples processed at once by the network "
                          "(chunk duration). An upper bound of the audio context available to the network.",
                          group="network", minimum=1)
    nb_filters: int = option(16, "Number of filters", "Number of filters in each layer of the network. Vary between "
                             "16 and 32; fewer typically decrease performance, more rarely help.", group="network",
                             minimum=1, aliases=("--nb-kernels",))
    kernel_size: int = option(16, "Filter duration (samples)", "Duration of each filter in samples. Should match the "
                              "duration of the lowest level song feature (e.g. the carrier when training on raw "
                              "audio without a downsampling frontend).", group="network", minimum=1, aliases=("-k",))
    nb_conv: int = option(3, "Number of TCN blocks", "Number of TCN blocks. Deeper networks extract more derived "
                          "sound features; 2 to 6 blocks work well.", group="network", minimum=1)
    use_separable: list[bool] = option([False], "Separable TCN blocks", "Which TCN blocks use convolutions separable "
                                       "by time and channel (useful for multi-channel audio only): one True/False per "
                                       "block, e.g. 'True False False'; a single value applies to every block.",
                                       group="network")
    dilations: list[int] = option([1, 2, 4, 8, 16], "Dilations", "Dilation rates of the residual layers in each TCN "
                                  "block.", group=ADVANCED, minimum=1)
    nb_pre_conv: int = option(0, "Downsampling frontend (log2 of factor)", "Trainable STFT downsampling frontend: "
                              "downsample factor = 2**nb_pre_conv (4 = 16x). 0: no frontend. Single-channel audio is "
                              "where it helps most.", group="network", minimum=0, aliases=("--pre-nb-conv",))
    pre_nb_dft: int = option(64, "Frontend STFT duration (samples)", "Duration (samples) of the STFT filters of the "
                             "frontend; the frontend has pre_nb_dft // 2 + 1 frequencies.", group="network", minimum=1)
    pre_nb_filters: int = option(16, "Frontend number of filters", "Number of filters per layer in the frontend.",
                                 group="network", minimum=1, aliases=("--pre-nb-kernels",))
    pre_kernel_size: int = option(3, "Frontend filter duration (samples)", "Duration (samples) of the filters in the "
                                  "frontend.", group="network", minimum=1)
    batch_norm: bool = option(True, "Normalise activations", "Normalise the activations in every residual block "
                              "(per sample over the filters, so it needs no batch statistics; DeepSS 0.32's TCN "
                              "ignores this flag and always normalises). False: no normalisation.", group=ADVANCED)
    upsample: bool = option(True, "Upsample the output", "With the downsampling frontend: bring the network's output "
                            "back to the audio rate inside the network. False: the network outputs one value per "
                            "frame, is trained on every 2**nb_pre_conv-th target sample, and prediction repeats each "
                            "frame's probabilities (less work, boundaries to a frame).", group=ADVANCED)

    @property
    def downsample_factor(self) -> int:
        return 2**self.nb_pre_conv

    def separable_blocks(self) -> list[bool]:
        """``use_separable`` with one flag per TCN block."""
        return separable_flags(self.use_separable, self.nb_conv)

    def check_network(self) -> None:
        """Raise ValueError naming the option when the options, each in its range, make no network together."""
        self.separable_blocks()
        if not self.dilations:
            raise ValueError("dilations must list at least one dilation rate")
        if self.nb_hist % self.downsample_factor:
            raise ValueError(f"nb_hist ({self.nb_hist}) must be a multiple of the downsample factor "
                             f"2**nb_pre_conv = {self.downsample_factor}")
        if self.nb_pre_conv and self.pre_nb_dft < self.downsample_factor:
            raise ValueError(f"pre_nb_dft ({self.pre_nb_dft}) must be at least the downsample factor "
                             f"{self.downsample_factor}, otherwise samples between frames are never seen")


@dataclass(frozen=True, kw_only=True)
class NetworkSpec(NetworkOptions):
    """One network for the model builder: checked options, one separable flag per block, the data's counts."""

    nb_channels: int = option(REQUIRED, "Audio channels", "Channels of the network's input audio.", minimum=1)
    nb_classes: int = option(REQUIRED, "Classes", "Classes of the network's output, noise included.", minimum=1)

    def __post_init__(self):
        self.check_values()
        self.check_network()
        object.__setattr__(self, "use_separable", self.separable_blocks())

    @classmethod
    def from_options(cls, values: Options | Mapping[str, Any], **overrides: Any) -> NetworkSpec:
        """The spec in a TrainConfig or a params dict (other keys are ignored); ``overrides`` win.

        ``NetworkSpec.from_options(params)`` rebuilds a trained network's spec
        from its ``_params.yaml``, which holds ``nb_channels`` and ``nb_classes``.
        """
        return cls.from_dict({**(values.to_dict() if isinstance(values, Options) else values), **overrides})
