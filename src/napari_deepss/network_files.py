"""A trained network on disk, ``<prefix>_model.h5`` + ``<prefix>_params.yaml``, loaded whoever trained it.

This is the one loading path behind ``dss predict``, ``dss evaluate``, the
Predict widget's child process and the trainer (:func:`load_network`):

- a napari-deepss network loads with ``keras.models.load_model``; when that
  fails (a newer Keras, a renamed layer class), it is rebuilt from its
  ``_params.yaml`` and given the weights of its ``.h5`` file by layer name,
  read with h5py, so a network trained today still predicts after an upgrade;
- a DeepSS 0.32 network (its ``_params.yaml`` was written by ``das train``)
  is rebuilt layer for layer as DeepSS built it
  (:mod:`napari_deepss.models.deepss`) and given the weights of its ``.h5``
  file in DeepSS's layer order: its Keras 2 config cannot be deserialised by
  Keras 3;
- a network trained here from a DeepSS network's weights (``architecture:
  deepss`` in its params) has DeepSS's layers: it loads with
  ``keras.models.load_model`` like ours, and is rebuilt as DeepSS's when
  Keras cannot load it.

Every failure is a :class:`~napari_deepss.errors.FileFormatError` naming the
file (and, for params, the key). Importing this module does not import
TensorFlow; loading does.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from .errors import FileFormatError
from .network_params import check_prediction_params, has_deepss_architecture, is_deepss_params, read_params
from .phase_times import mark
from .quiet_tensorflow import quiet_tensorflow

MODEL_SUFFIX = "_model.h5"
PARAMS_SUFFIX = "_params.yaml"
RESULTS_SUFFIX = "_results.h5"

log = logging.getLogger(__name__)


def network_paths(prefix: str | os.PathLike) -> tuple[Path, Path]:
    """``(model file, params file)`` of ``<save_dir>/<stem>``, or of the path of either file; both must exist."""
    stem = str(prefix)
    for suffix in (MODEL_SUFFIX, PARAMS_SUFFIX, RESULTS_SUFFIX):
        stem = stem.removesuffix(suffix)
    paths = Path(stem + MODEL_SUFFIX), Path(stem + PARAMS_SUFFIX)
    for path in paths:
        if not path.is_file():
            raise FileFormatError(path, "not found: give the prefix of a trained network (<save_dir>/<stem>)")
    return paths


def load_network(prefix: str | os.PathLike, precision: str | None = "auto"):
    """``(Keras model, params dict)`` of a trained network, napari-deepss's or DeepSS's (see the module docstring).

    ``precision``: compute in ``off`` (float32), ``bfloat16``, ``float16``, or ``auto``: the precision it trained in
    where this machine runs it natively, else float32 (:func:`~.models.precision.prediction_precision`); None: as
    saved.
    """
    model_path, params_path = network_paths(prefix)
    params = check_prediction_params(read_params(params_path), params_path)
    quiet_tensorflow()
    mark("tensorflow import")
    if is_deepss_params(params):
        model = _rebuilt(model_path, params_path, params)
    else:
        model = _keras_model(model_path, params_path, params)
    inputs = model.input_shape
    if params.get("nb_channels") not in (None, inputs[-1]) or len(params["class_names"]) != model.output_shape[-1]:
        raise FileFormatError(params_path, f"nb_channels/class_names: the model maps {inputs[-1]} channel(s) to "
                              f"{model.output_shape[-1]} classes, but the params name {params.get('nb_channels')} "
                              f"channel(s) and {len(params['class_names'])} classes")
    mark("network")
    return (model if precision is None else in_precision(model, params, precision)), params


def in_precision(model, params: dict, precision: str):
    """``model``, or the same network rebuilt to compute in ``precision`` (resolved for this machine) with its
    weights (mixed networks keep float32 weights, so nothing is rounded). A network its params cannot rebuild
    (made by hand, or by older code with other layers) stays as it is, with a warning."""
    from .models import build_network
    from .models.precision import model_precision, prediction_precision

    wanted, current = prediction_precision(precision, params), model_precision(model)
    if current == wanted:
        return model
    try:
        rebuilt = build_network(params, wanted)
        rebuilt.set_weights(model.get_weights())
    except (KeyError, ValueError, TypeError) as err:
        named = {"off": "float32"}
        log.warning("the network cannot be rebuilt from its params to compute in %s (%s); it computes in %s as "
                    "saved", named.get(wanted, wanted), err, named.get(current, current))
        return model
    return rebuilt


def _keras_model(model_path: Path, params_path: Path, params: dict):
    import keras

    from .models import custom_objects

    try:
        return keras.models.load_model(model_path, custom_objects=custom_objects(), compile=False)
    except Exception as err:  # noqa: BLE001 - any failure to deserialise falls back to rebuild + weights
        log.warning("%s: Keras cannot load the saved model (%s); rebuilding it from %s and loading its weights",
                    model_path, err, params_path.name)
        return _rebuilt(model_path, params_path, params)


def _rebuilt(model_path: Path, params_path: Path, params: dict):
    """The network the params describe, in the precision it trained in, with the weights of the model file: by
    layer name for ours, in order for DeepSS's layers (their names are Keras's automatic ones, numbered by what
    the process built before)."""
    from .models import build_network
    from .models.h5_weights import set_weights_by_name, set_weights_in_order
    from .models.precision import POLICIES

    trained = params.get("trained_precision")
    try:
        model = build_network(params, trained if trained in POLICIES else "off")
    except KeyError as err:
        problem = f"{err.args[0]}: missing; the network cannot be rebuilt without it"
        raise FileFormatError(params_path, problem) from None
    except (ValueError, TypeError) as err:
        raise FileFormatError(params_path, f"cannot rebuild the network: {err}") from err
    (set_weights_in_order if has_deepss_architecture(params) else set_weights_by_name)(model, model_path)
    return model
