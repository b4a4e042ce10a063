"""Time and peak memory of make_dataset on about one hour of 32 kHz bird song.

The shared Bengalese finch recordings (45 files, ~412 s, 32 kHz) are repeated
into temporary recordings of ``--file-seconds`` each (16-bit wav, annotations
shifted along) until ``--hours`` of audio exist. The dataset is then built in
a child process, so that its peak resident memory is the build's alone.

    python benchmarks/make_dataset.py [--hours 1] [--file-seconds 600] [--data DIR]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile

from napari_deepss.annotations import Annotations, annotations_path_for, read_annotations, write_annotations
from napari_deepss.audio import load_audio

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "bengalese_finch_bird0"

BUILD = """
import sys
from napari_deepss import make_dataset
summary = make_dataset(sys.argv[1], gap_seconds=0.002, seed=0)
print(summary.describe())
"""


def make_recordings(source: Path, target: Path, hours: float, file_seconds: float) -> tuple[int, float]:
    """Write repeated recordings into ``target``; returns (files, seconds of audio)."""
    clips = []
    for wav in sorted(source.glob("*.wav")):
        samples, rate = load_audio(wav)
        clips.append((samples[:, 0], read_annotations(annotations_path_for(wav))))
    rate = int(rate)
    total = int(hours * 3600 * rate)
    per_file = int(file_seconds * rate)
    written, index, n_files = 0, 0, 0
    while written < total:
        length = min(per_file, total - written)
        parts, names, starts, stops, at = [], [], [], [], 0
        while at < length:
            samples, table = clips[index % len(clips)]
            index += 1
            take = min(len(samples), length - at)
            keep = ~table.is_placeholder & (table.stop_seconds * rate < take)
            parts.append(samples[:take])
            names += list(np.asarray(table.names, dtype=object)[keep])
            starts.append(table.start_seconds[keep] + at / rate)
            stops.append(table.stop_seconds[keep] + at / rate)
            at += take
        wav = target / f"long_{n_files:03d}.wav"
        soundfile.write(wav, np.concatenate(parts), rate, subtype="PCM_16")
        write_annotations(Annotations(names, np.concatenate(starts), np.concatenate(stops)), annotations_path_for(wav))
        written += length
        n_files += 1
    return n_files, written / rate


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=1.0)
    parser.add_argument("--file-seconds", type=float, default=600.0, help="length of each generated recording")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder of the bird0 recordings")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dss-bench-") as tmp:
        data = Path(tmp) / "long"
        data.mkdir()
        n_files, seconds = make_recordings(args.data, data, args.hours, args.file_seconds)
        print(f"audio: {n_files} recordings, {seconds:.0f} s at 32 kHz ({seconds / 3600:.2f} h)")
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", BUILD, str(data)], check=True)
        elapsed = time.perf_counter() - start
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        size_gb = folder_size(data.with_name("long.npy")) / 1e9
        print(f"make_dataset: {elapsed:.1f} s wall ({seconds / elapsed:.0f}x real time), "
              f"peak RSS {peak_mb:.0f} MB, dataset {size_gb:.2f} GB on disk")


if __name__ == "__main__":
    main()
