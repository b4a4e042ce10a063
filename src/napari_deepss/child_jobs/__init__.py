"""Jobs that run in a child Python process: one runner, one child program, one registry.

Why a child process and not a thread of the napari process: TensorFlow and
Mesa's OpenGL driver (which napari's canvas loads; llvmpipe and radeonsi link
libLLVM) each carry their own LLVM and do not share a process (measured with
napari 0.9.2 and TensorFlow 2.21 under Xvfb/Mesa: importing TensorFlow once a
viewer exists segfaults; importing it before the viewer aborts at exit with
"free(): invalid pointer"). A child also keeps TensorFlow's memory and
start-up out of the viewer, and an out-of-memory kill of the child leaves
napari running.

- :func:`run_in_child` (parent side, :mod:`.runner`) follows the job contract
  of :mod:`napari_deepss.jobs` itself: progress, a stop event, ``Stopped``.
- The child program (``python -m napari_deepss.child_jobs <job>``,
  :mod:`.__main__`) looks the job up in :data:`.registry.JOBS`.
- Each job is one module here: ``run(request, *, progress, stop)`` for the
  child and a typed function for the parent (:func:`.train.train_in_child`,
  :func:`.predict.predict_in_child`).

Nothing here imports Qt, napari or (before a job runs) TensorFlow.
"""

from .runner import ChildJobFailed, run_in_child

__all__ = ["ChildJobFailed", "run_in_child"]
