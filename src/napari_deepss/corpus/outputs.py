"""Where a corpus run writes, and what it may do with an output that exists already.

Each recording's annotations go to ``<stem><suffix>`` beside it, or with an
output folder to the same place below it as the recording is below the corpus
root (the folder all recordings share), so the folders of a recursive run
are mirrored. Beside the CSV lie ``<stem>_probabilities.npy`` and its
``.json`` description (on request) and the CSV's provenance record
``.dss-predict/<csv name>.json``: the recording, network and post-processing
options that made it, and the SHA-256 of its content. The record tells this run's own outputs from a person's files:

- ``fresh``: written by a run with the same network and options, unchanged
  since, and newer than the recording and the network: skipped on a re-run;
- ``stale``: written by a run, but the recording, network or options changed
  since (or the probabilities asked for are missing): predicted again;
- ``foreign``: no record, or the file changed since (proofread in napari, or
  a human annotation file): never replaced without ``overwrite``;
- ``missing``: predicted.

The record is written before the CSV; it keeps the previous CSV's digest too,
so a run killed between the two writes leaves an output that is still known.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from ..annotations import recording_stem
from ..atomic import atomic_path
from ..errors import FileFormatError
from ..postprocess import PostprocessOptions
from ..probability_files import ProbabilityFormat

RECORD_FOLDER = ".dss-predict"
PROBABILITIES_SUFFIX = "_probabilities.npy"
SUMMARY_NAME = "predict_summary.csv"


@dataclass(frozen=True)
class Outputs:
    """The files one recording's prediction writes."""

    csv: Path
    probabilities: Path
    record: Path


@dataclass(frozen=True)
class Recipe:
    """What makes an output: the network (absolute prefix), the post-processing and the probabilities' format if kept."""

    network: str
    options: PostprocessOptions
    probabilities: ProbabilityFormat | None
    precision: str | None = "auto"  # the network's arithmetic (napari_deepss.models.precision); None: as saved


def corpus_root(recordings: list[Path]) -> Path:
    """The deepest folder that holds every recording (at any depth)."""
    return Path(os.path.commonpath([str(r.parent) for r in recordings]))


def plan_outputs(recordings: list[Path], suffix: str, out_dir: str | os.PathLike | None) -> list[Outputs]:
    """The outputs of each recording; FileFormatError if two recordings would write the same file."""
    if not suffix or os.sep in suffix or (os.altsep and os.altsep in suffix):
        raise ValueError(f"--suffix must be a file name ending such as _annotations.csv, not {suffix!r}")
    root = corpus_root(recordings)
    planned, writers = [], dict.fromkeys(recordings, None)
    for recording in recordings:
        folder = Path(out_dir).absolute() / recording.parent.relative_to(root) if out_dir else recording.parent
        stem = recording_stem(recording)
        outputs = Outputs(folder / (stem + suffix), folder / (stem + PROBABILITIES_SUFFIX),
                          folder / RECORD_FOLDER / (stem + suffix + ".json"))
        for path in (outputs.csv, outputs.probabilities):
            if path in writers:
                other = f"the predictions of {writers[path]}" if writers[path] else "a recording of this run"
                raise FileFormatError(path, f"the predictions of {recording} would replace {other}; give the "
                                      "recordings different names, another --suffix, or predict them in separate runs")
            writers[path] = recording
        planned.append(outputs)
    return planned


def digest(data: bytes) -> str:
    """SHA-256 of a CSV's content, line endings normalised (text files get ``\\r\\n`` on Windows)."""
    return hashlib.sha256(data.replace(b"\r\n", b"\n")).hexdigest()


def output_state(recording: Path, outputs: Outputs, recipe: Recipe, network_mtime_ns: int) -> tuple[str, str | None]:
    """``(state, digest of the existing CSV when it is this program's)``; states as in the module's docstring."""
    try:
        content = outputs.csv.read_bytes()
        written = outputs.csv.stat().st_mtime_ns
    except FileNotFoundError:
        return "missing", None
    record = _read_record(outputs.record)
    current = digest(content)
    if record is None or current not in (record.get("csv_sha256"), record.get("previous_csv_sha256")):
        return "foreign", None
    fresh = (
        current == record.get("csv_sha256")
        and written > max(recording.stat().st_mtime_ns, network_mtime_ns)
        and record.get("recording") == str(recording)
        and record.get("network") == recipe.network
        and record.get("options") == recipe.options.to_dict()
        and (not recipe.probabilities or (record.get("probabilities") and outputs.probabilities.is_file()
                                          and record.get("probabilities_format") == recipe.probabilities.to_dict()))
    )
    return ("fresh" if fresh else "stale"), current


def write_record(outputs: Outputs, recording: Path, recipe: Recipe, csv_text: str, previous: str | None) -> None:
    """Record (atomically) that ``csv_text`` is about to be written to ``outputs.csv``, and how it was made."""
    record = {
        "recording": str(recording),
        "network": recipe.network,
        "options": recipe.options.to_dict(),
        "probabilities": outputs.probabilities.name if recipe.probabilities else None,
        "probabilities_format": recipe.probabilities.to_dict() if recipe.probabilities else None,
        "csv_sha256": digest(csv_text.encode("utf-8")),
        "previous_csv_sha256": previous,
    }
    outputs.record.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(outputs.record) as tmp:
        tmp.write_text(json.dumps(record, indent=1), encoding="utf-8")


def _read_record(path: Path) -> dict | None:
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None
