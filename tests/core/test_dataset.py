"""make_dataset end to end on the real recordings: layout, targets, splits, failures."""

from __future__ import annotations

import shutil
import threading
import warnings
from pathlib import Path

import numpy as np
import pytest

from napari_deepss.annotations import read_annotations, write_annotations
from napari_deepss.audio import load_audio, save_wav
from napari_deepss.dataset import is_dataset_folder, make_dataset, open_split, read_attrs, split_pieces
from napari_deepss.errors import FileFormatError
from napari_deepss.jobs import Stopped
from recordings import BIRD_FILES, copy_recordings

SYLLABLES = [f"syll_{i}" for i in range(7)]  # the types sung in BIRD_FILES (syll_7, syll_8 are not)


@pytest.fixture
def bird_folder(bird_dir, tmp_path) -> Path:
    return copy_recordings(bird_dir, tmp_path / "bird", BIRD_FILES)


@pytest.fixture
def fly_folder(fly_dir, fly_wav, tmp_path) -> Path:
    return copy_recordings(fly_dir, tmp_path / "fly", [fly_wav.stem])


def recording_arrays(store: Path, name: str, key: str) -> np.ndarray:
    """``key`` (``x``, ``y``...) of one recording, put back together from its pieces in the splits."""
    attrs = read_attrs(store)
    pieces = []
    for split in attrs["data_splits"][name]:
        array, offset = open_split(store, split)[key], 0
        for recording, start, stop in split_pieces(attrs, split):
            if recording == name:
                pieces.append((start, np.asarray(array[offset : offset + stop - start], dtype=np.float32)))
            offset += stop - start
    return np.concatenate([piece for _, piece in sorted(pieces, key=lambda p: p[0])])


def load_like_deepss(store: Path) -> dict:
    """DeepSS's npy-dir convention: attrs from attrs.npy (pickled dict), one folder per split, one .npy per array."""
    data = {"attrs": np.load(store / "attrs.npy", allow_pickle=True)[()]}
    for folder in sorted(p for p in store.iterdir() if p.is_dir()):
        data[folder.name] = {f.stem: np.load(f, mmap_mode="r") for f in folder.glob("*.npy")}
    return data


def test_layout_attrs_and_class_order(bird_folder):
    summary = make_dataset(bird_folder, make_individual_targets=True, seed=1)
    store = bird_folder.with_name("bird.npy")
    assert summary.store_folder == store and is_dataset_folder(store)
    data = load_like_deepss(store)
    attrs = data["attrs"]
    for key in ("samplerate_x_Hz", "samplerate_y_Hz", "class_names", "class_types", "event_std_seconds",
                "gap_seconds", "data_folder", "store_folder", "data_splits"):
        assert key in attrs, key
    assert attrs["class_names"] == ["noise", *SYLLABLES]
    assert attrs["class_types"] == ["segment"] * 8
    assert attrs["samplerate_x_Hz"] == attrs["samplerate_y_Hz"] == 32000
    assert attrs["store_folder"] == str(store)
    assert set(attrs["data_splits"]) == set(BIRD_FILES)
    assert set(data) == {"attrs", "train", "val", "test"}
    total = 0
    for split in ("train", "val", "test"):
        arrays = data[split]
        assert set(arrays) == {"x", "y", *(f"y_{s}" for s in SYLLABLES)}
        n = len(arrays["x"])
        total += n
        assert arrays["x"].dtype == np.float16 and arrays["x"].shape == (n, 1)
        assert arrays["y"].shape == (n, 8)
        y = np.asarray(arrays["y"], dtype=np.float32)
        np.testing.assert_allclose(y.sum(axis=1), 1, atol=2e-3)
        for i, name in enumerate(SYLLABLES, start=1):
            assert attrs[f"class_names_{name}"] == ["noise", name]
            assert attrs[f"class_types_{name}"] == ["segment", "segment"]
            np.testing.assert_array_equal(arrays[f"y_{name}"][:, 1], arrays["y"][:, i])
    assert total == sum(load_audio(bird_folder / f"{s}.wav")[0].shape[0] for s in BIRD_FILES)


def test_audio_is_copied_in_split_order(bird_folder):
    make_dataset(bird_folder, seed=2)
    store = bird_folder.with_name("bird.npy")
    for name in BIRD_FILES:
        audio, _ = load_audio(bird_folder / f"{name}.wav")
        np.testing.assert_array_equal(recording_arrays(store, name, "x"), audio.astype(np.float16))


def test_event_is_a_gaussian_with_peak_at_the_annotated_sample(fly_folder):
    std_seconds = 0.004
    make_dataset(fly_folder, event_std_seconds=std_seconds, seed=0)
    store = fly_folder.with_name("fly.npy")
    attrs = read_attrs(store)
    assert attrs["class_names"] == ["noise", "pulse"] and attrs["class_types"] == ["segment", "event"]
    rate = attrs["samplerate_x_Hz"]
    std = std_seconds * rate  # 10 samples
    name = next(iter(attrs["data_splits"]))
    pulses = read_annotations(fly_folder / f"{name}_annotations.csv").events()["pulse"]
    # an isolated pulse: no other pulse within 10 standard deviations
    isolated = [t for t in pulses if np.sort(np.abs(pulses - t))[1] > 10 * std_seconds]
    at = int(round(isolated[0] * rate))
    y = recording_arrays(store, name, "y")
    assert y[at, 1] == 1.0
    assert y[at - 1, 1] < 1.0 and y[at + 1, 1] < 1.0
    offsets = np.arange(-30, 31)
    bump = y[at + offsets, 1]
    np.testing.assert_allclose(bump, np.exp(-0.5 * (offsets / std) ** 2), atol=2e-3)
    measured_std = np.sqrt(np.sum(bump * offsets**2) / np.sum(bump))
    assert measured_std == pytest.approx(std, rel=0.02)
    np.testing.assert_allclose(y[at + offsets, 0], 1 - bump, atol=2e-3)


def _adjacent_pair(annotations, rate):
    """Two consecutive syllables less than 10 ms apart, in sample units."""
    on, off = np.round(annotations.start_seconds * rate).astype(int), np.round(annotations.stop_seconds * rate).astype(int)
    for i in range(len(on) - 1):
        if 0 < on[i + 1] - off[i] < 0.01 * rate and off[i] - on[i] > 0.03 * rate and off[i + 1] - on[i + 1] > 0.03 * rate:
            return (annotations.names[i], on[i], off[i]), (annotations.names[i + 1], on[i + 1], off[i + 1])
    raise AssertionError("no adjacent syllables")


def test_gaps_are_cut_at_both_onsets_and_offsets(bird_folder):
    gap_seconds = 0.004
    rate = 32000
    half = int(round(gap_seconds * rate)) // 2  # 64 samples either side of each boundary
    name = "bird0_003"  # syll_5 2.306 s -> syll_5 2.309 s
    (name_a, on_a, off_a), (name_b, on_b, off_b) = _adjacent_pair(read_annotations(bird_folder / f"{name}_annotations.csv"), rate)
    y_plain, y_gaps = (
        recording_arrays(make_dataset(bird_folder, bird_folder.with_name(f"gap{gap}.npy"), gap_seconds=gap, seed=0).store_folder, name, "y")
        for gap in (0.0, gap_seconds)
    )
    names = read_attrs(bird_folder.with_name("gap0.0.npy"))["class_names"]
    a, b = names.index(name_a), names.index(name_b)
    assert np.all(y_plain[on_a : off_a + 1, a] == 1) and np.all(y_plain[on_b : off_b + 1, b] == 1)  # stop included
    assert np.all(y_plain[off_a + 1 : on_b, 0] == 1) and y_plain[on_a - 1, 0] == 1 and y_plain[off_b + 1, 0] == 1
    y = y_gaps
    # zeros of the gap's width around A's offset and B's onset; A and B intact further in
    assert np.all(y[off_a - half : off_a + half, a] == 0)
    assert np.all(y[on_b - half : on_b + half, b] == 0)
    assert np.all(y[off_a - half : on_b + half, 0] == 1)
    assert y[off_a - half - 1, a] == 1 and y[on_b + half, b] == 1
    # onsets and offsets of every syllable are cut the same way
    assert np.all(y[on_a - half : on_a + half, a] == 0) and y[on_a + half, a] == 1
    assert np.all(y[off_b - half : off_b + half, b] == 0) and y[off_b - half - 1, b] == 1


def test_split_by_samples_sizes_follow_the_fractions(bird_folder):
    summary = make_dataset(bird_folder, train=0.5, val=0.3, test=0.2, seed=4)
    total = sum(summary.split_samples.values())
    for split, fraction in {"train": 0.5, "val": 0.3, "test": 0.2}.items():
        assert abs(summary.split_samples[split] - fraction * total) <= len(BIRD_FILES)
    attrs = read_attrs(summary.store_folder)
    for name, splits in attrs["data_splits"].items():
        assert set(splits) == {"train", "val", "test"}, name  # every recording is cut into all three


def test_split_by_files_keeps_recordings_whole(bird_dir, tmp_path):
    stems = [f"bird0_{i:03d}" for i in range(10)]
    folder = copy_recordings(bird_dir, tmp_path / "birds", stems)
    summary = make_dataset(folder, train_by="files", val_by="files", test_by="files", seed=5)
    attrs = read_attrs(summary.store_folder)
    lengths = {s: load_audio(folder / f"{s}.wav")[0].shape[0] for s in stems}
    for name, splits in attrs["data_splits"].items():
        assert len(splits) == 1, name
        assert list(splits.values())[0] == [[0, lengths[name]]]
    total, longest = sum(lengths.values()), max(lengths.values())
    for split, fraction in {"train": 0.6, "val": 0.2, "test": 0.2}.items():
        assert abs(summary.split_samples[split] - fraction * total) <= longest


def test_mixed_split_test_by_files_train_val_by_samples(bird_folder):
    summary = make_dataset(bird_folder, train=0.5, val=0.25, test=0.25, test_by="files", seed=0)
    splits = read_attrs(summary.store_folder)["data_splits"]
    test_files = [name for name, s in splits.items() if "test" in s]
    assert test_files and all(set(splits[n]) == {"test"} for n in test_files)
    assert all(set(s) == {"train", "val"} for n, s in splits.items() if n not in test_files)


def test_same_seed_same_dataset_other_seed_other_split(bird_folder):
    stores = {}
    for label, seed in (("a", 7), ("b", 7), ("c", 8)):
        stores[label] = bird_folder.with_name(f"{label}.npy")
        make_dataset(bird_folder, stores[label], seed=seed)
    splits = {label: read_attrs(store)["data_splits"] for label, store in stores.items()}
    assert splits["a"] == splits["b"]
    assert splits["a"] != splits["c"]
    for split in ("train", "val", "test"):
        a, b = open_split(stores["a"], split), open_split(stores["b"], split)
        for key in ("x", "y"):
            np.testing.assert_array_equal(a[key], b[key])


def test_no_test_split_when_its_fraction_is_zero(fly_folder):
    summary = make_dataset(fly_folder, test=0)
    assert set(summary.split_samples) == {"train", "val"}
    assert sorted(p.name for p in summary.store_folder.iterdir()) == ["attrs.npy", "train", "val"]


def test_too_few_files_for_a_split_by_files_suggests_samples(fly_folder):
    with pytest.raises(ValueError, match="(?i)split by samples"):
        make_dataset(fly_folder, test_by="files")
    assert not fly_folder.with_name("fly.npy").exists()


def test_store_folder_must_end_in_npy(fly_folder, tmp_path):
    with pytest.raises(FileFormatError, match=r"\.npy"):
        make_dataset(fly_folder, tmp_path / "dataset")


def test_existing_store_is_kept_unless_overwrite(fly_folder):
    first = make_dataset(fly_folder, test=0)
    stamp = first.store_folder / "keep"
    stamp.write_text("old")
    with pytest.raises(FileExistsError):
        make_dataset(fly_folder)
    assert stamp.exists()
    with pytest.raises(FileFormatError, match="also holds keep"):  # a file of the user's inside: not only a dataset
        make_dataset(fly_folder, overwrite=True)
    assert stamp.read_text() == "old"
    stamp.unlink()
    second = make_dataset(fly_folder, overwrite=True)
    assert set(second.split_samples) == {"train", "val", "test"}


def test_cancelling_leaves_no_dataset(bird_folder):
    calls = []
    stop = threading.Event()

    def progress(step):
        calls.append(step)
        if len(calls) == 3:
            stop.set()

    with pytest.raises(Stopped, match="cancelled") as stopped:
        make_dataset(bird_folder, progress=progress, stop=stop)
    assert stopped.value.result is None
    assert len(calls) == 3 and calls[0].done == 0 and calls[-1].done > 0
    assert sorted(p.name for p in bird_folder.parent.iterdir()) == ["bird"]


def test_cancel_event_set_at_the_last_step_still_writes_nothing(fly_folder):
    cancel = threading.Event()

    def progress(step):
        if step.done == step.total:
            cancel.set()

    with pytest.raises(Stopped):
        make_dataset(fly_folder, progress=progress, stop=cancel)
    assert sorted(p.name for p in fly_folder.parent.iterdir()) == ["fly"]


def test_an_error_midway_leaves_no_dataset(bird_folder):
    steps = []

    def progress(step):
        steps.append(step)
        if len(steps) == 2:
            assert any(p.name.startswith(".bird") for p in bird_folder.parent.iterdir())  # building beside the target
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        make_dataset(bird_folder, progress=progress)
    first, second = steps
    assert first.done == 0 < second.done < second.total
    assert sorted(p.name for p in bird_folder.parent.iterdir()) == ["bird"]


def test_progress_reaches_the_total(fly_folder, fly_wav):
    steps = []
    make_dataset(fly_folder, progress=steps.append)
    assert steps[-1].done == steps[-1].total == 150000
    assert steps[0].message == "" and steps[-1].message == fly_wav.stem  # the recording being written
    assert [s.done for s in steps] == sorted(s.done for s in steps)


def test_audio_without_annotations_is_skipped_and_reported(bird_folder, bird_dir):
    shutil.copy(bird_dir / "bird0_000.wav", bird_folder / "unannotated.wav")
    with pytest.warns(UserWarning, match="unannotated.wav"):
        summary = make_dataset(bird_folder)
    assert summary.skipped == ["unannotated.wav"]
    assert "unannotated" not in read_attrs(summary.store_folder)["data_splits"]
    assert "unannotated.wav" in summary.describe()


def test_mixed_sample_rates_are_resampled_to_the_highest(bird_folder):
    audio, rate = load_audio(bird_folder / "bird0_005.wav")
    slow = audio[::2]  # 16 kHz: a decimated copy (aliasing does not matter here)
    (bird_folder / "bird0_005.wav").unlink()
    save_wav(bird_folder / "bird0_005.wav", slow, rate / 2)
    summary = make_dataset(bird_folder, seed=0)
    attrs = read_attrs(summary.store_folder)
    assert attrs["samplerate_x_Hz"] == 32000
    ranges = attrs["data_splits"]["bird0_005"]
    assert max(stop for r in ranges.values() for _, stop in r) == 2 * len(slow)


def test_mixed_channel_counts_name_the_files(bird_folder):
    audio, rate = load_audio(bird_folder / "bird0_007.wav")
    (bird_folder / "bird0_007.wav").unlink()
    save_wav(bird_folder / "bird0_007.wav", np.concatenate([audio, audio], axis=1), rate)
    with pytest.raises(FileFormatError, match=r"2 channel\(s\): bird0_007.wav") as err:
        make_dataset(bird_folder)
    assert "bird0_003.wav" in str(err.value)


def test_annotations_after_the_end_of_the_recording_are_an_error(bird_folder):
    csv = bird_folder / "bird0_010_annotations.csv"
    table = read_annotations(csv)
    n = len(table)
    late = type(table)(table.names + ["syll_1"], np.append(table.start_seconds, 4.5), np.append(table.stop_seconds, 4.7))
    write_annotations(late, csv)
    with pytest.raises(FileFormatError, match=rf"bird0_010_annotations.csv: row {n + 1} \(syll_1, 4.5-4.7 s\)"):
        make_dataset(bird_folder)
    assert not bird_folder.with_name("bird.npy").exists()


def test_a_song_type_that_is_event_and_segment_is_an_error(bird_folder):
    csv = bird_folder / "bird0_005_annotations.csv"
    table = read_annotations(csv)
    write_annotations(type(table)(["syll_0"], [1.0], [1.0]), csv)
    with pytest.raises(FileFormatError, match="syll_0"):
        make_dataset(bird_folder)


def test_a_folder_without_annotated_recordings_is_an_error(tmp_path, fly_wav):
    shutil.copy(fly_wav, tmp_path / fly_wav.name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(FileFormatError, match="no recording with annotations"):
            make_dataset(tmp_path)


@pytest.mark.parametrize("options", [{"train": 0}, {"val": -0.1}, {"test_by": "blocks"}, {"gap_seconds": -1}])
def test_invalid_options_are_clear_errors(fly_folder, options):
    with pytest.raises(ValueError, match="train|val|test|gap"):
        make_dataset(fly_folder, **options)


def test_pieces_are_written_in_the_documented_order(fly_dir, fly_wav, tmp_path):
    folder = tmp_path / "recs"
    folder.mkdir()
    csv = fly_dir / f"{fly_wav.stem}_annotations.csv"
    for stem in ("rec", "rec-1"):  # path order ("rec-1.wav" < "rec.wav") differs from name order
        shutil.copy(fly_wav, folder / f"{stem}.wav")
        shutil.copy(csv, folder / f"{stem}_annotations.csv")
    audio, _ = load_audio(fly_wav)
    audio[:, 0] = np.linspace(-1, 1, len(audio))  # tell the two apart
    (folder / "rec-1.wav").unlink()
    save_wav(folder / "rec-1.wav", audio, 2500)
    store = make_dataset(folder, seed=1).store_folder
    for stem in ("rec", "rec-1"):
        expected, _ = load_audio(folder / f"{stem}.wav")
        np.testing.assert_array_equal(recording_arrays(store, stem, "x"), expected.astype(np.float16))
