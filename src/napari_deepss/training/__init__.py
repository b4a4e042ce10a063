"""Train DeepSS networks: the options (``config``), the chunk pipeline, the Keras callback and the trainer.

Importing this package does not import TensorFlow; ``train`` and ``load_model`` do when called.
"""

from .config import TrainConfig, default_save_dir
from .trainer import (
    MODEL_SUFFIX,
    PARAMS_SUFFIX,
    RESULTS_SUFFIX,
    TrainResult,
    load_model,
    network_files,
    save_model,
    train,
    training_parts,
    write_params,
)

__all__ = [
    "MODEL_SUFFIX",
    "PARAMS_SUFFIX",
    "RESULTS_SUFFIX",
    "TrainConfig",
    "TrainResult",
    "default_save_dir",
    "load_model",
    "network_files",
    "save_model",
    "train",
    "training_parts",
    "write_params",
]
