"""A trained network run over a dataset split, recording piece by recording piece, and the truth of each piece.

The validation split (post-processing choice) and the test split (test
scores, report) are predicted the way :func:`~napari_deepss.prediction.predict`
predicts a recording: each recording's piece of the split on its own, with the
same chunk layout, so scores computed here equal those of ``dss evaluate``.
The true annotations of a piece are its targets turned back into annotations
(:mod:`napari_deepss.target_annotations`, gap cut undone), so a dataset copied
without its data folder (e.g. to a cluster node) still has them.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from ..annotations import Annotations
from ..chunk_layout import ChunkLayout
from ..dataset.store import Split, split_pieces
from ..target_annotations import targets_as_annotations


def piece_ranges(attrs: dict, split_name: str, n: int) -> list[tuple[int, int]]:
    """``(first sample, length)`` of each recording's piece of a split; the whole split if the attrs do not say."""
    try:
        lengths = [stop - start for _, start, stop in split_pieces(attrs, split_name)]
    except (KeyError, TypeError, ValueError):  # a dataset without (readable) data_splits
        lengths = []
    if not lengths or sum(lengths) != n:
        lengths = [n]
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    return [(int(offset), int(length)) for offset, length in zip(offsets, lengths)]


class SplitPrediction:
    """The pieces of one split and the network's probabilities over them."""

    def __init__(self, model, params: dict, split: Split, split_name: str, batch_size: int):
        self.model, self.params, self.split, self.batch_size = model, params, split, batch_size
        self.pieces = [(offset, ChunkLayout.for_model(model, params, length))
                       for offset, length in piece_ranges(params, split_name, len(split))]

    @property
    def steps(self) -> int:
        """Batches predicted in all."""
        return sum(-(-len(layout.starts) // self.batch_size) for _, layout in self.pieces)

    def blocks(self) -> Iterator[tuple[int, int, np.ndarray]]:
        """``(piece index, first sample in the split, probabilities [samples, classes])``, one per batch, in order."""
        for index, (offset, layout) in enumerate(self.pieces):
            x = np.asarray(self.split.x[offset:offset + layout.n_samples], dtype=np.float32)
            for start, probabilities in layout.predict(self.model, x, self.batch_size):
                yield index, offset + start, probabilities

    def truth(self, index: int) -> Annotations:
        """The true annotations of a piece, from its targets."""
        offset, layout = self.pieces[index]
        p = self.params
        return targets_as_annotations(self.split.y[offset:offset + layout.n_samples], p["class_names"],
                                      p["class_types"], float(p.get("samplerate_y_Hz") or p["samplerate_x_Hz"]), float(p.get("gap_seconds") or 0))
