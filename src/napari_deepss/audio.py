"""Load recordings as ``samples [n, channels] float32`` and a sample rate.

Formats (as DeepSS reads them):

- anything libsndfile reads (``.wav``, ``.flac``, ``.ogg``, ``.aif``/``.aiff``):
  integer PCM is scaled to [-1, 1];
- ``.npz`` with ``data`` [samples, channels] and ``samplerate`` (scalar);
- ``.h5``/``.hdf5`` with dataset ``data`` [samples, channels] and ``samplerate``
  as an attribute (of the file or of ``data``) or as a dataset.

``.npz``/``.h5`` values are kept as they are (only cast to float32). Audio
holding NaN or infinite values, and data stored channels-first (more
channels than samples), are refused naming the file.
"""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .atomic import atomic_path
from .errors import FileFormatError

SOUNDFILE_SUFFIXES = (".wav", ".flac", ".ogg", ".aif", ".aiff")
NPZ_SUFFIXES = (".npz",)
H5_SUFFIXES = (".h5", ".hdf5")
AUDIO_SUFFIXES = SOUNDFILE_SUFFIXES + NPZ_SUFFIXES + H5_SUFFIXES


@dataclass(frozen=True)
class AudioInfo:
    """What a recording holds, read without loading its samples."""

    path: str
    n_samples: int
    n_channels: int
    samplerate: float

    @property
    def duration_seconds(self) -> float:
        return self.n_samples / self.samplerate


def is_audio_path(path: str | os.PathLike) -> bool:
    """True if the suffix is one of the supported audio formats."""
    return Path(path).suffix.lower() in AUDIO_SUFFIXES


def load_audio(path: str | os.PathLike) -> tuple[np.ndarray, float]:
    """Return ``(samples, samplerate)``; samples are float32 [n, channels].

    Raises :class:`FileFormatError` naming the file for anything unreadable.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.is_file():
        raise FileFormatError(path, "no such file")
    if suffix in NPZ_SUFFIXES:
        data, rate = _load_npz(path)
    elif suffix in H5_SUFFIXES:
        data, rate = _load_h5(path)
    elif suffix in SOUNDFILE_SUFFIXES:
        data, rate = _load_soundfile(path)
    else:
        raise FileFormatError(path, _unsupported(suffix))
    samples, rate = _as_samples(path, data), _as_rate(path, rate)
    check_finite(samples, rate, path)
    return samples, rate


def check_finite(samples: np.ndarray, samplerate: float, source: str | os.PathLike) -> None:
    """Raise :class:`FileFormatError` naming ``source`` and the first NaN or infinite sample, if there is one.

    Such values pass through resampling, dataset targets and networks and come
    out as NaN losses and empty predictions; they are caught where audio enters.
    """
    finite = np.isfinite(samples)
    if finite.all():
        return
    bad = np.flatnonzero(~finite.reshape(-1))
    sample, channel = divmod(int(bad[0]), samples.shape[1])
    raise FileFormatError(source, (
        f"sample {sample} (at {sample / samplerate:.6g} s, channel {channel}) is {samples[sample, channel]}; "
        f"{len(bad)} value(s) are NaN or infinite. Audio must be finite numbers: repair or export the recording again"))


def audio_info(path: str | os.PathLike) -> AudioInfo:
    """Samples, channels and rate of a recording, without reading its samples.

    Raises :class:`FileFormatError` for the same files that :func:`load_audio` rejects
    by their layout (no samples, not [samples, channels], not numeric).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.is_file():
        raise FileFormatError(path, "no such file")
    try:
        if suffix in SOUNDFILE_SUFFIXES:
            import soundfile

            info = soundfile.info(str(path))
            shape, dtype, rate = (int(info.frames), int(info.channels)), np.dtype(np.float32), info.samplerate
        elif suffix in H5_SUFFIXES:
            import h5py

            with h5py.File(path, "r") as f:
                data, rate = _h5_data(path, f)
                shape, dtype = data.shape, data.dtype
        elif suffix in NPZ_SUFFIXES:
            shape, dtype, rate = _npz_header(path)
        else:
            raise FileFormatError(path, _unsupported(suffix))
    except FileFormatError:
        raise
    except Exception as err:  # corrupt containers raise many types
        raise FileFormatError(path, f"cannot read the file ({err})") from err
    n_samples, n_channels = _check_layout(path, shape, dtype)
    return AudioInfo(str(path), n_samples, n_channels, _as_rate(path, rate))


def is_recording(path: str | os.PathLike) -> bool:
    """True for a file this package opens as a recording: audio by suffix, ``.npz``/``.h5`` by content."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in NPZ_SUFFIXES:
        return is_deepss_npz(path)
    if suffix in H5_SUFFIXES:
        return is_deepss_h5(path)
    return suffix in SOUNDFILE_SUFFIXES and path.is_file()


def recordings_in(folder: str | os.PathLike, recursive: bool = False) -> list[Path]:
    """The recordings of ``folder`` (with ``recursive`` also of its sub-folders), sorted by path.

    Hidden files and folders are left out, and so are dataset folders
    (``<name>.npy``), whose arrays are not recordings.
    """
    folder = Path(folder)
    found = []
    for path in folder.iterdir():
        if path.name.startswith("."):
            continue
        if path.is_dir():
            if recursive and path.suffix != ".npy":
                found += recordings_in(path, recursive=True)
        elif is_recording(path):
            found.append(path)
    return sorted(found)


def is_deepss_npz(path: str | os.PathLike) -> bool:
    """True for an ``.npz`` holding ``data`` and ``samplerate`` (a DeepSS recording)."""
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
    except (OSError, zipfile.BadZipFile):
        return False
    return {"data.npy", "samplerate.npy"} <= names


def is_deepss_h5(path: str | os.PathLike) -> bool:
    """True for an HDF5 file with a ``data`` dataset and a ``samplerate``."""
    try:
        import h5py

        with h5py.File(path, "r") as f:
            return "data" in f and (_h5_samplerate(f) is not None)
    except Exception:
        return False


def save_wav(path: str | os.PathLike, samples: np.ndarray, samplerate: float) -> None:
    """Write float samples [n, channels] as a 32-bit float wav, atomically."""
    import soundfile

    with atomic_path(path) as tmp:
        soundfile.write(str(tmp), np.asarray(samples, dtype=np.float32), int(round(samplerate)), subtype="FLOAT", format="WAV")


def _load_soundfile(path: Path) -> tuple[np.ndarray, float]:
    """Read with libsndfile.

    A wav cut short is read up to its last complete frame (libsndfile shortens
    the frame count in the header to what is there; :func:`audio_info` agrees).
    """
    import soundfile

    try:
        data, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    except Exception as err:  # libsndfile reports corrupt/truncated files variously
        raise FileFormatError(path, f"cannot read audio ({err})") from err
    return data, rate


def _load_npz(path: Path) -> tuple[np.ndarray, float]:
    try:
        with np.load(path, allow_pickle=False) as npz:
            _check_npz_keys(path, npz.files)
            return npz["data"], npz["samplerate"]
    except FileFormatError:
        raise
    except Exception as err:
        raise FileFormatError(path, f"cannot read the .npz ({err})") from err


def _npz_header(path: Path) -> tuple[tuple[int, ...], np.dtype, object]:
    """Shape and dtype of ``data`` (from its .npy header) and the samplerate, in one opening of the archive."""
    with zipfile.ZipFile(path) as z:
        _check_npz_keys(path, (name.removesuffix(".npy") for name in z.namelist()))
        with z.open("samplerate.npy") as f:
            rate = np.lib.format.read_array(f, allow_pickle=False)
        with z.open("data.npy") as f:
            major, _ = np.lib.format.read_magic(f)
            read_header = np.lib.format.read_array_header_1_0 if major == 1 else np.lib.format.read_array_header_2_0
            shape, _, dtype = read_header(f)
    return shape, dtype, rate


def _check_npz_keys(path: Path, keys) -> None:
    keys = set(keys)
    if "data" not in keys:
        raise FileFormatError(path, f"no array 'data' in this .npz (it has: {', '.join(sorted(keys)) or 'nothing'})")
    if "samplerate" not in keys:
        raise FileFormatError(path, "no 'samplerate' in this .npz")


def _h5_data(path: Path, f):
    """The ``data`` dataset (not read yet) and the samplerate of an open HDF5 file."""
    if "data" not in f:
        raise FileFormatError(path, f"no dataset 'data' in this HDF5 file (it has: {', '.join(f.keys()) or 'nothing'})")
    rate = _h5_samplerate(f)
    if rate is None:
        raise FileFormatError(path, "no 'samplerate' attribute or dataset in this HDF5 file")
    return f["data"], rate


def _h5_samplerate(f):
    if "samplerate" in f.attrs:
        return f.attrs["samplerate"]
    if "samplerate" in f["data"].attrs:
        return f["data"].attrs["samplerate"]
    if "samplerate" in f:
        return f["samplerate"][()]
    return None


def _load_h5(path: Path) -> tuple[np.ndarray, float]:
    import h5py

    try:
        with h5py.File(path, "r") as f:
            data, rate = _h5_data(path, f)
            return data[()], rate
    except FileFormatError:
        raise
    except Exception as err:
        raise FileFormatError(path, f"cannot read the HDF5 file ({err})") from err


def _as_samples(path: Path, data) -> np.ndarray:
    data = np.asarray(data)
    _check_layout(path, data.shape, data.dtype)
    if data.ndim == 1:
        data = data[:, np.newaxis]
    return np.ascontiguousarray(data, dtype=np.float32)


def _check_layout(path: Path, shape: tuple[int, ...], dtype: np.dtype) -> tuple[int, int]:
    """``(n_samples, n_channels)`` of usable audio data, else a :class:`FileFormatError`."""
    if np.dtype(dtype).kind not in "iuf":
        raise FileFormatError(path, f"audio data must be numeric, not {dtype}")
    if len(shape) not in (1, 2):
        raise FileFormatError(path, f"audio data must be [samples, channels], not of shape {tuple(shape)}")
    n_channels = 1 if len(shape) == 1 else int(shape[1])
    if shape[0] == 0 or n_channels == 0:
        raise FileFormatError(path, "the recording holds no samples")
    if n_channels > shape[0]:
        raise FileFormatError(path, (
            f"data is shaped {tuple(shape)}: {n_channels} channels of {shape[0]} sample(s)? Recordings are stored "
            f"[samples, channels]; this one looks channels-first: save its data transposed (data.T, shape "
            f"{tuple(shape[::-1])})"))
    return int(shape[0]), n_channels


def _unsupported(suffix: str) -> str:
    return f"unsupported audio format {suffix!r}; use one of {', '.join(AUDIO_SUFFIXES)}"


def _as_rate(path: Path, rate) -> float:
    try:
        value = float(np.asarray(rate).reshape(-1)[0])
    except (TypeError, ValueError, IndexError) as err:
        raise FileFormatError(path, f"samplerate {rate!r} is not a number") from err
    if not np.isfinite(value) or value <= 0:
        raise FileFormatError(path, f"samplerate must be a positive number, not {value}")
    return value
