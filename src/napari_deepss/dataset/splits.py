"""Train/validation/test splits of recordings, by files or by samples.

Fractions are relative (divided by their sum); a fraction of 0 omits the split.

- Splits "by files" get whole recordings. The recordings are shuffled (seeded)
  and laid end to end; each goes to the split whose share of the total
  duration contains the recording's midpoint, so every split is within about
  one recording of its fraction.
- Splits "by samples" share the remaining recordings: each of them is cut into
  contiguous pieces, one per split, sized by the fractions of these splits;
  the order of the pieces within a recording is drawn (seeded) per recording.

Mixing works as the DeepSS dialog describes: e.g. test "by files" and train
and val "by samples" puts whole recordings into test and cuts the others.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SPLIT_NAMES = ("train", "val", "test")
SPLIT_BY = ("files", "samples")


@dataclass(frozen=True)
class Piece:
    """Samples ``[start, stop)`` of one recording that go to ``split``."""

    split: str
    start: int
    stop: int


def plan_splits(
    lengths: dict[str, int],
    fractions: dict[str, float],
    split_by: dict[str, str],
    seed: int | None,
) -> dict[str, list[Piece]]:
    """Pieces of each recording (by name, ``lengths`` in samples), in time order.

    Raises ``ValueError`` for invalid fractions or too few recordings for a
    split by files.
    """
    active = _check_fractions(fractions, split_by)
    rng = np.random.default_rng(seed)
    by_files = [s for s in active if split_by[s] == "files"]
    by_samples = [s for s in active if split_by[s] == "samples"]
    pool = f"{'/'.join(by_samples)} (by samples)"
    groups = {s: fractions[s] for s in by_files}
    if by_samples:
        groups[pool] = sum(fractions[s] for s in by_samples)
    names = sorted(lengths)
    assignment = _assign_files(names, lengths, groups, rng) if by_files else dict.fromkeys(names, pool)
    sample_fractions = np.array([fractions[s] for s in by_samples], dtype=np.float64)
    plan = {}
    for name in names:
        group = assignment[name]
        if group == pool:
            plan[name] = _cut(lengths[name], by_samples, sample_fractions, rng)
        else:
            plan[name] = [Piece(group, 0, lengths[name])]
    _check_not_empty(plan, active)
    return plan


def split_sizes(plan: dict[str, list[Piece]]) -> dict[str, int]:
    """Samples per split, in the order train, val, test (splits without samples left out)."""
    sizes = dict.fromkeys(SPLIT_NAMES, 0)
    for pieces in plan.values():
        for piece in pieces:
            sizes[piece.split] += piece.stop - piece.start
    return {split: size for split, size in sizes.items() if size}


def _check_fractions(fractions: dict[str, float], split_by: dict[str, str]) -> list[str]:
    for split in SPLIT_NAMES:
        value = fractions.get(split, 0.0)
        if not np.isfinite(value) or value < 0:
            raise ValueError(f"the {split} fraction must be a number >= 0, not {value}")
        if split_by.get(split, "samples") not in SPLIT_BY:
            raise ValueError(f"split {split} by 'files' or 'samples', not {split_by[split]!r}")
    for split in ("train", "val"):
        if fractions.get(split, 0.0) <= 0:
            raise ValueError(f"the {split} fraction must be above 0: training needs a {split} split")
    return [s for s in SPLIT_NAMES if fractions.get(s, 0.0) > 0]


def _too_few_files(n_files: int, groups: dict[str, float], detail: str) -> ValueError:
    wanted = ", ".join(groups)
    return ValueError(
        f"too few recordings ({n_files}) to split by files into {wanted}: {detail}. "
        "Split by samples instead (each recording is then cut into train/val/test pieces)."
    )


def _assign_files(names, lengths, groups: dict[str, float], rng) -> dict[str, str]:
    if len(names) < len(groups):
        raise _too_few_files(len(names), groups, f"each of the {len(groups)} parts needs a recording of its own")
    order = [names[i] for i in rng.permutation(len(names))]
    durations = np.array([lengths[n] for n in order], dtype=np.float64)
    midpoints = (np.cumsum(durations) - durations / 2) / durations.sum()
    shares = np.array(list(groups.values()))
    edges = np.cumsum(shares / shares.sum())
    which = np.minimum(np.searchsorted(edges, midpoints), len(groups) - 1)
    labels = list(groups)
    empty = [labels[i] for i in range(len(groups)) if not np.any(which == i)]
    if empty:
        raise _too_few_files(len(names), groups, f"no recording fell into {', '.join(empty)}")
    return {name: labels[i] for name, i in zip(order, which)}


def _cut(length: int, splits: list[str], fractions: np.ndarray, rng) -> list[Piece]:
    order = rng.permutation(len(splits))
    shares = fractions[order] / fractions.sum()
    bounds = np.round(np.concatenate([[0.0], np.cumsum(shares)]) * length).astype(np.int64)
    bounds[-1] = length
    return [
        Piece(splits[i], int(start), int(stop))
        for i, start, stop in zip(order, bounds[:-1], bounds[1:])
        if stop > start
    ]


def _check_not_empty(plan: dict[str, list[Piece]], active: list[str]) -> None:
    sizes = split_sizes(plan)
    missing = [s for s in active if s not in sizes]
    if missing:
        raise ValueError(f"the recordings are too short to fill the {', '.join(missing)} split(s); lower the other fractions")
