"""Where the chunks of a recording start, shared by training, the trainer's test pass and prediction.

A network sees ``nb_hist`` samples at a time; near a chunk's edges it sees
little of the song around a sample. Training puts no loss within a padding of
the chunk edges, and successive training chunks overlap by twice that padding
(:func:`chunk_starts`).

Prediction (:meth:`ChunkLayout.predict`) runs chunks a quarter chunk apart,
so that :data:`OVERLAP` chunks predict every sample, and averages their
probabilities weighted by a Hann window over each chunk's middle (no weight
within the padding, except at the recording's own edges). A sample's
probabilities so come mostly from chunks in which it lies near the middle,
with the most song around it, and there are no seams where one chunk's
prediction hands over to the next: measured on held-out bird recordings, this
halved the syllables typed wrongly and the fragments at chunk seams, for four
times the prediction work (:mod:`benchmarks.real_song`). The last chunk is
aligned with the end of the recording. ``chunk_overlap`` (a prediction
option) of 2 or 1 runs chunks half a chunk or a stride apart instead: two or
four times faster, at the accuracy measured before the averaging.

A few long blocks would do a quarter of the work, but they give the same
probabilities only for a network whose context (how far a sample's output
reaches into the input, :func:`.model_flops.context_samples`) fits inside its
padding, and DeepSS's padding (``kernel_size * nb_conv``) leaves out the
dilations: the documented network sees 1,443 samples to each side against a
padding of 96, the STFT bird network 23,152 against 96. One long pass differs
from these probabilities by up to 5e-3 for a trained network of ours, 0.9 and
more with random weights (``benchmarks/prediction_context.py``).

Networks trained by DeepSS itself are run on DeepSS's grid instead
(``ChunkLayout.grid``): chunks start at multiples of the stride, each keeps
its middle, and the last ones run past the end over the repeated last sample,
as ``das.predict`` pads the audio. Their output near a chunk's edges depends
on where the chunk lies, so only this layout gives DeepSS's probabilities.
A network continued here from a DeepSS network (DeepSS's layers,
``architecture: deepss``) is run like ours, see :meth:`ChunkLayout.for_model`.
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


OVERLAP = 4  # chunks that predict each sample (a network of ours), averaged; 2 or 1 trade accuracy for speed
EDGE_WEIGHT = 1e-6  # weight of a chunk's padding at the recording's own edges, which no other chunk covers


@dataclass(frozen=True)
class ChunkLayout:
    """Where the chunks of a recording start and how their predictions make the recording's.

    Chunks start on the frame grid of the STFT frontend (multiples of the
    downsampling ``factor``), except the last, aligned with the end.
    """

    nb_hist: int
    padding: int
    n_samples: int
    grid: bool = False  # DeepSS's layout: chunks on the stride grid, each keeps its middle
    factor: int = 1
    overlap: int = OVERLAP  # chunks that predict each sample (a network of ours; 1: chunks a stride apart)

    @classmethod
    def for_model(cls, model, params: dict, n_samples: int, overlap: int = OVERLAP) -> ChunkLayout:
        nb_hist = int(model.input_shape[1])
        # DeepSS's grid only for a network trained by DeepSS itself, whose probabilities are to be DeepSS's. A network
        # continued here from one (DeepSS's layers, ``architecture: deepss``) has weights DeepSS never saw, so there
        # is no DeepSS output to reproduce; it gets the overlapping layout measured better for our networks (chunks
        # on its frontend's frame grid), the one its trainer's post-processing choice and test scores were made on.
        grid = is_deepss_params(params)
        factor = 1 if grid else 2 ** int(params.get("nb_pre_conv", 0) or 0)
        padding = -(-int(params.get("data_padding", 0) or 0) // factor) * factor
        if nb_hist - 2 * padding <= 0:
            raise ValueError(f"the network's chunks ({nb_hist} samples) are not longer than twice its "
                             f"boundary padding ({padding})")
        return cls(nb_hist, padding, n_samples, grid, factor, overlap)

    @property
    def stride(self) -> int:
        return self.nb_hist - 2 * self.padding

    @property
    def hop(self) -> int:
        """Step between the chunks of a network of ours: ``nb_hist / overlap`` on the frame grid, at most the stride."""
        hop = (self.nb_hist // self.overlap) // self.factor * self.factor
        return max(1, min(max(hop, self.factor), self.stride))

    @property
    def starts(self) -> np.ndarray:
        if self.grid:  # enough chunks for the kept middle of the last to reach the end
            count = max(1, -(-(self.n_samples - self.nb_hist + self.padding) // self.stride) + 1)
            return np.arange(count, dtype=np.int64) * self.stride
        return chunk_starts(self.n_samples, self.nb_hist, self.hop)

    def window(self, start: int) -> np.ndarray:
        """Weights of the chunk at ``start`` in the average: Hann over its middle, none within the padding
        (a tiny weight at the recording's own edges, where no other chunk reaches)."""
        weights = np.zeros(self.nb_hist)
        middle = self.nb_hist - 2 * self.padding
        weights[self.padding:self.nb_hist - self.padding] = np.hanning(middle + 2)[1:-1]
        if start == 0:
            weights[:self.padding] = EDGE_WEIGHT
        if start + self.nb_hist >= self.n_samples:
            weights[self.nb_hist - self.padding:] = EDGE_WEIGHT
        return weights

    def kept(self, start: int, covered: int) -> tuple[int, int]:
        """DeepSS's grid: ``[a, b)`` within the chunk at ``start`` to keep, given that samples before ``covered`` are done."""
        a = 0 if start == 0 else self.padding
        return max(a, covered - start), min(self.nb_hist - self.padding, self.n_samples - start)

    def predict(self, model, x: np.ndarray, batch_size: int):
        """Yield ``(first sample, probabilities [samples, classes] float32)`` per batch of chunks, in order.

        The blocks follow each other without gap or overlap and cover ``x`` once. A network that outputs one
        row per frame of its frontend (trained without ``upsample``) has each row repeated for the frame's samples.
        """
        starts = self.starts
        batches = (starts[first:first + batch_size] for first in range(0, len(starts), batch_size))
        predicted = ((batch, self._run(model, x, batch)) for batch in batches)
        yield from (self._kept(predicted) if self.grid else self._averaged(predicted, starts, batch_size))

    def _run(self, model, x: np.ndarray, batch_starts: np.ndarray) -> np.ndarray:
        index = batch_starts[:, np.newaxis] + np.arange(self.nb_hist)
        chunks = x[np.minimum(index, len(x) - 1)]  # past the end: the last sample repeated (DeepSS's grid)
        if not self.grid:
            chunks[index >= len(x)] = 0  # a recording shorter than a chunk: zeros after its end
        probabilities = np.asarray(model.predict_on_batch(chunks), dtype=np.float32)
        if probabilities.shape[1] < self.nb_hist:  # a network without upsampling: one row per frame
            probabilities = np.repeat(probabilities, self.nb_hist // probabilities.shape[1], axis=1)
        return probabilities

    def _kept(self, predicted):
        covered = 0
        for batch_starts, probabilities in predicted:
            block_start, kept = covered, []
            for row, start in enumerate(batch_starts):
                a, b = self.kept(int(start), covered)
                if b > a:
                    kept.append(probabilities[row, a:b])
                    covered = int(start) + b
            if kept:
                yield block_start, np.concatenate(kept)

    def _averaged(self, predicted, starts: np.ndarray, batch_size: int):
        """Window-weighted averages; a block ends where the next batch's first chunk starts."""
        base, total, weight = 0, None, None
        for number, (batch_starts, probabilities) in enumerate(predicted):
            end = min(int(batch_starts[-1]) + self.nb_hist, self.n_samples)
            grow = end - base - (0 if total is None else len(total))
            total = np.concatenate([np.zeros((0, probabilities.shape[2])) if total is None else total,
                                    np.zeros((grow, probabilities.shape[2]))])
            weight = np.concatenate([np.zeros(0) if weight is None else weight, np.zeros(grow)])
            for row, start in enumerate(batch_starts):
                length = min(self.nb_hist, self.n_samples - int(start))
                w = self.window(int(start))[:length]
                total[start - base:start - base + length] += w[:, np.newaxis] * probabilities[row, :length]
                weight[start - base:start - base + length] += w
            following = (number + 1) * batch_size
            done = (int(starts[following]) if following < len(starts) else self.n_samples) - base
            yield base, (total[:done] / weight[:done, np.newaxis]).astype(np.float32)
            base, total, weight = base + done, total[done:], weight[done:]
