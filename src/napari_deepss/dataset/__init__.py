"""Make DeepSS training datasets (``<name>.npy`` folders) from annotated recordings."""

from .build import DatasetSummary, default_store_folder, make_dataset
from .options import DatasetOptions
from .store import dataset_splits, is_dataset_folder, open_split, read_attrs, split_pieces

__all__ = [
    "DatasetOptions",
    "DatasetSummary",
    "dataset_splits",
    "default_store_folder",
    "is_dataset_folder",
    "make_dataset",
    "open_split",
    "read_attrs",
    "split_pieces",
]
