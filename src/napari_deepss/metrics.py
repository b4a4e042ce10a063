"""Sample-wise classification metrics in numpy: confusion matrix and per-class report."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def confusion_matrix(true: np.ndarray, pred: np.ndarray, nb_classes: int) -> np.ndarray:
    """Counts [true class, predicted class] of integer labels in ``0..nb_classes-1``."""
    true = np.asarray(true, dtype=np.int64).ravel()
    pred = np.asarray(pred, dtype=np.int64).ravel()
    if true.shape != pred.shape:
        raise ValueError(f"true and predicted labels differ in length: {true.size} vs {pred.size}")
    for name, labels in (("true", true), ("predicted", pred)):
        if labels.size and (labels.min() < 0 or labels.max() >= nb_classes):
            raise ValueError(f"{name} labels must lie in 0..{nb_classes - 1}")
    counts = np.bincount(true * nb_classes + pred, minlength=nb_classes * nb_classes)
    return counts.reshape(nb_classes, nb_classes)


def classification_report(matrix: np.ndarray, class_names: Sequence[str]) -> dict[str, dict[str, float]]:
    """Per-class ``precision``, ``recall``, ``f1`` and ``support`` from a confusion matrix.

    Also ``macro avg`` (unweighted mean over classes) and ``weighted avg``
    (weighted by support), as scikit-learn names them. A ratio with nothing to
    divide by (no predictions or no true samples of a class) is 0.
    """
    matrix = np.asarray(matrix, dtype=np.float64)
    if matrix.shape != (len(class_names), len(class_names)):
        raise ValueError(f"confusion matrix {matrix.shape} does not match {len(class_names)} class names")
    hits = np.diag(matrix)
    support = matrix.sum(axis=1)
    precision = _ratio(hits, matrix.sum(axis=0))
    recall = _ratio(hits, support)
    f1 = _ratio(2 * precision * recall, precision + recall)
    report = {
        str(name): _row(precision[i], recall[i], f1[i], support[i]) for i, name in enumerate(class_names)
    }
    total = support.sum()
    report["macro avg"] = _row(precision.mean(), recall.mean(), f1.mean(), total)
    weights = _ratio(support, np.full_like(support, total))
    report["weighted avg"] = _row(precision @ weights, recall @ weights, f1 @ weights, total)
    return report


def accuracy(matrix: np.ndarray) -> float:
    """Fraction of samples on the diagonal."""
    matrix = np.asarray(matrix)
    total = matrix.sum()
    return float(np.trace(matrix) / total) if total else 0.0


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    return np.divide(numerator, denominator, out=np.zeros_like(numerator, dtype=np.float64), where=denominator > 0)


def _row(precision: float, recall: float, f1: float, support: float) -> dict[str, float]:
    return {"precision": float(precision), "recall": float(recall), "f1": float(f1), "support": int(support)}
