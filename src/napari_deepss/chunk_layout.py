"""Where the chunks of a recording start, shared by training, the trainer's test pass and prediction.

A network sees ``nb_hist`` samples at a time. Successive chunks overlap by
twice a padding, so that every sample lies at least that far from the edges of
one chunk (or at the recording's own edge): training puts its loss there, and
prediction keeps the probabilities from there. The last chunk is aligned with
the end of the recording.

Networks trained by DeepSS itself are run on DeepSS's grid instead
(``ChunkLayout.grid``): chunks start at multiples of the stride and the last
ones run past the end over the repeated last sample, as ``das.predict`` pads
the audio. Their output near a chunk's edges depends on where the chunk lies,
so only this layout gives DeepSS's probabilities.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .network_params import is_deepss_params


def chunk_starts(n: int, nb_hist: int, stride: int) -> np.ndarray:
    """First sample of every chunk; the last chunk ends at the last sample.

    A split shorter than a chunk gives one chunk at 0 (the reader repeats the last sample).
    """
    if n <= nb_hist:
        return np.zeros(1, dtype=np.int64)
    starts = np.arange(0, n - nb_hist + 1, stride, dtype=np.int64)
    if starts[-1] + nb_hist < n:
        starts = np.append(starts, n - nb_hist)
    return starts


@dataclass(frozen=True)
class ChunkLayout:
    """Where the chunks of a recording start and which of their samples are kept.

    The padding is rounded up to a multiple of the network's downsampling
    factor, so that every chunk starts on the frame grid of the STFT frontend
    (DeepSS's grid keeps its padding as it is).
    """

    nb_hist: int
    padding: int
    n_samples: int
    grid: bool = False  # DeepSS's layout: chunks on the stride grid, none aligned with the end

    @classmethod
    def for_model(cls, model, params: dict, n_samples: int) -> ChunkLayout:
        nb_hist = int(model.input_shape[1])
        grid = is_deepss_params(params)
        factor = 1 if grid else 2 ** int(params.get("nb_pre_conv", 0) or 0)
        padding = -(-int(params.get("data_padding", 0) or 0) // factor) * factor
        if nb_hist - 2 * padding <= 0:
            raise ValueError(f"the network's chunks ({nb_hist} samples) are not longer than twice its "
                             f"boundary padding ({padding})")
        return cls(nb_hist, padding, n_samples, grid)

    @property
    def stride(self) -> int:
        return self.nb_hist - 2 * self.padding

    @property
    def starts(self) -> np.ndarray:
        if self.grid:  # enough chunks for the kept middle of the last to reach the end
            count = max(1, -(-(self.n_samples - self.nb_hist + self.padding) // self.stride) + 1)
            return np.arange(count, dtype=np.int64) * self.stride
        return chunk_starts(self.n_samples, self.nb_hist, self.stride)

    def kept(self, start: int, covered: int) -> tuple[int, int]:
        """``[a, b)`` within the chunk at ``start`` to keep, given that samples before ``covered`` are done."""
        a = 0 if start == 0 else self.padding
        at_end = start + self.nb_hist >= self.n_samples and not self.grid
        b = self.nb_hist if at_end else self.nb_hist - self.padding
        return max(a, covered - start), min(b, self.n_samples - start)

    def predict(self, model, x: np.ndarray, batch_size: int):
        """Yield ``(first sample, probabilities [samples, classes] float32)`` per batch of chunks, in order.

        The blocks follow each other without gap or overlap and cover ``x`` once. A network that outputs one
        row per frame of its frontend (trained without ``upsample``) has each row repeated for the frame's samples.
        """
        starts = self.starts
        offsets = np.arange(self.nb_hist)
        covered = 0
        for first in range(0, len(starts), batch_size):
            batch_starts = starts[first:first + batch_size]
            index = batch_starts[:, np.newaxis] + offsets
            chunks = x[np.minimum(index, len(x) - 1)]  # past the end: the last sample repeated (DeepSS's grid)
            if not self.grid:
                chunks[index >= len(x)] = 0  # a recording shorter than a chunk: zeros after its end
            probabilities = np.asarray(model.predict_on_batch(chunks), dtype=np.float32)
            if probabilities.shape[1] < self.nb_hist:  # a network without upsampling: one row per frame
                probabilities = np.repeat(probabilities, self.nb_hist // probabilities.shape[1], axis=1)
            block_start, kept = covered, []
            for row, start in enumerate(batch_starts):
                a, b = self.kept(int(start), covered)
                if b > a:
                    kept.append(probabilities[row, a:b])
                    covered = int(start) + b
            if kept:
                yield block_start, np.concatenate(kept)
