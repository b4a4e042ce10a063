"""A corpus of bad inputs and the refusals they must get (issue 15), made from the real recordings by a fixture.

Each case is built in a folder of its own from slices of the shared data (no
committed binaries) and says how every face must refuse it: the core call,
the ``dss`` arguments and the path the napari readers must refuse. A refusal
raises the case's error type with a message naming the case's file and
saying what is wrong, and leaves every file of the case's folder as it was
(nothing changed, nothing written).

Cases of the ``network`` group need a saved network, whose making imports
TensorFlow: they are built only in the core tests.
"""

from __future__ import annotations

import contextlib
import hashlib
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np
import soundfile
from predict_helpers import fly_slice

from napari_deepss.annotations import Annotations, read_annotations, write_annotations
from napari_deepss.audio import audio_info, load_audio
from napari_deepss.dataset import make_dataset
from napari_deepss.dataset.store import open_dataset, read_attrs, write_attrs
from napari_deepss.errors import FileFormatError

NAN_AT = 1234  # the first bad sample of the NaN recordings (at 2.5 kHz: 0.4936 s)


@dataclass(frozen=True)
class Case:
    named: Path  # the file or folder the message must name
    says: str  # what the message must say
    core: Callable[[], object]
    dss: tuple[str, ...] = ()  # the dss arguments, if dss has a command for it
    opens: Path | None = None  # what the napari readers must refuse
    error: type[Exception] = FileFormatError
    one_recording_fails: bool = False  # dss goes on past it (exit 1, listed as failed), as dss predict does


@dataclass(frozen=True)
class Material:
    fly_wav: Path
    bird_dir: Path
    network: str | None = None  # prefix of a saved two-channel network (core tests only)


BUILDERS: dict[str, Callable[[Path, Material], Case]] = {}
FACES: dict[str, tuple[str, ...]] = {}


def case(*faces: str):
    """Register a case builder ``(folder, material) -> Case`` under its function name, with its faces."""
    def register(build):
        BUILDERS[build.__name__] = build
        FACES[build.__name__] = faces
        return build
    return register


def names_with(face: str) -> list[str]:
    return [name for name, faces in FACES.items() if face in faces]


def build_corpus(root: Path, material: Material, names) -> dict[str, Case]:
    return {name: BUILDERS[name](_fresh(root / name), material) for name in names}


def hashes(folder: Path) -> dict[str, str]:
    """Every file below ``folder`` (links not followed) -> its content's hash; what a refusal must leave alone."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "folder"
            for p in sorted(folder.rglob("*")) if not p.is_symlink()}


@contextlib.contextmanager
def unchanged(folder: Path):
    """Assert that the block leaves every file below ``folder`` as it was (and adds none)."""
    before = hashes(folder)
    yield
    assert hashes(folder) == before


def assert_refusal(case: Case, message: str) -> None:
    """The message names the case's file and says what is wrong."""
    assert str(case.named) in message and case.says in message, message


def _fresh(folder: Path) -> Path:
    folder.mkdir(parents=True)
    return folder


def _fly(folder: Path, material: Material, seconds: float = 4.0) -> Path:
    """A 4 s fly slice ``fly.wav`` with its pulses in ``folder``."""
    return fly_slice(material.fly_wav, folder, start=3.0, seconds=seconds)


def _dataset(folder: Path, material: Material) -> Path:
    return make_dataset(_fly(folder / "data", material).parent, folder / "fly.npy").store_folder


def _make_dataset_case(data: Path, store: Path | None, named: Path, says: str, overwrite: bool = True) -> Case:
    argv = ("make-dataset", str(data), *(("--store-folder", str(store)) if store else ()),
            *(("--overwrite",) if overwrite else ()))
    return Case(named, says, lambda: make_dataset(data, store, overwrite=overwrite), dss=argv)


# --- item 1: what --overwrite may replace -----------------------------------------------------------------------


@case("core", "dss")
def store_is_the_data_folder(folder, m):
    data = _fly(folder / "songs.npy", m).parent
    return _make_dataset_case(data, data, data, "the store folder is the data folder")


@case("core", "dss")
def store_holds_the_data_folder(folder, m):
    data = _fly(folder / "lab.npy" / "recordings", m).parent
    return _make_dataset_case(data, folder / "lab.npy", folder / "lab.npy", "the store folder holds the data folder")


@case("core", "dss")
def store_links_to_the_data_folder(folder, m):
    data = _fly(folder / "songs", m).parent
    (folder / "songs.npy").symlink_to(data)  # the default store folder of 'songs'
    return _make_dataset_case(data, None, folder / "songs.npy", "the store folder is the data folder")


@case("core", "dss")
def store_is_not_a_dataset(folder, m):
    data = _fly(folder / "data", m).parent
    (folder / "thesis.npy").mkdir()
    (folder / "thesis.npy" / "thesis.tex").write_text("\\chapter{Song}\n")
    return _make_dataset_case(data, folder / "thesis.npy", folder / "thesis.npy", "is not a complete dataset")


@case("core", "dss")
def store_holds_other_files(folder, m):
    store = _dataset(folder, m)
    (store / "notes.txt").write_text("the good dataset\n")
    return _make_dataset_case(store.parent / "data", store, store, "also holds notes.txt")


@case("core", "dss")
def store_made_by_another_tool(folder, m):
    store = _dataset(folder, m)
    attrs = read_attrs(store)
    attrs.pop("made_by")  # as DeepSS writes it
    write_attrs(store, attrs)
    return _make_dataset_case(store.parent / "data", store, store, "was not made by napari-deepss")


@case("core", "dss")
def store_is_a_file(folder, m):
    data = _fly(folder / "data", m).parent
    np.save(folder / "results.npy", np.arange(10))
    return _make_dataset_case(data, folder / "results.npy", folder / "results.npy", "is not a folder")


@case("core", "dss")
def data_folder_is_a_file(folder, m):
    wav = _fly(folder / "data", m)
    return _make_dataset_case(wav, folder / "fly.npy", wav, "not a folder", overwrite=False)


# --- item 2, item 8: recordings that would pass garbage on ------------------------------------------------------


def _bad_recording(folder: Path, m: Material, suffix: str, write) -> Case:
    """The fly slice saved as ``fly<suffix>`` by ``write(path, samples, rate)``, with its annotations beside it."""
    source = _fly(folder / "source", m)
    samples, rate = soundfile.read(source, dtype="float32", always_2d=True)
    data = folder / "data"
    data.mkdir()
    path = data / f"fly{suffix}"
    write(path, samples, rate)
    shutil.copy(source.with_name("fly_annotations.csv"), data / "fly_annotations.csv")
    shutil.rmtree(source.parent)
    return path


def _with(value, samples):
    samples = samples.copy()
    samples[NAN_AT, 0] = value
    return samples


def _recording_case(path: Path, says: str, read=load_audio) -> Case:
    return Case(path, says, lambda: read(path), dss=("make-dataset", str(path.parent)), opens=path)


@case("core", "dss", "reader")
def nan_in_a_wav(folder, m):
    path = _bad_recording(folder, m, ".wav", lambda p, x, rate: soundfile.write(p, _with(np.nan, x), rate,
                                                                                 subtype="FLOAT"))
    return _recording_case(path, f"sample {NAN_AT} (at 0.4936 s, channel 0) is nan")


@case("core", "dss", "reader")
def inf_in_an_npz(folder, m):
    path = _bad_recording(folder, m, ".npz", lambda p, x, rate: np.savez(p, data=_with(np.inf, x), samplerate=rate))
    return _recording_case(path, f"sample {NAN_AT} (at 0.4936 s, channel 0) is inf")


def _write_h5(path, data, rate):
    with h5py.File(path, "w") as f:
        f.create_dataset("data", data=data)
        f.attrs["samplerate"] = rate


@case("core", "dss", "reader")
def nan_in_an_h5(folder, m):
    path = _bad_recording(folder, m, ".h5", lambda p, x, rate: _write_h5(p, _with(-np.inf, x), rate))
    return _recording_case(path, f"sample {NAN_AT} (at 0.4936 s, channel 0) is -inf")


@case("core", "dss", "reader")
def h5_stored_channels_first(folder, m):
    path = _bad_recording(folder, m, ".h5", lambda p, x, rate: _write_h5(p, x.T, rate))
    return _recording_case(path, "looks channels-first: save its data transposed (data.T, shape (10000, 1))",
                           read=audio_info)


# --- item 6: datasets that cannot train -------------------------------------------------------------------------


def _annotated(folder: Path, m: Material, edit) -> Path:
    """The fly slice with its annotation table replaced by ``edit(table)``; returns the CSV."""
    wav = _fly(folder / "data", m)
    csv = wav.with_name("fly_annotations.csv")
    write_annotations(edit(read_annotations(csv)), csv)
    return csv


@case("core", "dss")
def only_noise_annotated(folder, m):
    csv = _annotated(folder, m, lambda t: Annotations(["noise"] * len(t), t.start_seconds, t.stop_seconds))
    return _make_dataset_case(csv.parent, None, csv, "song type 'noise' in fly_annotations.csv", overwrite=False)


@case("core", "dss")
def no_song_annotated(folder, m):
    csv = _annotated(folder, m, lambda t: Annotations.from_rows([], [], [], song_types={"pulse": "event"}))
    return _make_dataset_case(csv.parent, None, csv, "no song is annotated in fly_annotations.csv", overwrite=False)


@case("core", "dss")
def a_song_type_named_noise(folder, m):
    data = folder / "data"
    data.mkdir()
    shutil.copy(m.bird_dir / "bird0_003.wav", data)
    table = read_annotations(m.bird_dir / "bird0_003_annotations.csv")
    csv = data / "bird0_003_annotations.csv"
    write_annotations(Annotations(["noise" if n == "syll_1" else n for n in table.names], table.start_seconds,
                                  table.stop_seconds), csv)
    return _make_dataset_case(data, None, csv, "song type 'noise' in bird0_003_annotations.csv", overwrite=False)


# --- item 7: damaged datasets -----------------------------------------------------------------------------------


def _damaged_dataset(folder: Path, m: Material, damage) -> tuple[Path, Path]:
    store = _dataset(folder, m)
    shutil.rmtree(store.parent / "data")
    return store, damage(store / "train")


def _cut_short(path: Path) -> Path:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def _dataset_case(store: Path, named: Path, says: str) -> Case:
    return Case(named, says, lambda: open_dataset(store), dss=("train", "--data-dir", str(store)), opens=store)


@case("core", "dss", "reader")
def x_cut_short(folder, m):
    store, damaged = _damaged_dataset(folder, m, lambda train: _cut_short(train / "x.npy"))
    return _dataset_case(store, damaged, "the file is damaged or cut short")


@case("core", "dss", "reader")
def y_cut_short(folder, m):
    store, damaged = _damaged_dataset(folder, m, lambda train: _cut_short(train / "y.npy"))
    return _dataset_case(store, damaged, "the file is damaged or cut short")


def _shorten(path: Path) -> Path:
    np.save(path, np.load(path)[:-100])
    return path


@case("core", "dss", "reader")
def y_shorter_than_x(folder, m):
    store, damaged = _damaged_dataset(folder, m, lambda train: _shorten(train / "y.npy"))
    n = len(np.load(store / "train" / "x.npy", mmap_mode="r"))
    return _dataset_case(store, damaged, f"holds {n - 100} samples but x.npy holds {n}")


# --- item 8: evaluation of files that disagree on a song type ---------------------------------------------------


@case("core", "dss")
def event_here_segment_there(folder, m):
    from napari_deepss.evaluate import evaluate_files

    true, predicted = folder / "true_annotations.csv", folder / "predicted.csv"
    write_annotations(Annotations(["song", "song"], [1.0, 2.0], [1.0, 2.0]), true)
    write_annotations(Annotations(["song", "song"], [1.0, 2.0], [1.2, 2.3]), predicted)
    return Case(predicted, "song type 'song' is a segment here but an event in true_annotations.csv",
                lambda: evaluate_files([(true, predicted)]),
                dss=("evaluate", "--true", str(true), "--predicted", str(predicted)))


# --- item 7 (loading is i13a's), item 2: networks ---------------------------------------------------------------


def _network_beside(folder: Path, m: Material, params_text: bytes | None) -> str:
    """A copy of the material's network as ``folder/net``; its params replaced by ``params_text`` if given."""
    prefix = folder / "net"
    shutil.copy(f"{m.network}_model.h5", f"{prefix}_model.h5")
    params = Path(f"{prefix}_params.yaml")
    if params_text is None:
        shutil.copy(f"{m.network}_params.yaml", params)
    else:
        params.write_bytes(params_text)
    return str(prefix)


def _stereo(folder: Path, m: Material, nan: bool) -> Path:
    """The fly slice as the two channels the network takes, with a NaN at :data:`NAN_AT` if ``nan``."""
    source = _fly(folder / "source", m)
    samples, rate = soundfile.read(source, dtype="float32", always_2d=True)
    samples = np.concatenate([samples, samples], axis=1)
    wav = folder / "stereo.wav"
    soundfile.write(wav, _with(np.nan, samples) if nan else samples, rate, subtype="FLOAT")
    shutil.rmtree(source.parent)
    return wav


def _params_case(folder: Path, m: Material, params_text: bytes, says: str) -> Case:
    from napari_deepss.training import load_model

    prefix = _network_beside(folder, m, params_text)
    wav = _stereo(folder, m, nan=False)
    return Case(Path(f"{prefix}_params.yaml"), says, lambda: load_model(prefix),
                dss=("predict", str(wav), prefix, "--suffix", "_predicted.csv"))


@case("network")
def params_binary_garbage(folder, m):
    return _params_case(folder, m, bytes(range(256)) * 4, "")


@case("network")
def params_empty(folder, m):
    return _params_case(folder, m, b"", "")


@case("network")
def params_a_yaml_list(folder, m):
    return _params_case(folder, m, b"- class_names\n- samplerate_x_Hz\n", "")


@case("network")
def params_non_numeric_rate(folder, m):
    text = Path(f"{m.network}_params.yaml").read_text()
    text = "\n".join("samplerate_x_Hz: fast" if line.startswith("samplerate_x_Hz:") else line
                     for line in text.splitlines())
    return _params_case(folder, m, text.encode(), "samplerate_x_Hz")


@case("network")
def nan_in_a_recording_to_predict(folder, m):
    from napari_deepss.prediction import predict

    prefix = _network_beside(folder, m, None)
    wav = _stereo(folder, m, nan=True)
    summary = folder.parent / f"{folder.name}_summary.csv"  # outside the folder that must stay unchanged
    return Case(wav, f"sample {NAN_AT} (at 0.4936 s, channel 0) is nan", lambda: predict(wav, prefix),
                dss=("predict", str(wav), prefix, "--summary", str(summary)), one_recording_fails=True)
