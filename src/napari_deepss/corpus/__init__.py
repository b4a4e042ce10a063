"""Annotate a whole corpus: find its recordings, predict them resumably (here or on Dask), summarise.

``find_recordings(sources, recursive)`` (:mod:`.sources`) then
``predict_corpus(recordings, network, ...)`` (:mod:`.job`); ``dss predict`` is
their command line. Importing this package imports neither TensorFlow nor Dask.
"""

from .job import CorpusResult, ForeignOutputs, predict_corpus
from .sources import find_recordings
from .task import DONE, FAILED, PENDING, SKIPPED, FileResult

__all__ = ["DONE", "FAILED", "PENDING", "SKIPPED", "CorpusResult", "FileResult", "ForeignOutputs", "find_recordings", "predict_corpus"]
