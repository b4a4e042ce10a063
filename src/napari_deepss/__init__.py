"""napari-deepss: annotate animal song, make DeepSS datasets and train networks.

Importing this package is cheap: it loads neither Qt, napari nor TensorFlow.
"""

from ._version import __version__
from .errors import FileFormatError

__all__ = ["__version__", "FileFormatError"]
