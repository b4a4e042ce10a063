"""Training data pipeline: memory-mapped splits, chunk tiling, loss weights, fractions, tf.data batches."""

from __future__ import annotations

import numpy as np
import pytest
from predict_helpers import fly_slice

from napari_deepss import make_dataset
from napari_deepss.chunk_layout import chunk_starts
from napari_deepss.dataset.store import open_dataset
from napari_deepss.training.chunks import (
    ChunkReader,
    loss_weights,
    steps_per_epoch,
    sub_range,
    tf_dataset,
)
from napari_deepss.errors import FileFormatError


@pytest.fixture(scope="module")
def fly_store(fly_wav, tmp_path_factory):
    """A dataset (with individual targets) of 12 s of the real fly recording."""
    folder = tmp_path_factory.mktemp("fly")
    wav = fly_slice(fly_wav, folder / "data")
    return make_dataset(wav.parent, folder / "fly.npy", make_individual_targets=True).store_folder


@pytest.mark.parametrize(("n", "nb_hist", "padding"), [(1000, 256, 32), (1000, 256, 0), (2000, 1024, 96), (5000, 300, 1)])
def test_loss_bearing_samples_tile_the_split(n, nb_hist, padding):
    starts = chunk_starts(n, nb_hist, nb_hist - 2 * padding)
    weights = loss_weights(starts, n, nb_hist, padding)
    assert starts[0] == 0 and starts[-1] == n - nb_hist
    coverage = np.zeros(n)
    for start, w in zip(starts, weights):
        coverage[start : start + nb_hist] += w
    assert coverage.min() == 1  # every sample is learned from
    assert coverage.sum() - n < nb_hist  # only the end-aligned last chunk repeats samples
    if padding:
        inner = weights[1:-1]
        assert not inner[:, :padding].any() and not inner[:, -padding:].any()
        assert inner[:, padding:-padding].all()


def test_a_split_shorter_than_a_chunk_gives_one_chunk_with_zero_weight_on_the_repeats():
    starts = chunk_starts(100, 256, 192)
    assert starts.tolist() == [0]
    weights = loss_weights(starts, 100, 256, 32)
    assert weights[0, :100].all() and not weights[0, 100:].any()


def test_reader_reads_chunks_from_the_memory_map(fly_store):
    attrs, splits = open_dataset(fly_store)
    train = splits["train"]
    assert isinstance(train.x, np.memmap) and isinstance(train.y, np.memmap)
    reader = ChunkReader(train, nb_hist=256, stride=192, padding=32)
    x, y, w = reader.read(np.array([3, 0]))
    assert x.dtype == y.dtype == w.dtype == np.float32
    assert x.shape == (2, 256, 1) and y.shape == (2, 256, len(attrs["class_names"])) and w.shape == (2, 256)
    np.testing.assert_array_equal(x[0], train.x[3 * 192 : 3 * 192 + 256])
    np.testing.assert_array_equal(y[1], train.y[:256])
    assert w[1, :32].all() and not w[0, :32].any()  # the split's first samples carry loss, other edges not


def test_individual_targets_and_their_class_names(fly_store):
    attrs, splits = open_dataset(fly_store, y_suffix="pulse")
    assert list(attrs["class_names"]) == ["noise", "pulse"]
    assert splits["train"].y.shape[1] == 2


def test_missing_song_type_names_what_exists(fly_store):
    with pytest.raises(FileFormatError, match=r"y_sine\.npy.*pulse"):
        open_dataset(fly_store, y_suffix="sine")


def test_a_folder_that_is_no_dataset(tmp_path):
    with pytest.raises(FileFormatError, match="no such dataset folder"):
        open_dataset(tmp_path / "missing.npy")
    (tmp_path / "empty.npy").mkdir()
    with pytest.raises(FileFormatError, match="empty.npy"):
        open_dataset(tmp_path / "empty.npy")


def test_sub_range_is_reproducible_with_a_seed():
    def pick(seed):
        return sub_range(100_000, 0.25, 1024, np.random.default_rng(seed))

    assert pick(1) == pick(1)
    assert pick(1) != pick(2)
    start, stop = pick(3)
    assert stop - start == 25_000 and 0 <= start and stop <= 100_000
    assert sub_range(1000, 0.01, 256, np.random.default_rng(0))[1] - sub_range(1000, 0.01, 256, np.random.default_rng(0))[0] == 256


def test_tf_dataset_yields_full_shuffled_batches_and_ordered_validation(fly_store):
    _, splits = open_dataset(fly_store)
    reader = ChunkReader(splits["val"], nb_hist=256, stride=192, padding=32)
    shuffled = list(tf_dataset(reader, 4, shuffle=True, seed=0).as_numpy_iterator())
    assert len(shuffled) == steps_per_epoch(reader, 4, shuffle=True) == len(reader) // 4
    assert all(x.shape == (4, 256, 1) for x, _, _ in shuffled)
    ordered = list(tf_dataset(reader, 4, shuffle=False).as_numpy_iterator())
    assert len(ordered) == steps_per_epoch(reader, 4, shuffle=False) == -(-len(reader) // 4)
    x, y, w = reader.read(np.arange(4))
    np.testing.assert_array_equal(ordered[0][0], x)
    np.testing.assert_array_equal(ordered[0][2], w)


def test_a_file_given_as_the_dataset_says_not_a_folder(tmp_path):
    (tmp_path / "x.npy").write_bytes(b"")
    with pytest.raises(FileFormatError, match="x.npy: not a folder"):
        open_dataset(tmp_path / "x.npy")
