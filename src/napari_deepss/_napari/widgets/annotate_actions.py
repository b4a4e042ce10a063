"""Annotate's actions: every button that has a key, as one table, and the key bindings made from it.

A new action is one more entry of :func:`annotate_actions`; the view makes its
button (in the entry's row) and :func:`key_bindings` its key, on the viewer and
on the recording's layers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial

from ..navigation import ZOOM_STEP, page, zoom_time
from ..playback_panel import PLAY_KEY, PLAY_TEXT, tap_or_hold_to_pan

#: ``(button row, button text, key or None, action)``
Action = tuple[str, str, str | None, Callable[[], object]]


def annotate_actions(session, *, active_only: Callable[[], bool], play: Callable[[], object],
                     report: Callable[[str], object]) -> list[Action]:
    """The actions on ``session``; ``active_only()`` says whether jumps keep to the active type, ``report`` shows
    how many annotations an action changed."""
    viewer = session.viewer

    def counted(verb: str, action: Callable[[], int]) -> Callable[[], int]:
        def run() -> int:
            n = action()
            report(f"{verb} {n}" if n else f"{verb} none")
            return n

        return run

    return [
        ("edits", "Delete selected", None, session.delete_selected),
        ("edits", "Re-type selected", None, session.retype_selected),
        ("edits", "Delete in view", None, counted("Deleted", lambda: session.delete_in_view(False))),
        ("edits", "Undo", "Control-Z", session.undo),
        ("edits", "Redo", "Control-Shift-Z", session.redo),
        ("proposals", "Approve selected", "Shift-G", counted("Approved", session.approve_selected)),
        ("proposals", "Approve type in view", "G", counted("Approved", lambda: session.approve_in_view(True))),
        ("proposals", "Approve all in view", "H", counted("Approved", lambda: session.approve_in_view(False))),
        ("proposals", "Approve all of type", None, counted("Approved", session.approve_type)),
        ("proposals", "Delete proposals in view", None, counted("Deleted", session.delete_in_view)),
        ("navigation", "◀ page", "PageUp", partial(page, viewer, -1)),
        ("navigation", "page ▶", "PageDown", partial(page, viewer, 1)),
        ("navigation", "zoom +", "=", partial(zoom_time, viewer, ZOOM_STEP)),
        ("navigation", "zoom −", "-", partial(zoom_time, viewer, 1 / ZOOM_STEP)),
        ("navigation", "◀ prev", "B", lambda: session.jump(-1, active_only())),
        ("navigation", "next ▶", "N", lambda: session.jump(1, active_only())),
        ("navigation", "◀ proposal", "Shift-B", lambda: session.jump(-1, active_only(), True)),
        ("navigation", "proposal ▶", "Shift-N", lambda: session.jump(1, active_only(), True)),
        ("playback", PLAY_TEXT, PLAY_KEY, play),
    ]


def key_bindings(viewer, actions: Iterable[Action], more: dict[str, Callable[[], object]]) -> dict:
    """``{key: napari key binding}`` of the actions with a key and of ``more``; Space also keeps napari's hold-to-pan."""
    keyed = {key: action for _, _, key, action in actions if key} | more
    return {key: tap_or_hold_to_pan(viewer, action) if key == PLAY_KEY else _ignore_target(action)
            for key, action in keyed.items()}


def bind_keys(targets, bindings: dict) -> None:
    """Bind ``bindings`` on the viewer or layers ``targets`` (a selected layer's keys come before the viewer's)."""
    for target in targets:
        for key, binding in bindings.items():
            target.bind_key(key, binding, overwrite=True)


def _ignore_target(action):
    """A key binding for napari (which passes the viewer or layer) that calls ``action()``."""

    def bound(_target):
        action()

    return bound
