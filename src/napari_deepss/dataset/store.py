"""The DeepSS "npy dir" layout of a dataset folder ``<name>.npy``.

``attrs.npy`` is a pickled dict (``np.save`` of a dict); each split is a
sub-folder with one ``.npy`` per array (``x``, ``y``, ``y_<type>``). ``x`` is
float16 as in DeepSS; ``y`` is float16 too (targets are probabilities, 3
significant digits are plenty, and it halves the size: rows sum to 1 within
float16 precision). ``attrs.npy`` is written last, so a folder without it is
not a complete dataset.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import FileFormatError
from ..npy_output import NpyOutput, npy_bytes
from .portable_pickle import save_object
from .splits import SPLIT_NAMES

ATTRS_FILE = "attrs.npy"
STORE_SUFFIX = ".npy"
X_DTYPE = np.float16
Y_DTYPE = np.float16
# attrs keys that describe the targets; y_<type>.npy has its own '<key>_<type>' variant
_TARGET_KEYS = ("class_names", "class_types")


def is_dataset_folder(path: str | os.PathLike) -> bool:
    """True for a complete dataset folder: a ``.npy`` folder with ``attrs.npy``."""
    path = Path(path)
    return path.suffix == STORE_SUFFIX and path.is_dir() and (path / ATTRS_FILE).is_file()


def write_attrs(folder: Path, attrs: dict) -> None:
    """``attrs.npy``, readable by numpy 1 (DeepSS's ``das.npy_dir.load``) and numpy 2 alike."""
    save_object(folder / ATTRS_FILE, attrs)


def read_attrs(store_folder: str | os.PathLike) -> dict:
    """The ``attrs`` dict of a dataset folder."""
    store_folder = Path(store_folder)
    if not is_dataset_folder(store_folder):
        raise FileFormatError(store_folder, f"not a complete dataset folder (a '<name>.npy' folder with {ATTRS_FILE})")
    try:
        return np.load(store_folder / ATTRS_FILE, allow_pickle=True)[()]
    except Exception as err:  # a damaged pickle raises many types
        raise FileFormatError(store_folder / ATTRS_FILE, f"cannot read the dataset attributes ({err})") from err


def dataset_splits(store_folder: str | os.PathLike) -> list[str]:
    """Splits present in a dataset folder, in the order train, val, test."""
    return [s for s in SPLIT_NAMES if (Path(store_folder) / s / "x.npy").is_file()]


def open_split(store_folder: str | os.PathLike, split: str) -> dict[str, np.ndarray]:
    """Arrays of one split (``x``, ``y``, ``y_<type>``...) as read-only memory maps.

    Raises :class:`FileFormatError` naming the file for an array that is
    damaged or cut short, not [samples, columns], or of another length than ``x``.
    """
    folder = Path(store_folder) / split
    if not (folder / "x.npy").is_file():
        raise FileFormatError(store_folder, f"the dataset has no {split!r} split (it has: {', '.join(dataset_splits(store_folder))})")
    arrays = {path.stem: open_array(path) for path in sorted(folder.glob("*.npy"))}
    n = len(arrays["x"])
    for name, array in arrays.items():
        if len(array) != n:
            raise FileFormatError(folder / f"{name}.npy", f"holds {len(array)} samples but x.npy holds {n}: every "
                                  "array of a split has one row per sample (a damaged dataset: make it again)")
    return arrays


def open_array(path: Path) -> np.ndarray:
    """One [samples, columns] array of a dataset as a read-only memory map, or a :class:`FileFormatError`."""
    try:
        array = np.load(path, mmap_mode="r")
    except Exception as err:  # a damaged header or a file cut short raise ValueError, EOFError, OSError...
        size = path.stat().st_size if path.exists() else 0
        raise FileFormatError(path, f"cannot read this array: the file is damaged or cut short ({size} bytes; {err}). "
                              "Copy it again, or make the dataset again") from err
    if not isinstance(array, np.ndarray) or array.dtype.kind not in "iuf" or array.ndim != 2:
        found = f"an array of {array.dtype}, shape {array.shape}" if isinstance(array, np.ndarray) else "no .npy array"
        raise FileFormatError(path, f"holds {found}; dataset arrays are numeric [samples, columns]")
    return array


def split_pieces(attrs: dict, split: str) -> list[tuple[str, int, int]]:
    """``(recording, start, stop)`` of each piece of ``split``, in the order of the split's samples; [] if unknown.

    napari-deepss appends recordings in sorted order of name, pieces of one
    recording in time order; ``start``/``stop`` are samples of the recording.
    DeepSS's own datasets key the same dict by file path but append recordings
    in the order its file search found them and leave whole-file pieces empty,
    so their pieces are known only when one recording makes up the split.
    """
    splits = attrs.get("data_splits")
    if not isinstance(splits, dict) or not all(isinstance(pieces, dict) for pieces in splits.values()):
        return []
    if made_by_deepss(attrs):
        holders = [name for name in splits if split in splits[name]]
        if len(holders) != 1:
            return []
    return [
        (name, int(start), int(stop))
        for name in sorted(splits)
        for start, stop in sorted(splits[name].get(split, []))
    ]


def data_hash(store_folder: str | os.PathLike, block: int = 2**20) -> str:
    """MD5 of a dataset folder as DeepSS computes it (``das.data_hash``): names and contents, sorted, recursively."""
    import hashlib

    digest = hashlib.md5()

    def add(folder: Path) -> None:
        for path in sorted(folder.iterdir(), key=lambda p: str(p).lower()):
            digest.update(path.name.encode())
            if path.is_file():
                with open(path, "rb") as f:
                    for chunk in iter(lambda: f.read(block), b""):
                        digest.update(chunk)
            elif path.is_dir():
                add(path)

    add(Path(store_folder))
    return digest.hexdigest()


def split_bytes(n_samples: int, shapes: dict[str, int]) -> int:
    """Disk space of one split's arrays ``name -> columns`` of ``n_samples`` rows."""
    return sum(npy_bytes((n_samples, columns), _dtype(name)) for name, columns in shapes.items())


def made_by_deepss(attrs: dict) -> bool:
    """True for a dataset made by DeepSS itself (its ``init_store`` always writes ``filename_<split>`` lists)."""
    return "filename_train" in attrs


def create_split_arrays(folder: Path, split: str, n_samples: int, shapes: dict[str, int]) -> dict[str, NpyOutput]:
    """Empty ``.npy`` arrays ``name -> [n_samples, columns]`` in ``folder/split``, allocated on the disk."""
    (folder / split).mkdir()
    return {name: NpyOutput.create(folder / split / f"{name}.npy", n_samples, columns, _dtype(name))
            for name, columns in shapes.items()}


def _dtype(name: str) -> type:
    return X_DTYPE if name == "x" else Y_DTYPE


@dataclass(frozen=True)
class Split:
    """One split of a dataset: audio ``x`` [n, channels] and targets ``y`` [n, classes], memory-mapped."""

    x: np.ndarray
    y: np.ndarray

    def __len__(self) -> int:
        return len(self.x)

    def part(self, start: int, stop: int) -> Split:
        """Samples ``start:stop`` (still a memory map view)."""
        return Split(self.x[start:stop], self.y[start:stop])


def open_dataset(data_dir: str | os.PathLike, y_suffix: str = "", x_suffix: str = "") -> tuple[dict, dict[str, Split]]:
    """Attributes and memory-mapped splits of a DeepSS dataset folder.

    With ``y_suffix`` the targets are ``y_<suffix>.npy`` and the returned attrs
    name its classes (``class_names``/``class_types`` from ``class_names_<suffix>``...);
    with ``x_suffix`` the audio is ``x_<suffix>.npy``.
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise FileFormatError(data_dir, "not a folder: give a dataset folder (<name>.npy)" if data_dir.exists()
                              else "no such dataset folder (make one with 'dss make-dataset')")
    attrs = dict(read_attrs(data_dir))
    target = f"y_{y_suffix}" if y_suffix else "y"
    audio = f"x_{x_suffix}" if x_suffix else "x"
    splits = {}
    for name in dataset_splits(data_dir):
        arrays = open_split(data_dir, name)
        if audio not in arrays:
            raise FileFormatError(data_dir / name, f"no audio {audio}.npy (x_suffix {x_suffix!r}); the split has: "
                                  f"{', '.join(sorted(key for key in arrays if key.startswith('x')))}")
        if target not in arrays:
            types = sorted(key.removeprefix("y_") for key in arrays if key.startswith("y_"))
            raise FileFormatError(
                data_dir / name,
                f"no targets {target}.npy for song type {y_suffix!r}; the dataset has individual targets for: "
                f"{', '.join(types) or 'none (make the dataset with individual training targets)'}",
            )
        x, y = arrays[audio], arrays[target]
        if len(x):  # an empty split is no split
            splits[name] = Split(x, y)
    if "train" not in splits:
        raise FileFormatError(data_dir, "the dataset has no 'train' split")
    if y_suffix:
        for key in _TARGET_KEYS:
            if f"{key}_{y_suffix}" in attrs:
                attrs[key] = attrs[f"{key}_{y_suffix}"]
    names = attrs.get("class_names")
    if names is not None and len(names) != splits["train"].y.shape[1]:
        raise FileFormatError(data_dir, f"attrs name {len(names)} classes but {target}.npy has "
                              f"{splits['train'].y.shape[1]} columns")
    return attrs, splits
