"""Round trip every annotation of the shared data through each format: largest time difference and time taken.

    python benchmarks/annotation_formats_roundtrip.py [DATA_FOLDER]

For each format, every recording's DeepSS CSV (45 Bengalese finch files, the
fly pulse file) is written in that format and read back; the script prints
the largest difference of any onset or offset, whether names and kinds came
back, what was refused (and why), and the seconds per file. evsonganaly
labels are single characters, so bird song types go to .not.mat as their
last character (syll_3 -> 3).
"""

from __future__ import annotations

import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

from napari_deepss.annotation_formats import FORMATS, read_recording_annotations, write_recording_annotations
from napari_deepss.annotations import Annotations, read_annotations
from napari_deepss.audio import audio_info
from napari_deepss.errors import FileFormatError

DATA = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "shared" / "data"
NAMES = {"deepss": "_annotations.csv", "raven": ".Table.1.selections.txt", "audacity": ".txt",
         "textgrid": ".TextGrid", "notmat": ".wav.not.mat", "generic-seq": ".csv"}


def _tables() -> list[tuple[Path, Annotations]]:
    csvs = sorted((DATA / "bengalese_finch_bird0").glob("*_annotations.csv")) + sorted((DATA / "fly_pulse").glob("*_annotations.csv"))
    return [(csv.with_name(csv.name.removesuffix("_annotations.csv") + ".wav"), read_annotations(csv)) for csv in csvs]


def _round_trip(fmt: str, wav: Path, table: Annotations, folder: Path) -> float:
    if fmt == "notmat":
        table = Annotations([n[-1] for n in table.names], table.start_seconds, table.stop_seconds)
    path = write_recording_annotations(table, folder / (wav.stem + NAMES[fmt]), audio=audio_info(wav), format=fmt)
    back = read_recording_annotations(path)
    order_a, order_b = np.lexsort((back.start_seconds,)), np.lexsort((table.start_seconds,))
    if [back.names[i] for i in order_a] != [table.names[i] for i in order_b] or back.song_types != table.song_types:
        raise AssertionError(f"{fmt}: names or kinds differ for {wav.name}")
    return float(max(np.abs(back.start_seconds[order_a] - table.start_seconds[order_b]).max(initial=0),
                     np.abs(back.stop_seconds[order_a] - table.stop_seconds[order_b]).max(initial=0)))


def main() -> None:
    tables = _tables()
    print(f"{len(tables)} annotation files, {sum(len(t) for _, t in tables)} annotations")
    for fmt in FORMATS:
        with tempfile.TemporaryDirectory() as folder, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            worst, refused, done, start = 0.0, {}, 0, time.perf_counter()
            for wav, table in tables:
                try:
                    worst = max(worst, _round_trip(fmt, wav, table, Path(folder)))
                    done += 1
                except FileFormatError as err:
                    refused[wav.name] = err.problem
            seconds = (time.perf_counter() - start) / max(len(tables), 1)
        print(f"{fmt:12s} {done} round trips, largest time difference {worst:.3g} s, {seconds * 1000:.1f} ms per file")
        for name, problem in refused.items():
            print(f"{'':12s} refused {name}: {problem}")


if __name__ == "__main__":
    main()
