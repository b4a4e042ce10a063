"""On screen, the annotations and the waveform sit exactly over the sounds they mark (run under Xvfb).

A synthetic recording holds clicks and tones at known times, with matching
annotations. One screenshot shows only the spectrogram, one only the segment
rectangles, one only the event ticks, one only the waveform: the columns of
the clicks' energy and of the tones' onsets and offsets must be those of the
event ticks, of the rectangles' left and right edges and of the waveform's
click spikes (full scale, upward) and tone bursts (half scale, both ways).

The README's screenshots of real recordings are made by ``scripts/screenshots.py``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from napari_deepss.annotations import Annotations, annotations_path_for, write_annotations
from napari_deepss.audio import save_wav

PLUGIN = "napari-deepss"
RATE = 8000
DURATION = 2.0
CLICKS = (0.3, 0.9, 1.7)
TONES = ((0.45, 0.7), (1.1, 1.45))
TONE_HZ = 1500.0
MAX_OFFSET_PX = 2


def _write_recording(folder: Path) -> Path:
    rng = np.random.default_rng(0)
    t = np.arange(int(DURATION * RATE)) / RATE
    signal = 1e-4 * rng.standard_normal(len(t))
    for start, stop in TONES:
        on = (t >= start) & (t < stop)
        signal[on] += 0.5 * np.sin(2 * np.pi * TONE_HZ * t[on])
    for click in CLICKS:
        signal[int(round(click * RATE))] = 1.0
    wav = folder / "tones_and_clicks.wav"
    save_wav(wav, signal[:, np.newaxis], RATE)
    starts = [*CLICKS, *(a for a, _ in TONES)]
    stops = [*CLICKS, *(b for _, b in TONES)]
    write_annotations(Annotations(["click"] * len(CLICKS) + ["tone"] * len(TONES), starts, stops), annotations_path_for(wav))
    return wav


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) index of each run of True."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(int), [0]])))
    return [(a, b - 1) for a, b in zip(edges[::2], edges[1::2])]


def _brightness(screenshot: np.ndarray) -> np.ndarray:
    return screenshot[..., :3].astype(float).max(axis=-1)


def _sound_columns(spectrogram_shot: np.ndarray) -> tuple[list[float], list[int], list[int]]:
    """Click columns (broadband stripes), tone onset and offset columns (runs along the tone's row).

    In dB even a tone's faded edges leave a faint broadband stripe; stripes at
    a tone's edge are not counted as clicks.
    """
    light = _brightness(spectrogram_shot)
    tone_row = light[np.argmax(light.mean(axis=1))]
    tones = [(a, b) for a, b in _runs(tone_row > 0.5 * tone_row.max()) if b - a > 5]
    tone_edges = np.array([edge for tone in tones for edge in tone])
    column_mean = light.mean(axis=0)
    stripes = [(a + b) / 2 for a, b in _runs(column_mean > 0.5 * column_mean.max())]
    clicks = [c for c in stripes if np.min(np.abs(tone_edges - c), initial=np.inf) > MAX_OFFSET_PX]
    return clicks, [a for a, _ in tones], [b for _, b in tones]


def _edge_columns(shapes_shot: np.ndarray) -> list[float]:
    """Centre columns of the drawn edges: columns lit over most of the shapes' height."""
    lit_rows = (_brightness(shapes_shot) > 100).sum(axis=0)
    return [(a + b) / 2 for a, b in _runs(lit_rows > 0.5 * lit_rows.max())]


def _tick_columns(points_shot: np.ndarray) -> list[float]:
    """Centre columns of the event ticks."""
    lit_rows = (_brightness(points_shot) > 100).sum(axis=0)
    return [(a + b) / 2 for a, b in _runs(lit_rows > 0)]


def _waveform_columns(waveform_shot: np.ndarray) -> tuple[list[float], list[int], list[int]]:
    """Click columns (the trace reaches far above the zero line) and tone onsets and offsets (far below it)."""
    lit = _brightness(waveform_shot) > 100
    columns = np.flatnonzero(lit.any(axis=0))
    rows = np.arange(lit.shape[0])[:, np.newaxis]
    zero = np.median(np.flatnonzero(lit.any(axis=1)))  # the screen row of the zero line (most columns are silence)
    above = np.zeros(lit.shape[1])
    below = np.zeros(lit.shape[1])
    above[columns] = zero - np.where(lit, rows, np.inf).min(axis=0)[columns]
    below[columns] = np.where(lit, rows, -np.inf).max(axis=0)[columns] - zero
    clicks = [(a + b) / 2 for a, b in _runs(above > 0.75 * above.max())]
    tones = [(a, b) for a, b in _runs(below > 0.5 * below.max()) if b - a > 5]
    return clicks, [a for a, _ in tones], [b for _, b in tones]


def _screenshot(viewer, visible_layer) -> np.ndarray:
    viewer.text_overlay.visible = False  # the readout's text is not a mark
    for layer in viewer.layers:
        layer.visible = layer is visible_layer
    return viewer.screenshot(canvas_only=True, flash=False)


def test_shapes_and_spectrogram_line_up_on_screen(tmp_path, make_napari_viewer):
    viewer = make_napari_viewer(show=True)  # a hidden canvas renders black
    image, waveform, shapes, points = viewer.open(_write_recording(tmp_path), plugin=PLUGIN)
    shapes.text.visible = points.text.visible = False
    clicks, onsets, offsets = _sound_columns(_screenshot(viewer, image))
    edges = _edge_columns(_screenshot(viewer, shapes))
    ticks = _tick_columns(_screenshot(viewer, points))
    spikes, bursts_on, bursts_off = _waveform_columns(_screenshot(viewer, waveform))

    assert (len(clicks), len(onsets), len(offsets)) == (len(CLICKS), len(TONES), len(TONES))
    tone_edges = np.sort([*onsets, *offsets])
    assert len(edges) == len(tone_edges), f"edges at columns {edges}, tones at {tone_edges.tolist()}"
    assert np.max(np.abs(np.array(edges) - tone_edges)) <= MAX_OFFSET_PX, f"edges {edges} vs tones {tone_edges.tolist()}"
    assert len(ticks) == len(clicks), f"ticks at columns {ticks}, clicks at {clicks}"
    assert np.max(np.abs(np.array(ticks) - np.array(clicks))) <= MAX_OFFSET_PX, f"ticks {ticks} vs clicks {clicks}"
    assert len(spikes) == len(clicks) and len(bursts_on) == len(bursts_off) == len(TONES), (spikes, bursts_on, bursts_off)
    assert np.max(np.abs(np.array(spikes) - np.array(ticks))) <= MAX_OFFSET_PX, f"waveform clicks {spikes} vs ticks {ticks}"
    bursts = np.sort([*bursts_on, *bursts_off])
    assert np.max(np.abs(bursts - np.array(edges))) <= MAX_OFFSET_PX, f"waveform tones {bursts.tolist()} vs edges {edges}"
    sounds = np.sort([*clicks, *tone_edges])
    # the first view shows the whole 2 s, so the marks are spread over the canvas
    assert sounds[-1] - sounds[0] > 0.5 * viewer.screenshot(canvas_only=True, flash=False).shape[1]
