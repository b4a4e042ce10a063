"""The DeepSS half of ``scripts/make_deepss_fixtures.py``: runs in a Python with DeepSS 0.32.13 installed.

It imports nothing from napari-deepss. Two commands:

``build WORK OUT DATA``
    In the folder WORK (paths in the files it writes stay relative to it): copy
    real recordings from DATA, make datasets with DeepSS's own functions
    following the recipe of its GUI's "Make dataset for training" (xarray-behave
    ``gui/das.py: make``; the version installed beside DeepSS 0.32.13 no longer
    ships it), train the four tiny networks with ``das.train.train``, predict a
    few seconds of real audio with ``das.predict.predict`` and write DeepSS's own
    annotations with ``das.predict.cli_predict``. Results go to OUT.
``check-dataset DATASET``
    Load a dataset folder with ``das.npy_dir.load`` and train one epoch on it
    with ``das.train.train`` (the check that DeepSS reads datasets napari-deepss
    writes).
"""

from __future__ import annotations

import collections
import glob
import json
import os
import shutil
import sys
import tempfile

import numpy as np
import pandas as pd
import soundfile

FLY = "fly_pulse/20190122T093303a-7"
BIRD_TRAIN = [f"bengalese_finch_bird0/bird0_{i:03d}" for i in range(10)]
BIRD_TEST = "bengalese_finch_bird0/bird0_044"
# (name, data folder, training options); every network is tiny so that the fixtures stay small. The bird networks'
# data_padding (kernel_size * nb_conv: 14, 10) is no multiple of their downsampling factor 8, which DeepSS's chunk
# grid keeps as it is (napari-deepss's own layout would round it up).
NETWORKS = [
    ("fly_tcn", "fly", dict(model_name="tcn", nb_hist=512, nb_filters=8, kernel_size=16, nb_conv=2,
                            dilations=[1, 2, 4, 8], use_separable=[False, False], nb_epoch=60)),
    ("fly2ch_tcn", "fly2ch", dict(model_name="tcn", nb_hist=512, nb_filters=8, kernel_size=16, nb_conv=2,
                                  dilations=[1, 2, 4, 8], use_separable=[True, False], nb_epoch=60)),
    ("bird_tcn_stft", "bird", dict(model_name="tcn_stft", nb_pre_conv=3, pre_nb_dft=64, nb_hist=1024, nb_filters=12,
                                   kernel_size=7, nb_conv=2, dilations=[1, 2, 4, 8], use_separable=[False, False],
                                   nb_epoch=25)),
    ("bird2ch_tcn_stft", "bird2ch", dict(model_name="tcn_stft", nb_pre_conv=3, pre_nb_dft=64, nb_hist=1024,
                                         nb_filters=12, kernel_size=5, nb_conv=2, dilations=[1, 2, 4, 8],
                                         use_separable=[False, True], nb_epoch=25)),
]
# the audio each network predicts: (recording, first second, last second)
SLICES = {"fly": (FLY, 50.0, 55.0), "bird": (BIRD_TEST, 2.1, 3.3)}


def two_channels(x: np.ndarray) -> np.ndarray:
    """A second microphone made from the first: the recording 5 samples later at 60 % amplitude."""
    second = np.zeros_like(x)
    second[5:] = (0.6 * x[:-5]).astype(x.dtype)
    return np.stack([x, second], axis=1)


def copy_recording(data: str, stem: str, folder: str, channels: int = 1, start: float = 0.0, stop=None) -> str:
    """Copy ``DATA/stem.wav`` (int16, optionally cut to [start, stop) s) and its annotations into ``folder``."""
    os.makedirs(folder, exist_ok=True)
    x, rate = soundfile.read(os.path.join(data, stem + ".wav"), dtype="int16")
    first, last = int(round(start * rate)), len(x) if stop is None else int(round(stop * rate))
    x = x[first:last]
    name = os.path.join(folder, os.path.basename(stem))
    soundfile.write(name + ".wav", two_channels(x) if channels == 2 else x, rate, subtype="PCM_16")
    table = pd.read_csv(os.path.join(data, stem + "_annotations.csv"))
    keep = (table.start_seconds >= start) & (table.stop_seconds < (last / rate))
    table = table[keep].assign(start_seconds=table.start_seconds - start, stop_seconds=table.stop_seconds - start)
    table.to_csv(name + "_annotations.csv", index=False)
    return name + ".wav"


def targets(file_base, n, fs, class_names, class_types, event_std_seconds, gap_seconds) -> np.ndarray:
    """The GUI's targets of one recording: annotation matrix, blurred events, gaps between segments."""
    import das.make_dataset as dsm

    df = pd.read_csv(file_base + "_annotations.csv").dropna()
    y = dsm.make_annotation_matrix(df, n, fs, class_names)
    for index, kind in enumerate(class_types):
        if kind == "event" and event_std_seconds > 0:
            y[:, index] = dsm.blur_events(y[:, index], event_std_seconds=event_std_seconds, samplerate=fs)
    segment_idx = np.where(np.array(class_types) == "segment")[0]
    if gap_seconds > 0 and len(segment_idx):  # the GUI passes onsets as offsets (a DeepSS defect, kept here)
        y[:, segment_idx] = dsm.make_gaps(y[:, segment_idx], gap_seconds=gap_seconds, samplerate=fs,
                                          start_seconds=df["start_seconds"], stop_seconds=df["start_seconds"])
    return y


def make_dataset(data_folder, store_folder, *, file_splits=None, data_splits=None, make_single_class_datasets=False,
                 event_std_seconds=0.0, gap_seconds=0.0, seed=1):
    """DeepSS's GUI recipe for a dataset folder, with DeepSS 0.32.13's own functions (plain split, no stratifying)."""
    import das.annot
    import das.block_stratify
    import das.make_dataset as dsm
    import das.npy_dir
    import librosa
    import zarr

    np.random.seed(seed)
    file_splits, data_splits = dict(file_splits or {}), dict(data_splits or {})
    files_annotation = sorted(glob.glob(data_folder + "/*_annotations.csv"))
    names, types = [], []
    for file_annotation in files_annotation:
        events = das.annot.Events.from_df(pd.read_csv(file_annotation))
        names.extend(events.names)
        types.extend(events.categories.values())
    class_names, first = np.unique(names, return_index=True)
    class_names, class_types = ["noise", *map(str, class_names)], ["segment", *np.array(types)[first].tolist()]
    file_bases = [f[: -len("_annotations.csv")] for f in files_annotation]
    rate = float(soundfile.info(file_bases[0] + ".wav").samplerate)
    channels = soundfile.info(file_bases[0] + ".wav").channels
    store = dsm.init_store(nb_channels=channels, nb_classes=len(class_names), store=zarr.TempStore(), samplerate=rate,
                           make_single_class_datasets=make_single_class_datasets, class_names=class_names,
                           class_types=class_types)
    store.attrs.update(event_std_seconds=event_std_seconds, gap_seconds=gap_seconds, data_folder=data_folder,
                       store_folder=store_folder, file_splits=file_splits, data_splits=data_splits,
                       make_single_class_datasets=make_single_class_datasets, split_in_two=False,
                       delete_intermediate_store=True)
    file_split_dict = collections.defaultdict(lambda: None)
    if file_splits:
        file_split_dict.update(das.block_stratify.block(block_names=file_bases, group_sizes=list(file_splits.values()),
                                                        group_names=list(file_splits), seed=seed))
    store.attrs["file_split_dict"] = dict(file_split_dict)
    split_dict = {}
    for file_base in file_bases:
        x, fs = librosa.load(file_base + ".wav", sr=rate, mono=False)
        x = x.T if x.ndim == 2 else x[:, np.newaxis]
        y = targets(file_base, len(x), fs, class_names, class_types, event_std_seconds, gap_seconds)
        if file_split_dict[file_base] is not None:
            blocks_x, blocks_y, block_names, points = [x], [y], [file_split_dict[file_base]], []
        else:
            order = np.random.permutation(len(data_splits))
            sizes = np.array(list(data_splits.values()))[order] / sum(data_splits.values())
            block_names = np.array(list(data_splits))[order]
            blocks_x, points = das.block_stratify.group_splits(x, group_sizes=sizes)
            blocks_y, _ = das.block_stratify.group_splits(y, group_sizes=sizes)
        split_dict[file_base] = {str(name): [] for name in block_names}
        for name, start_end in zip(block_names, points):
            split_dict[file_base][str(name)].append([int(item) for item in start_end])
        for bx, by, name in zip(blocks_x, blocks_y, block_names):
            store[name]["x"].append(bx)
            store[name]["y"].append(dsm.normalize_probabilities(by))
            if make_single_class_datasets:
                for count, class_name in enumerate(class_names[1:]):
                    store[name][f"y_{class_name}"].append(dsm.normalize_probabilities(by[:, [0, count + 1]]))
    store.attrs["data_splits"] = split_dict
    das.npy_dir.save(store_folder, store)


def train(name: str, dataset: str, options: dict) -> str:
    """Train with ``das.train.train``; returns the prefix ``res/<name>`` of the model and params kept."""
    import das.train

    das.train.train(data_dir=dataset, save_dir="res", save_prefix=name, save_name="deepss", learning_rate=0.002,
                    batch_size=16, ignore_boundaries=True, verbose=2, seed=1, version_data=False, **options)
    return f"res/{name}_deepss"


def chunk_coverage(params: dict, n: int) -> dict:
    """Which samples of a recording of ``n`` samples DeepSS's ``predict`` fills with network output.

    It writes zeros for the first ``data_padding`` samples, pads the audio to a
    whole number of batches, keeps only complete batches of chunks and then
    overwrites the last ``pad_len`` samples of what it got with noise.
    """
    import das.data

    batch_len = params["batch_size"] * params["nb_hist"] + params["nb_hist"]
    pad_len = (batch_len - n % batch_len) % batch_len
    sequence = das.data.AudioSequence(x=np.zeros((n + pad_len, 1)), y=None, shuffle=False, **params)
    produced = len(sequence) * params["batch_size"] * sequence.stride + 2 * params["data_padding"]
    end = min(produced - pad_len if pad_len else produced, n)
    return {"first": int(params["data_padding"]), "end": int(end), "deepss_length": int(min(produced, n))}


def predict(prefix: str, wav: str, out: str, name: str) -> None:
    """DeepSS's probabilities, events and segments of ``wav``, and the CSV ``das predict`` writes for it."""
    import das.predict
    import das.utils
    import librosa

    model, params = das.utils.load_model_and_params(prefix)
    x, rate = librosa.load(wav, sr=None, mono=False)  # as das.predict.cli_predict reads a recording
    x = x.T if x.ndim == 2 else x[:, np.newaxis]
    events, segments, probabilities, class_names = das.predict.predict(x, model=model, params=dict(params),
                                                                       verbose=0, fs_audio=rate)
    probabilities = np.asarray(probabilities, dtype=np.float32)
    np.savez_compressed(os.path.join(out, f"{name}_probabilities.npz"),
                        quantized=np.round(np.clip(probabilities, 0, 1) * 65535).astype(np.uint16))
    found = {"audio": os.path.relpath(wav, os.path.dirname(out)), "coverage": chunk_coverage(params, len(x)),
             "class_names": list(map(str, class_names)),
             "events": {"seconds": np.asarray(events.get("seconds", []), float).tolist(),
                        "names": list(map(str, events.get("sequence", [])))},
             "segments": {"onsets": np.asarray(segments.get("onsets_seconds", []), float).tolist(),
                          "offsets": np.asarray(segments.get("offsets_seconds", []), float).tolist(),
                          "names": [str(segments["names"][i]) if not isinstance(i, str) else i
                                    for i in segments.get("sequence", [])]}}
    with open(os.path.join(out, f"{name}_deepss.json"), "w") as f:
        json.dump(found, f, indent=1)
    das.predict.cli_predict(wav, prefix, save_filename=os.path.join(out, f"{name}_annotations.csv"), verbose=0)


def build(work: str, out: str, data: str) -> None:
    os.chdir(work)
    for channels, suffix in ((1, ""), (2, "2ch")):
        copy_recording(data, FLY, "fly" + suffix, channels)
        for stem in BIRD_TRAIN:
            copy_recording(data, stem, "bird" + suffix, channels)
        for kind, (stem, start, stop) in SLICES.items():
            copy_recording(data, stem, os.path.join(out, "audio", kind + suffix), channels, start, stop)
        make_dataset("fly" + suffix, f"fly{suffix}.npy", data_splits={"train": 0.6, "val": 0.2, "test": 0.2},
                     event_std_seconds=0.004)
        make_dataset("bird" + suffix, f"bird{suffix}.npy", file_splits={"train": 0.6, "val": 0.2, "test": 0.2},
                     gap_seconds=0.002)
    copy_recording(data, FLY, "fly10", 1, 0.0, 10.0)
    make_dataset("fly10", "deepss_dataset.npy", data_splits={"train": 0.6, "val": 0.2, "test": 0.2},
                 make_single_class_datasets=True, event_std_seconds=0.002)
    shutil.move("deepss_dataset.npy", out)  # made in WORK, so that its attrs hold relative paths
    os.makedirs(os.path.join(out, "networks"), exist_ok=True)
    for name, folder, options in NETWORKS:
        prefix = train(name, folder + ".npy", options)
        for suffix in ("_model.h5", "_params.yaml"):
            shutil.copy(prefix + suffix, os.path.join(out, "networks", name + suffix))
        wav = glob.glob(os.path.join(out, "audio", folder, "*.wav"))[0]
        predict(os.path.join(out, "networks", name), wav, os.path.join(out, "networks"), name)


def check_dataset(dataset: str) -> None:
    """Load a dataset with DeepSS's own reader and train one epoch on it."""
    import das.npy_dir
    import das.train

    data = das.npy_dir.load(dataset)
    print("das.npy_dir.load:", {split: {k: v.shape for k, v in arrays.items()} for split, arrays in data.items()})
    print("attrs:", sorted(data.attrs))
    with tempfile.TemporaryDirectory() as save_dir:
        _, params, history = das.train.train(data_dir=dataset, save_dir=save_dir, nb_hist=256, nb_filters=8,
                                             kernel_size=8, nb_conv=1, dilations=[1, 2], nb_epoch=1, batch_size=8,
                                             verbose=2, version_data=False)
        print("das train: class_names", params["class_names"], "history", dict(history.history))


if __name__ == "__main__":
    command, *arguments = sys.argv[1:]
    {"build": build, "check-dataset": check_dataset}[command](*arguments)
