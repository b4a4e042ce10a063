"""A dataset's targets ``y`` turned back into annotations: what a network that learnt them perfectly would find.

Segments are the stretches where the song columns sum above 0.5, labelled by
their largest column; events are the peaks of the event columns (every peak,
however close). Read block by block, so a memory-mapped split of hours is
never loaded whole.

With ``gap_seconds`` (the dataset's ``gap_seconds``) the boundaries cut out
of the targets are put back: the dataset set ``round(gap * rate)`` samples
around every onset and offset to noise, so the targets' syllables start that
much minus half late and end half plus one sample early
(:mod:`napari_deepss.dataset.targets`). This gives the annotations the
targets were made from, which is what the post-processing choice scores
against. Without it, the cut gaps show, as the dataset reader wants.
"""

from __future__ import annotations

import numpy as np

from .annotations import Annotations
from .dataset.targets import NOISE
from .postprocess import Postprocessor, PostprocessOptions

BLOCK_SAMPLES = 2**20


def targets_as_annotations(y: np.ndarray, class_names, class_types, samplerate: float,
                           gap_seconds: float = 0.0) -> Annotations:
    """Events and segments of targets ``y`` [samples, classes] in time order (see the module docstring)."""
    gap = int(round(gap_seconds * samplerate))
    onset_shift, offset_shift = (-(gap - gap // 2) / samplerate, (gap // 2 + 1) / samplerate) if gap > 0 else (0, 0)
    options = PostprocessOptions(event_dist=0.0, segment_onset_shift=onset_shift, segment_offset_shift=offset_shift)
    processor = Postprocessor(class_names, class_types, samplerate, options)
    for start in range(0, len(y), BLOCK_SAMPLES):
        processor.add(np.asarray(y[start : start + BLOCK_SAMPLES], dtype=np.float32))
    events, segments = processor.finish()
    return annotations_of(events, segments, class_names, class_types)


def annotations_of(events: dict[str, np.ndarray], segments: dict[str, np.ndarray], class_names,
                   class_types) -> Annotations:
    """Post-processed events and segments as an annotation table in time order; song types without any get placeholders."""
    names, starts, stops = [], [], []
    for name, times in events.items():
        names += [name] * len(times)
        starts.append(times)
        stops.append(times)
    for name, times in segments.items():
        names += [name] * len(times)
        starts.append(times[:, 0])
        stops.append(times[:, 1])
    start = np.concatenate(starts) if starts else np.zeros(0)
    stop = np.concatenate(stops) if stops else np.zeros(0)
    order = np.argsort(start, kind="stable")
    song_types = {str(n): t for n, t in zip(class_names, class_types) if str(n) != NOISE}
    return Annotations.from_rows([names[i] for i in order], start[order], stop[order], song_types=song_types)
