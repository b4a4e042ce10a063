"""Train a tiny network with an older napari-deepss and record that code's own predictions.

Run by ``scripts/make_deepss_fixtures.py`` with the older code's ``src`` first on
PYTHONPATH; it uses only the public API that code had (``make_dataset``,
``train``, ``predict``). Arguments: COMMIT DATA OUT WORK.

The network has the STFT frontend (custom layers saved by class name), the
part of a saved model most likely to stop deserialising after an upgrade.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import numpy as np
import soundfile

import napari_deepss
from napari_deepss import make_dataset, predict, train

FLY = "fly_pulse/20190122T093303a-7"
TRAIN_SECONDS = (0.0, 30.0)  # the fly's pulses start at 0 s in the recording and in this slice


def main(commit: str, data: str, out: str, work: str) -> None:
    data, out, work = Path(data), Path(out), Path(work)
    folder = work / "fly"
    folder.mkdir()
    x, rate = soundfile.read(data / f"{FLY}.wav", dtype="int16")
    soundfile.write(folder / "fly.wav", x[int(TRAIN_SECONDS[0] * rate):int(TRAIN_SECONDS[1] * rate)], rate)
    lines = (data / f"{FLY}_annotations.csv").read_text().splitlines()
    kept = [line for line in lines[1:] if float(line.split(",")[1]) < TRAIN_SECONDS[1]]
    (folder / "fly_annotations.csv").write_text("\n".join([lines[0], *kept]) + "\n")
    make_dataset(folder, work / "fly.npy", event_std_seconds=0.004)
    result = train(data_dir=str(work / "fly.npy"), save_dir=str(work / "res"), save_prefix="old", nb_hist=512,
                   nb_filters=8, kernel_size=8, nb_conv=2, dilations=[1, 2, 4], nb_pre_conv=1, pre_nb_dft=32,
                   pre_nb_filters=8, pre_kernel_size=3, nb_epoch=8, batch_size=16, learning_rate=0.002, seed=1,
                   verbose=0)
    out.mkdir(parents=True)
    name = f"fly_stft_{commit}"
    shutil.copy(result.model_path, out / f"{name}_model.h5")
    shutil.copy(result.params_path, out / f"{name}_params.yaml")
    audio = next((out.parent / "audio" / "fly").glob("*.wav"))
    prediction = predict(audio, str(out / name), keep_probabilities=True)
    np.savez_compressed(out / f"{name}_probabilities.npz", probabilities=prediction.probabilities)
    found = {"code": f"napari-deepss {napari_deepss.__version__} at commit {commit}", "audio": audio.name,
             "events": {k: v.tolist() for k, v in prediction.events.items()}}
    (out / f"{name}_predicted.json").write_text(json.dumps(found, indent=1))


if __name__ == "__main__":
    main(*sys.argv[1:])
