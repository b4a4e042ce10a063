"""Figures people look at, as PNG files and one HTML page: ``dss evaluate --report DIR`` and the end of training.

- ``losses.png``: training and validation loss per epoch (when the network's
  history is known);
- ``confusion.png``: the sample-wise confusion matrix (rows: true class, as a
  share of its samples) and, with segments, the syllable confusion (each true
  syllable against the song type covering most of it; ``noise``: missed);
- ``song_types.png``: precision, recall and F1 per song type (sample-wise for
  segment types, matched events for event types);
- ``boundaries.png``: histograms of onset and offset errors (predicted minus
  true, ms) of matched segment boundaries and of matched event times.

matplotlib is imported when a report is written (with its Agg backend: no
display, no Qt), never at import. Every file is written atomically.
"""

from __future__ import annotations

import html
import math
import os
from pathlib import Path

import numpy as np

from .atomic import atomic_path

REPORT_SUFFIX = "_report"
PAGE = "index.html"


def write_report(folder: str | os.PathLike, evaluation=None, *, history: dict | None = None, title: str = "",
                 postprocessing: str | None = None) -> Path:
    """Write the figures of ``evaluation`` (an :class:`~napari_deepss.evaluate.Evaluation`) and ``history``
    (``{'loss': [...], 'val_loss': [...]}``) into ``folder``; returns the HTML page."""
    from matplotlib.figure import Figure  # drawn by Agg when saved; no pyplot, so no GUI backend

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    figures = []
    for name, caption, draw in _figures(evaluation, history):
        figure = Figure(figsize=(7.5, 4.2), layout="constrained")
        draw(figure)
        with atomic_path(folder / name) as tmp:
            figure.savefig(tmp, format="png", dpi=110)
        figures.append((name, caption))
    page = folder / PAGE
    with atomic_path(page) as tmp:
        tmp.write_text(_page(title, evaluation, postprocessing, figures), encoding="utf-8")
    return page


def _figures(evaluation, history):
    if history and history.get("loss"):
        yield "losses.png", "Training and validation loss per epoch", lambda f: _losses(f, history)
    if evaluation is None:
        return
    yield "confusion.png", "Confusion matrices (rows: true, share of each row)", lambda f: _confusions(f, evaluation)
    yield "song_types.png", "Precision, recall and F1 per song type", lambda f: _song_types(f, evaluation)
    deviations = _deviations(evaluation)
    if deviations:
        yield "boundaries.png", "Timing errors of matched boundaries and events (predicted - true)", \
            lambda f: _histograms(f, deviations)


def _losses(figure, history: dict) -> None:
    ax = figure.subplots()
    for key, label in (("loss", "training"), ("val_loss", "validation")):
        values = history.get(key) or []
        ax.plot(np.arange(1, len(values) + 1), values, marker=".", label=label)
    ax.set(xlabel="epoch", ylabel="loss", yscale="log")
    ax.legend()


def _matrix(ax, counts: np.ndarray, rows: list[str], columns: list[str], title: str) -> None:
    shares = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    ax.imshow(shares, vmin=0, vmax=1, cmap="Blues")
    ax.set(xticks=range(len(columns)), yticks=range(len(rows)), title=title, xlabel="predicted", ylabel="true")
    ax.set_xticklabels(columns, rotation=90, fontsize=7)
    ax.set_yticklabels(rows, fontsize=7)
    if len(rows) <= 12:
        for (i, j), share in np.ndenumerate(shares):
            if counts[i, j]:
                ax.text(j, i, f"{share:.2f}", ha="center", va="center", fontsize=6,
                        color="white" if share > 0.5 else "black")


def _confusions(figure, evaluation) -> None:
    table = evaluation.scores.syllables.confusion()
    axes = figure.subplots(1, 2 if table else 1, squeeze=False)[0]
    _matrix(axes[0], np.asarray(evaluation.confusion), evaluation.class_names, evaluation.class_names, "samples")
    if table:
        names = sorted(set(table) | {given for row in table.values() for given in row})
        counts = np.array([[table.get(true, {}).get(given, 0) for given in names] for true in names])
        _matrix(axes[1], counts, names, names, "syllables")


def _song_types(figure, evaluation) -> None:
    from .metrics import classification_report

    report = classification_report(evaluation.confusion, evaluation.class_names)
    rows = [(name, report[name]) for name in evaluation.class_names[1:] if name not in evaluation.scores.events]
    rows += [(f"{name} (events)", scores.to_dict()) for name, scores in evaluation.scores.events.items()]
    ax = figure.subplots()
    x = np.arange(len(rows))
    for k, key in enumerate(("precision", "recall", "f1")):
        ax.bar(x + (k - 1) * 0.27, [_finite(row[key]) for _, row in rows], width=0.27, label=key)
    ax.set_xticks(x)
    ax.set_xticklabels([name for name, _ in rows], rotation=45, ha="right", fontsize=8)
    ax.set(ylim=(0, 1.05))
    ax.legend(loc="lower right", fontsize=8)


def _deviations(evaluation) -> list[tuple[str, np.ndarray]]:
    scores = evaluation.scores
    found = [("segment onsets", scores.onsets.deviations), ("segment offsets", scores.offsets.deviations)]
    found += [(f"{name} events", s.deviations) for name, s in scores.events.items()]
    return [(name, np.asarray(d) * 1000) for name, d in found if len(d)]


def _histograms(figure, deviations: list[tuple[str, np.ndarray]]) -> None:
    axes = figure.subplots(1, len(deviations), squeeze=False)[0]
    for ax, (name, ms) in zip(axes, deviations):
        ax.hist(ms, bins=40)
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set(title=f"{name}\nmedian |error| {np.median(np.abs(ms)):.2f} ms", xlabel="ms")


def _finite(value) -> float:
    return 0.0 if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def _page(title: str, evaluation, postprocessing: str | None, figures: list[tuple[str, str]]) -> str:
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title or 'Report')}</title>",
             "<style>body{font-family:sans-serif;max-width:60em;margin:auto}td,th{padding:2px 8px;text-align:right}"
             "img{max-width:100%}</style></head><body>", f"<h1>{html.escape(title or 'Report')}</h1>"]
    if postprocessing:
        parts.append(f"<h2>Post-processing</h2><pre>{html.escape(postprocessing)}</pre>")
    if evaluation is not None:
        parts.append(_score_table(evaluation))
    parts += [f"<h2>{html.escape(caption)}</h2><img src='{name}' alt='{html.escape(caption)}'>"
              for name, caption in figures]
    return "\n".join([*parts, "</body></html>"])


def _score_table(evaluation) -> str:
    report = evaluation.to_dict()
    ms = report["tolerance_seconds"] * 1000
    rows = [(f"event {name}", s) for name, s in report["events"].items()]
    rows += [(name.replace("_", " "), report[name]) for name in ("segment_onsets", "segment_offsets") if name in report]
    lines = [f"<h2>Scores ({report['recordings']} recording(s), tolerance {ms:g} ms)</h2><table>",
             "<tr><th></th><th>precision</th><th>recall</th><th>F1</th><th>median |error| (ms)</th></tr>"]
    for name, s in rows:
        lines.append(f"<tr><th>{html.escape(name)}</th>" + "".join(
            f"<td>{_finite(s[key]):.3f}</td>" for key in ("precision", "recall", "f1"))
            + f"<td>{_finite(s['median_abs_deviation_seconds']) * 1000:.2f}</td></tr>")
    lines.append("</table>")
    if "syllables" in report:
        s = report["syllables"]
        lines.append(f"<p>{s['n_true']} true syllables: {_finite(s['label_accuracy']) * 100:.1f}% correctly typed, "
                     f"syllable error rate {_finite(s['syllable_error_rate']) * 100:.1f}%</p>")
    return "\n".join(lines)
