"""Sample-wise confusion matrix and per-class report, checked against hand-counted labels."""

from __future__ import annotations

import numpy as np
import pytest

from napari_deepss.metrics import accuracy, classification_report, confusion_matrix

TRUE = np.array([0, 0, 0, 0, 1, 1, 1, 2, 2, 2])
PRED = np.array([0, 0, 0, 1, 1, 1, 0, 2, 2, 0])


def test_confusion_matrix_counts_true_rows_and_predicted_columns():
    np.testing.assert_array_equal(confusion_matrix(TRUE, PRED, 3), [[3, 1, 0], [1, 2, 0], [1, 0, 2]])
    assert confusion_matrix([], [], 2).sum() == 0


def test_report_by_hand():
    report = classification_report(confusion_matrix(TRUE, PRED, 3), ["noise", "pulse", "sine"])
    # noise: 3 of 5 predictions right, 3 of 4 found
    assert report["noise"] == pytest.approx({"precision": 0.6, "recall": 0.75, "f1": 2 / 3, "support": 4})
    assert report["pulse"] == pytest.approx({"precision": 2 / 3, "recall": 2 / 3, "f1": 2 / 3, "support": 3})
    assert report["sine"] == pytest.approx({"precision": 1.0, "recall": 2 / 3, "f1": 0.8, "support": 3})
    assert report["macro avg"]["recall"] == pytest.approx((0.75 + 2 / 3 + 2 / 3) / 3)
    assert report["weighted avg"]["recall"] == pytest.approx(0.7)  # = accuracy
    assert report["weighted avg"]["support"] == 10
    assert accuracy(confusion_matrix(TRUE, PRED, 3)) == pytest.approx(0.7)


def test_classes_never_predicted_or_absent_score_zero():
    report = classification_report(confusion_matrix([0, 0, 1], [0, 0, 0], 3), ["a", "b", "c"])
    assert report["b"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    assert report["c"]["support"] == 0 and report["c"]["f1"] == 0.0
    assert accuracy(np.zeros((2, 2))) == 0.0


def test_bad_labels_are_value_errors():
    with pytest.raises(ValueError, match="length"):
        confusion_matrix([0, 1], [0], 2)
    with pytest.raises(ValueError, match="0..1"):
        confusion_matrix([0, 2], [0, 1], 2)
    with pytest.raises(ValueError, match="class names"):
        classification_report(np.eye(2), ["a", "b", "c"])
