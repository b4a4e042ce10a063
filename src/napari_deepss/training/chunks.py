"""Training data pipeline: memory-mapped dataset splits cut into chunks of ``nb_hist`` samples.

Chunks start every ``stride = nb_hist - 2 * padding`` samples. With
``ignore_boundaries`` the first and last ``padding`` samples of a chunk carry
zero loss weight, so the loss-bearing middles of successive chunks tile the
recording; the first chunk also learns from its leading edge and the last from
its trailing edge, so every sample carries loss exactly once (the last chunk is
aligned with the end and may repeat a few samples). Batches are read with one
fancy index into the memory map (no Python work per sample); the whole split is
never loaded. TensorFlow is imported only to build the ``tf.data`` pipeline.
"""

from __future__ import annotations

import numpy as np

from ..chunk_layout import chunk_starts
from ..dataset.store import Split


def sub_range(n: int, fraction: float, min_length: int, rng: np.random.Generator) -> tuple[int, int]:
    """A random contiguous ``[start, stop)`` covering ``fraction`` of ``n`` samples (at least ``min_length``)."""
    length = min(n, max(int(round(fraction * n)), min_length))
    start = int(rng.integers(0, n - length + 1))
    return start, start + length


def loss_weights(starts: np.ndarray, n: int, nb_hist: int, padding: int) -> np.ndarray:
    """Per-sample loss weights [chunks, nb_hist]: 0 on chunk edges, except the recording's own edges."""
    weights = np.ones((len(starts), nb_hist), dtype=np.float32)
    if padding:
        weights[:, :padding] = 0
        weights[:, nb_hist - padding:] = 0
        weights[starts == 0, :padding] = 1
        weights[starts + nb_hist >= n, nb_hist - padding:] = 1
    weights[:, n:] = 0  # a split shorter than a chunk: the repeated samples carry no loss
    return weights


class ChunkReader:
    """Batches of chunks of one split: ``read(chunk_indices) -> (x, y, weights)`` as float32.

    ``output_stride``: the network outputs every that-many-th sample (a
    frontend without upsampling), so targets and weights are taken at that
    stride. ``class_weights`` (balancing) multiply each sample's weight by
    that of its most probable target class. ``augment`` changes the audio of
    every chunk read (training only). ``subset`` keeps that fraction of the
    chunks, chosen at random with ``rng`` (DeepSS's batch-level subsampling).
    """

    def __init__(self, split: Split, nb_hist: int, stride: int, padding: int, *, output_stride: int = 1,
                 class_weights: np.ndarray | None = None, augment=None, subset: float = 1.0,
                 rng: np.random.Generator | None = None):
        self.split = split
        self.nb_hist = nb_hist
        self.padding = padding
        self.output_stride = output_stride
        self.class_weights = class_weights
        self.augment = augment
        self.starts = chunk_starts(len(split), nb_hist, stride)
        if subset < 1:
            keep = max(1, int(round(subset * len(self.starts))))
            self.starts = np.sort((rng or np.random.default_rng()).choice(self.starts, keep, replace=False))
        self._offsets = np.arange(nb_hist, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.starts)

    def read(self, chunks: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        starts = self.starts[np.asarray(chunks, dtype=np.int64)]
        n = len(self.split)
        index = np.minimum(starts[:, None] + self._offsets, n - 1)
        x = self.split.x[index].astype(np.float32, copy=False)
        y = self.split.y[index[:, ::self.output_stride]].astype(np.float32, copy=False)
        weights = loss_weights(starts, n, self.nb_hist, self.padding)[:, ::self.output_stride]
        if self.class_weights is not None:
            weights = weights * self.class_weights[np.argmax(y, axis=-1)]
        if self.augment is not None:
            x = self.augment(x)
        return x, y, weights


def class_weights(y: np.ndarray, block: int = 2**20) -> np.ndarray:
    """DeepSS's balancing weights: the inverse of each class's share of the targets ``y`` (0 for an absent class)."""
    totals = np.zeros(y.shape[1])
    for start in range(0, len(y), block):
        totals += np.asarray(y[start:start + block], dtype=np.float64).sum(axis=0)
    shares = totals / max(totals.sum(), 1e-12)
    return np.divide(1.0, shares, out=np.zeros_like(shares), where=shares > 0).astype(np.float32)


def tf_dataset(reader: ChunkReader, batch_size: int, *, shuffle: bool, seed: int | None = None):
    """A ``tf.data.Dataset`` of ``(x, y, sample_weight)`` batches read from ``reader``, prefetched.

    When shuffling, the chunk order changes every epoch and every batch is full
    (the chunks left over differ between epochs), so a compiled step never
    retraces; a split with fewer chunks than ``batch_size`` gives one smaller batch.
    """
    import tensorflow as tf

    nb_hist, channels, classes = reader.nb_hist, reader.split.x.shape[1], reader.split.y.shape[1]
    nb_out = -(-nb_hist // reader.output_stride)

    def load(chunks):
        x, y, w = tf.numpy_function(reader.read, [chunks], (tf.float32, tf.float32, tf.float32),
                                    stateful=reader.augment is not None)
        x.set_shape((None, nb_hist, channels))
        y.set_shape((None, nb_out, classes))
        w.set_shape((None, nb_out))
        return x, y, w

    chunks = tf.data.Dataset.range(len(reader))
    if shuffle:
        chunks = chunks.shuffle(len(reader), seed=seed, reshuffle_each_iteration=True)
    batches = chunks.batch(batch_size, drop_remainder=_full_batches_only(reader, batch_size, shuffle))
    return batches.map(load, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)


def steps_per_epoch(reader: ChunkReader, batch_size: int, *, shuffle: bool) -> int:
    """Number of batches :func:`tf_dataset` yields per epoch."""
    if _full_batches_only(reader, batch_size, shuffle):
        return len(reader) // batch_size
    return -(-len(reader) // batch_size)


def _full_batches_only(reader: ChunkReader, batch_size: int, shuffle: bool) -> bool:
    return shuffle and len(reader) >= batch_size
