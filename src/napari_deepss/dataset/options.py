"""DatasetOptions: the one definition of every "Make dataset" option.

The keyword arguments of :func:`make_dataset`, the ``dss make-dataset`` flags
and the fields of the Make dataset dock widget all carry these names, defaults
and help texts (the labels are the wording of the DeepSS dialog).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..options import Options, option
from .splits import SPLIT_BY, SPLIT_NAMES


@dataclass(frozen=True)
class DatasetOptions(Options):
    """How annotations become targets and how recordings are split (fractions are relative to their sum)."""

    recursive: bool = option(
        False, "Search sub-folders",
        "Also use the recordings in the sub-folders of the data folder(s), e.g. round1/ and round2/ of annotation.")
    make_individual_targets: bool = option(
        False, "Make individual training targets",
        "Also write y_<type>.npy ([noise, type]) per song type, to train a network for one song type.")
    event_std_seconds: float = option(
        0.0016, "Width of events (seconds)",
        "Events become Gaussians with this standard deviation (seconds) and peak 1.", minimum=0.0, step=0.0001)
    gap_seconds: float = option(
        0.0, "Gap between segments (seconds)",
        "Set segment targets to noise in a window of this width around every segment onset and offset, "
        "so that adjacent syllables stay apart (0: no gaps).", minimum=0.0, step=0.0005)
    train: float = option(0.6, "Train fraction", "Fraction of the data for training.", minimum=0.0, step=0.05)
    train_by: str = option("samples", "Split train by", "Split train by 'files' or 'samples'.", choices=SPLIT_BY)
    val: float = option(0.2, "Validation fraction", "Fraction of the data for validation.", minimum=0.0, step=0.05)
    val_by: str = option("samples", "Split validation by", "Split val by 'files' or 'samples'.", choices=SPLIT_BY)
    test: float = option(0.2, "Test fraction", "Fraction of the data for testing (0: no test split).", minimum=0.0,
                         step=0.05)
    test_by: str = option("samples", "Split test by", "Split test by 'files' or 'samples'.", choices=SPLIT_BY)
    seed: int = option(0, "Seed", "Random seed of the split: the same seed gives the same dataset.", minimum=0)

    def __post_init__(self):
        self.check_values()

    @property
    def fractions(self) -> dict[str, float]:
        return {split: float(getattr(self, split)) for split in SPLIT_NAMES}

    @property
    def split_by(self) -> dict[str, str]:
        return {split: getattr(self, f"{split}_by") for split in SPLIT_NAMES}
