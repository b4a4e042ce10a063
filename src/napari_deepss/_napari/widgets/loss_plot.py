"""A small live plot of training and validation loss, drawn with QPainter.

A plotting library (matplotlib, pyqtgraph) would be a heavy dependency for two
polylines; this widget draws them directly and stays cheap to repaint while
training runs.
"""

from __future__ import annotations

import math

from qtpy.QtCore import QPointF, QRectF, Qt
from qtpy.QtGui import QColor, QPainter, QPen, QPolygonF
from qtpy.QtWidgets import QSizePolicy, QWidget

TRAIN_COLOR = QColor(80, 160, 255)
VAL_COLOR = QColor(255, 150, 60)
_MARGIN = 6.0
_TEXT_HEIGHT = 14.0


class LossPlot(QWidget):
    """Training loss (x = fractional epoch) and validation loss (x = epoch) curves."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.train_points: list[tuple[float, float]] = []
        self.val_points: list[tuple[float, float]] = []
        self.setMinimumHeight(110)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setToolTip("Loss (blue) and validation loss (orange) per epoch.")

    def clear(self) -> None:
        self.train_points.clear()
        self.val_points.clear()
        self.update()

    def add_train(self, epoch: float, loss: float) -> None:
        self._add(self.train_points, epoch, loss)

    def add_val(self, epoch: float, loss: float) -> None:
        self._add(self.val_points, epoch, loss)

    def _add(self, points: list[tuple[float, float]], x: float, y: float) -> None:
        if y is None or not math.isfinite(y):
            return
        points.append((float(x), float(y)))
        self.update()

    def _ranges(self) -> tuple[float, float, float, float]:
        points = self.train_points + self.val_points
        xs = [x for x, _ in points]
        ys = [y for _, y in points]
        x0, x1 = min(0.0, *xs), max(1.0, *xs)
        y0, y1 = min(ys), max(ys)
        if y1 - y0 < 1e-12:
            y0, y1 = y0 - 0.5, y1 + 0.5
        return x0, x1, y0, y1

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        text_color = self.palette().color(self.foregroundRole())
        area = QRectF(self.rect()).adjusted(_MARGIN, _MARGIN + _TEXT_HEIGHT, -_MARGIN, -_MARGIN)
        painter.setPen(QPen(text_color, 1))
        painter.drawRect(area)
        if not (self.train_points or self.val_points):
            painter.drawText(area, Qt.AlignmentFlag.AlignCenter, "loss curves appear here during training")
            painter.end()
            return
        x0, x1, y0, y1 = self._ranges()

        def to_screen(x: float, y: float) -> QPointF:
            return QPointF(
                area.left() + (x - x0) / (x1 - x0) * area.width(),
                area.bottom() - (y - y0) / (y1 - y0) * area.height(),
            )

        for points, color in ((self.train_points, TRAIN_COLOR), (self.val_points, VAL_COLOR)):
            if not points:
                continue
            painter.setPen(QPen(color, 2))
            polygon = QPolygonF([to_screen(x, y) for x, y in points])
            painter.drawPolyline(polygon)
            if len(points) == 1:
                painter.drawEllipse(polygon[0], 2.5, 2.5)
        painter.setPen(QPen(text_color, 1))
        header = QRectF(_MARGIN, 0, area.width(), _TEXT_HEIGHT + _MARGIN)
        painter.drawText(header, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, f"loss {y0:.3g} – {y1:.3g}")
        painter.drawText(header, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, f"epoch {x1:g}")
        painter.end()
