"""The one registry of child jobs: job name -> module of this package.

Each module defines ``run(request: dict, *, progress, stop)``, which the child
process calls; a new child job is its module and one line here.
"""

from __future__ import annotations

JOBS: dict[str, str] = {
    "train": "napari_deepss.child_jobs.train",
    "predict": "napari_deepss.child_jobs.predict",
    "quick_train": "napari_deepss.child_jobs.quick_train",
    "predict_folder": "napari_deepss.child_jobs.predict_folder",
}
