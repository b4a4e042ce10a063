"""Train DeepSS networks: the options (``config``), the chunk pipeline, the Keras callback and the trainer.

Importing this package does not import TensorFlow; ``train`` and ``load_model`` do when called.
"""

from ..network_files import MODEL_SUFFIX, PARAMS_SUFFIX, RESULTS_SUFFIX
from ..network_files import load_network as load_model
from .config import TrainConfig, default_save_dir
from .data import training_parts
from .trainer import TrainResult, save_model, train, write_params

__all__ = [
    "MODEL_SUFFIX",
    "PARAMS_SUFFIX",
    "RESULTS_SUFFIX",
    "TrainConfig",
    "TrainResult",
    "default_save_dir",
    "load_model",
    "save_model",
    "train",
    "training_parts",
    "write_params",
]
