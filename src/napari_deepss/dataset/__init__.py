"""Make DeepSS training datasets (``<name>.npy`` folders) from annotated recordings."""

from .build import DatasetCancelled, DatasetSummary, Progress, default_store_folder, iter_make_dataset, make_dataset
from .options import DatasetOptions
from .store import dataset_splits, is_dataset_folder, open_split, read_attrs, split_pieces

__all__ = [
    "DatasetCancelled",
    "DatasetOptions",
    "DatasetSummary",
    "Progress",
    "dataset_splits",
    "default_store_folder",
    "is_dataset_folder",
    "iter_make_dataset",
    "make_dataset",
    "open_split",
    "read_attrs",
    "split_pieces",
]
