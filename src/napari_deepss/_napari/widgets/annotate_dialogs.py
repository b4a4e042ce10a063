"""The questions Annotate asks, as module functions so tests replace them instead of clicking.

Each takes the parent widget first; :class:`..annotation_session.AnnotationSession`
calls them through this module, looked up at call time.
"""

from __future__ import annotations

from qtpy.QtGui import QColor
from qtpy.QtWidgets import QColorDialog, QFileDialog, QMessageBox


def ask_unsaved(parent, path) -> str:
    """'save', 'discard' or 'cancel' for closing with unsaved annotations."""
    box = QMessageBox.question(
        parent,
        "Unsaved annotations",
        f"Save the changed annotations to {path}?" if path else "Save the changed annotations?",
        QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
    )
    return {QMessageBox.StandardButton.Save: "save", QMessageBox.StandardButton.Discard: "discard"}.get(box, "cancel")


def ask_recover(parent, sidecar) -> bool:
    answer = QMessageBox.question(
        parent, "Recover annotations", f"{sidecar} holds annotations that were never saved. Recover them?"
    )
    return answer == QMessageBox.StandardButton.Yes


def confirm_delete(parent, name: str, count: int) -> bool:
    answer = QMessageBox.question(parent, "Delete song type", f"Delete {name!r} and its {count} annotation(s)?")
    return answer == QMessageBox.StandardButton.Yes


def choose_color(parent, current: str) -> str | None:
    color = QColorDialog.getColor(QColor(current), parent, "Song type colour")
    return color.name() if color.isValid() else None


def choose_save_path(parent, suggestion: str) -> str | None:
    path, _ = QFileDialog.getSaveFileName(parent, "Save annotations", suggestion, "DeepSS annotations (*_annotations.csv)")
    return path or None


def choose_folder(parent) -> str | None:
    return QFileDialog.getExistingDirectory(parent, "Export for training into folder") or None
