"""What DeepSS 0.32.13 itself made and found: the fixtures in tests/fixtures/deepss.

Made by ``scripts/make_deepss_fixtures.py`` (see the README there): tiny networks
trained by ``das train`` on the real recordings, DeepSS's predictions on a few
seconds of real audio, a dataset made with DeepSS's functions and a network
trained by an older napari-deepss.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "deepss"
NETWORKS = FIXTURES / "networks"
#: tcn and tcn_stft, one and two channels (the second stack separable in the two-channel networks)
NETWORK_NAMES = ("fly_tcn", "fly2ch_tcn", "bird_tcn_stft", "bird2ch_tcn_stft")
DATASET = FIXTURES / "deepss_dataset.npy"
OLD_NETWORK = FIXTURES / "old_networks" / "fly_stft_7045dc4"
#: DeepSS's probabilities are stored as round(p * 65535): this far from DeepSS's float32 values at most
QUANTUM = 0.5 / 65535


@dataclass(frozen=True)
class DeepSSPrediction:
    """DeepSS's ``predict`` of one fixture network on its audio."""

    prefix: Path
    audio: Path
    probabilities: np.ndarray  # [samples, classes]
    first: int  # DeepSS writes zeros before this sample (its data_padding) ...
    end: int  # ... and noise from here on (its last batch): only [first, end) is the network's output
    class_names: list[str]
    events: list[tuple[str, float]]
    segments: list[tuple[str, float, float]]

    @property
    def samplerate(self) -> float:
        import soundfile

        return float(soundfile.info(self.audio).samplerate)


def deepss_prediction(name: str) -> DeepSSPrediction:
    found = json.loads((NETWORKS / f"{name}_deepss.json").read_text())
    quantized = np.load(NETWORKS / f"{name}_probabilities.npz")["quantized"]
    events, segments = found["events"], found["segments"]
    return DeepSSPrediction(
        prefix=NETWORKS / name,
        audio=FIXTURES / found["audio"],
        probabilities=quantized / 65535.0,
        first=found["coverage"]["first"],
        end=found["coverage"]["end"],
        class_names=found["class_names"],
        events=sorted(zip(events["names"], events["seconds"])),
        segments=sorted(zip(segments["names"], segments["onsets"], segments["offsets"])),
    )
