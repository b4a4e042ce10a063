"""Undo and redo of annotation edits: each step, when taken, returns the step that takes it back.

An edit pushes the step that undoes it; :meth:`History.undo` takes that step
and keeps what it returns for :meth:`History.redo`, whose step in turn returns
the undo again. Most steps restore layers to a copy of their data and
features (:func:`restoring`), taking a copy of the state they replace on the
way; adding an annotation is undone by removing it, which is cheaper than
restoring a layer of thousands of shapes. A new edit clears the redo steps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .annotation_layer import apply_colors
from .recording_layers import PART, SEGMENTS

#: a step of the history: it changes layers and returns the step that changes them back
Step = Callable[[], "Step"]


@dataclass
class LayerState:
    """A copy of one annotation layer's data and features."""

    layer: object
    data: object
    features: pd.DataFrame

    @classmethod
    def of(cls, layer) -> LayerState:
        data = [np.array(v) for v in layer.data] if layer.metadata[PART] == SEGMENTS else layer.data.copy()
        return cls(layer, data, layer.features.copy())

    def restore(self) -> None:
        layer = self.layer
        if layer.metadata[PART] == SEGMENTS:
            layer.data = []
            if self.data:
                layer.add_rectangles(self.data)
        else:
            layer.data = self.data
        layer.features = self.features.reset_index(drop=True)
        apply_colors(layer)


def restoring(*states: LayerState) -> Step:
    """The step back to ``states``."""

    def step() -> Step:
        current = [LayerState.of(state.layer) for state in states]
        for state in states:
            state.restore()
        return restoring(*current)

    return step


def removing_last(layer, add_again: Callable[[], None]) -> Step:
    """The step that removes the annotation just added at the end of ``layer``; its inverse calls ``add_again``."""

    def step() -> Step:
        remove(layer, {len(layer.data) - 1})

        def redo() -> Step:
            add_again()
            return removing_last(layer, add_again)

        return redo

    return step


def remove(layer, indices: set[int]) -> None:
    """Remove the annotations ``indices`` of ``layer``."""
    if not indices:
        return
    layer.selected_data = set(indices)
    layer.remove_selected()


class History:
    """The undo and redo steps of one recording's annotations (at most ``limit`` undo steps)."""

    def __init__(self, limit: int):
        self.limit = limit
        self._undo: list[Step] = []
        self._redo: list[Step] = []

    def push(self, undo: Step) -> None:
        self._undo = [*self._undo[-(self.limit - 1):], undo]
        self._redo = []

    def undo(self) -> bool:
        if not self._undo:
            return False
        self._redo.append(self._undo.pop()())
        return True

    def redo(self) -> bool:
        if not self._redo:
            return False
        self._undo.append(self._redo.pop()())
        return True

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)
