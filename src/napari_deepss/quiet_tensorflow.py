"""Import TensorFlow without its start-up noise on the terminal.

On a machine without a GPU TensorFlow prints several lines when it loads
(``oneDNN custom operations are on``, ``Could not find cuda drivers``, and
``failed call to cuInit`` marked as an error), which buries a command's own
output and reads as a failure. :func:`quiet_tensorflow` sets
``TF_CPP_MIN_LOG_LEVEL`` (unless the user has) and imports TensorFlow and Keras
while holding back what their C++ side writes to stderr, then passes on every
line that is not start-up information (errors while loading stay visible).
It is called where TensorFlow is first imported: when a network is loaded
(:func:`~napari_deepss.network_files.load_network`) and when training builds
one, so ``dss`` commands, the child jobs of the napari widgets and the Python
API are quiet alike; ``dss train --log-messages`` shows the messages. Right
after the import it sizes TensorFlow's thread pools (:mod:`.cpu_threads`),
which must happen before TensorFlow runs anything.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile

from .cpu_threads import set_tensorflow_threads, tensorflow_threads

#: lines of TensorFlow's C++ start-up logging (absl): information and warnings, and absl's note about them
START_UP_NOISE = re.compile(r"^(WARNING: All log messages before absl::InitializeLog\(\) is called|[IW]\d{4} \d\d:)")


def quiet_tensorflow(show: bool = False, threads: int | None = None) -> None:
    """Import TensorFlow and Keras now, their start-up messages hidden (unless ``show``); no-op once imported.

    ``threads``: the size of TensorFlow's thread pools (None or 0: :func:`~.cpu_threads.tensorflow_threads`).
    """
    if "tensorflow" in sys.modules:
        return
    n = tensorflow_threads(threads)  # a bad DSS_THREADS fails before the slow import
    if not show:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # hides C++ info, warnings and errors after start-up
    with contextlib.nullcontext() if show else _stderr_without(START_UP_NOISE):
        import tensorflow  # noqa: F401

        set_tensorflow_threads(n)  # before Keras, whose import may start TensorFlow's runtime
        import keras  # noqa: F401


@contextlib.contextmanager
def _stderr_without(noise: re.Pattern):
    """Collect what is written to file descriptor 2 inside, then write back the lines that do not match ``noise``."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real stderr (e.g. redirected in a test harness): nothing to filter
        yield
        return
    with tempfile.TemporaryFile(mode="w+b") as caught:
        os.dup2(caught.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            caught.seek(0)
            kept = [line for line in caught.read().decode(errors="replace").splitlines(keepends=True)
                    if not noise.match(line)]
            if kept:
                sys.stderr.write("".join(kept))
                sys.stderr.flush()
