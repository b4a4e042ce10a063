"""DatasetOptions: the one definition of every "Make dataset" option.

The keyword arguments of :func:`make_dataset`, the ``dss make-dataset`` flags
and the fields of the Make dataset dock widget all carry these names, defaults
and help texts (the labels are the wording of the DeepSS dialog).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from .splits import SPLIT_BY, SPLIT_NAMES


def _option(default: Any, label: str, help: str, **extra: Any) -> Any:
    return field(default=default, metadata={"label": label, "help": help, **extra})


@dataclass(frozen=True)
class DatasetOptions:
    """How annotations become targets and how recordings are split."""

    make_individual_targets: bool = _option(
        False, "Make individual training targets",
        "Also write y_<type>.npy ([noise, type]) per song type, to train a network for one song type.")
    event_std_seconds: float = _option(
        0.0016, "Width of events (seconds)",
        "Events become Gaussians with this standard deviation (seconds) and peak 1.", min=0.0, step=0.0001)
    gap_seconds: float = _option(
        0.0, "Gap between segments (seconds)",
        "Set segment targets to noise in a window of this width around every segment onset and offset, "
        "so that adjacent syllables stay apart (0: no gaps).", min=0.0, step=0.0005)
    train: float = _option(0.6, "Train fraction", "Fraction of the data for training.", min=0.0, max=1.0, step=0.05)
    train_by: str = _option("samples", "Split train by", "Split train by 'files' or 'samples'.", choices=SPLIT_BY)
    val: float = _option(0.2, "Validation fraction", "Fraction of the data for validation.", min=0.0, max=1.0, step=0.05)
    val_by: str = _option("samples", "Split validation by", "Split val by 'files' or 'samples'.", choices=SPLIT_BY)
    test: float = _option(0.2, "Test fraction", "Fraction of the data for testing (0: no test split).",
                          min=0.0, max=1.0, step=0.05)
    test_by: str = _option("samples", "Split test by", "Split test by 'files' or 'samples'.", choices=SPLIT_BY)
    seed: int = _option(0, "Seed", "Random seed of the split: the same seed gives the same dataset.", min=0)

    def __post_init__(self):
        if self.event_std_seconds < 0:
            raise ValueError(f"event_std_seconds must be >= 0, not {self.event_std_seconds}")
        if self.gap_seconds < 0:
            raise ValueError(f"gap_seconds must be >= 0, not {self.gap_seconds}")

    @property
    def fractions(self) -> dict[str, float]:
        return {split: float(getattr(self, split)) for split in SPLIT_NAMES}

    @property
    def split_by(self) -> dict[str, str]:
        return {split: getattr(self, f"{split}_by") for split in SPLIT_NAMES}

    @classmethod
    def fields(cls) -> tuple[dataclasses.Field, ...]:
        return dataclasses.fields(cls)
