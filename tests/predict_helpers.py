"""Networks for the prediction tests: a tiny one trained on a real fly slice, and hand-set ones with known output."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile

from napari_deepss.annotations import Annotations, annotations_path_for, read_annotations, write_annotations

FLY_START, FLY_SECONDS = 3.0, 12.0  # pulses all through, also in the first 20% (the test split)


def fly_slice(fly_wav: Path, folder: Path, start: float = FLY_START, seconds: float = FLY_SECONDS) -> Path:
    """``seconds`` of the fly recording from ``start`` and their pulses, copied into ``folder`` as ``fly.wav``."""
    folder.mkdir(parents=True, exist_ok=True)
    samples, rate = soundfile.read(fly_wav, dtype="float32")
    wav = folder / "fly.wav"
    soundfile.write(wav, samples[int(start * rate):int((start + seconds) * rate)], rate)
    table = read_annotations(annotations_path_for(fly_wav))
    keep = (table.start_seconds >= start) & (table.start_seconds < start + seconds)
    write_annotations(
        Annotations([n for n, k in zip(table.names, keep) if k], table.start_seconds[keep] - start,
                    table.stop_seconds[keep] - start),
        annotations_path_for(wav),
    )
    return wav


def train_tiny_fly_network(fly_wav: Path, folder: Path) -> tuple[str, Path]:
    """Train a tiny TCN for two epochs on a 12 s fly slice; returns ``(model prefix, wav of the slice)``.

    Kernel 3 with dilations 1 and 2 sees 3 samples to each side, exactly its
    ``data_padding``, so chunked prediction must equal one pass over the signal
    (to float32's rounding: the network computes in float32 on every machine).
    """
    from napari_deepss import make_dataset, train

    wav = fly_slice(fly_wav, folder / "data")
    make_dataset(wav.parent, folder / "fly.npy")
    result = train(data_dir=str(folder / "fly.npy"), save_dir=str(folder / "fly.res"), nb_hist=256, nb_filters=8,
                   kernel_size=3, nb_conv=1, dilations=[1, 2], nb_epoch=2, batch_size=8, verbose=0, seed=1,
                   mixed_precision="off")
    return str(result.model_path).removesuffix("_model.h5"), wav


def amplitude_network(nb_hist: int = 64, rate: float = 1000.0, data_padding: int = 8):
    """A network whose class probabilities follow the input amplitude, sample by sample.

    Channel 0 drives the event class ``pulse`` and channel 1 the segment class
    ``syll`` (logit 20 * amplitude - 10: probability 0.5 at amplitude 0.5).
    Returns ``(model, params)``.
    """
    import keras

    inputs = keras.Input((nb_hist, 2))
    logits = keras.layers.Conv1D(3, 1, name="amplitude_to_logits")(inputs)
    model = keras.Model(inputs, keras.layers.Softmax()(logits))
    kernel = np.array([[[0.0, 20.0, 0.0], [0.0, 0.0, 20.0]]], dtype=np.float32)
    model.get_layer("amplitude_to_logits").set_weights([kernel, np.array([0.0, -10.0, -10.0], dtype=np.float32)])
    params = {
        "class_names": ["noise", "pulse", "syll"],
        "class_types": ["segment", "event", "segment"],
        "samplerate_x_Hz": rate,
        "nb_hist": nb_hist,
        "data_padding": data_padding,
        "nb_channels": 2,
    }
    return model, params


def saved_amplitude_network(folder: Path, rate: float = 1000.0) -> str:
    """:func:`amplitude_network` saved as ``<folder>/amplitude_model.h5`` and ``_params.yaml``; returns the prefix."""
    from napari_deepss.training import save_model, write_params

    model, params = amplitude_network(rate=rate)
    folder.mkdir(parents=True, exist_ok=True)
    prefix = folder / "amplitude"
    save_model(model, Path(f"{prefix}_model.h5"))
    write_params(Path(f"{prefix}_params.yaml"), params)
    return str(prefix)


def stereo_fly(fly_wav: Path, folder: Path, seconds: float = FLY_SECONDS) -> Path:
    """``seconds`` of the fly recording as a two-channel wav (what :func:`amplitude_network` takes)."""
    samples, rate = soundfile.read(fly_wav, dtype="float32")
    folder.mkdir(parents=True, exist_ok=True)
    wav = folder / "stereo.wav"
    mono = samples[: int(seconds * rate)]
    soundfile.write(wav, np.stack([mono, mono], axis=1), rate)
    return wav


def amplitude_song(path: Path, pulses, syllables, seconds: float = 2.0, rate: float = 1000.0) -> Path:
    """A 2-channel recording for :func:`amplitude_network`: a pulse at each sample of ``pulses`` (channel 0),
    song over each ``[start, stop)`` sample range of ``syllables`` (channel 1)."""
    song = np.zeros((int(seconds * rate), 2), dtype=np.float32)
    song[list(pulses), 0] = 1
    for start, stop in syllables:
        song[start:stop, 1] = 1
    path.parent.mkdir(parents=True, exist_ok=True)
    soundfile.write(path, song, int(rate), subtype="FLOAT")
    return path


def train_tiny_fly_network_in_child(fly_wav: Path, folder: Path) -> tuple[str, Path]:
    """:func:`train_tiny_fly_network` in a child process, for tests with a napari viewer.

    TensorFlow and napari's OpenGL driver crash when loaded into one process.
    """
    import subprocess
    import sys

    done = subprocess.run([sys.executable, __file__, str(fly_wav), str(folder)], capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"training the tiny network failed:\n{done.stderr[-3000:]}")
    prefix, wav = done.stdout.strip().splitlines()[-2:]
    return prefix, Path(wav)


if __name__ == "__main__":
    import sys

    trained = train_tiny_fly_network(Path(sys.argv[1]), Path(sys.argv[2]))
    print(*trained, sep="\n")

