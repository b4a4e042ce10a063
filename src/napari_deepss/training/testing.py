"""After training: the best network on the test split, streamed into ``_results.h5``, scored like ``dss evaluate``.

Each recording's piece of the split is predicted with the chunk layout of
:func:`~napari_deepss.prediction.predict` (:class:`.split_prediction.SplitPrediction`),
so the scores equal those of ``dss evaluate`` on the same network and split:
the sample-wise confusion matrix and per-class report (as DeepSS writes them),
and the events and segments the network's post-processing options make,
scored against the piece's true annotations (event and boundary F1, boundary
errors, correctly typed syllables, syllable error rate).
"""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np

from ..atomic import atomic_path
from ..dataset.store import Split
from ..evaluate import DEFAULT_TOLERANCE, AnnotationScores, Evaluation, score_annotations
from ..jobs import Progress
from ..metrics import classification_report, confusion_matrix
from ..postprocess import Postprocessor, PostprocessOptions
from ..target_annotations import annotations_of
from .split_prediction import SplitPrediction

PHASE = "test"


def score_test_split(model, params: dict, split: Split, results_path: Path, *, batch_size: int, history: dict,
                 progress, values: dict) -> Evaluation:
    """Predict and score the test split; write labels, probabilities, confusion, report and history to ``results_path``.

    ``progress`` gets one report per batch (phase ``test``, with ``values``).
    """
    class_names = [str(name) for name in params["class_names"]]
    n, nb_classes = len(split), len(class_names)
    prediction = SplitPrediction(model, params, split, "test", batch_size)
    options = PostprocessOptions.from_params(params)
    matrix = np.zeros((nb_classes, nb_classes), dtype=np.int64)
    scores, post, current = AnnotationScores(), None, -1
    with atomic_path(results_path) as tmp, h5py.File(tmp, "w") as f:
        labels = f.create_dataset("labels_true", (n,), dtype=np.int16)
        predicted = f.create_dataset("labels_pred", (n,), dtype=np.int16)
        probabilities = f.create_dataset("probabilities", (n, nb_classes), dtype=np.float16)
        for step, (piece, a, prob) in enumerate(prediction.blocks(), start=1):
            if piece != current:
                scores = scores + _scored(prediction, current, post)
                current, post = piece, Postprocessor(class_names, params["class_types"], params["samplerate_x_Hz"],
                                                     options)
            post.add(prob)
            b = a + len(prob)
            true, pred = np.asarray(split.y[a:b]).argmax(axis=1), prob.argmax(axis=1)
            labels[a:b], predicted[a:b], probabilities[a:b] = true, pred, prob
            matrix += confusion_matrix(true, pred, nb_classes)
            progress(Progress(step, prediction.steps, "", PHASE, values))
        scores = scores + _scored(prediction, current, post)
        f.create_dataset("confusion_matrix", data=matrix)
        f.create_dataset("class_names", data=np.array(class_names, dtype=h5py.string_dtype()))
        write_tree(f.create_group("history"), history)
        write_tree(f.create_group("report"), classification_report(matrix, class_names))
    return Evaluation(scores, DEFAULT_TOLERANCE, class_names, matrix, len(prediction.pieces))


def _scored(prediction: SplitPrediction, piece: int, post: Postprocessor | None) -> AnnotationScores:
    """The scores of one finished piece (nothing before the first)."""
    if post is None:
        return AnnotationScores()
    events, segments = post.finish()
    found = annotations_of(events, segments, post.class_names, prediction.params["class_types"])
    return score_annotations(prediction.truth(piece), found, DEFAULT_TOLERANCE)


def write_tree(group: h5py.Group, tree: dict) -> None:
    """Nested dicts as groups, values as datasets."""
    for key, value in tree.items():
        if isinstance(value, dict):
            write_tree(group.create_group(key), value)
        else:
            group.create_dataset(key, data=np.asarray(value))
