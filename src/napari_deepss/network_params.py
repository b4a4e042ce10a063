"""A trained network's ``_params.yaml``: read it safely, tell whose it is, check what prediction needs.

Two kinds of params files are read:

- napari-deepss's, written with ``yaml.safe_dump`` (plain YAML);
- DeepSS 0.32's, written with ``yaml.dump``: besides plain YAML they may hold
  Python tags, e.g. numpy scalars in ``post_opt`` or tuples. DeepSS reads them
  with ``yaml.unsafe_load``, which runs whatever a file names; here they are
  decoded by a safe loader that understands numpy scalars, arrays and tuples
  and reads any other Python object tag as ``None`` (never executing it).

Every problem is one :class:`~napari_deepss.errors.FileFormatError` naming the
file and, where it lies in one option, the key. No TensorFlow here.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import yaml

from .errors import FileFormatError

#: keys that DeepSS's ``das.train`` always writes and napari-deepss never does
_DEEPSS_KEYS = ("nb_freq", "with_y_hist", "output_stride")
#: ``architecture: deepss`` in a napari-deepss ``_params.yaml``: the network has DeepSS's layers (it was continued
#: from a network trained by DeepSS, ``dss train --init-model``); without the key, the network is napari-deepss's
ARCHITECTURE_KEY = "architecture"
DEEPSS_ARCHITECTURE = "deepss"
DEEPSS_DILATIONS = (1, 2, 4, 8, 16)  # das.tcn.TCN's default
_PY = "tag:yaml.org,2002:python/"
CLASS_TYPES = ("event", "segment")


class _ParamsLoader(yaml.SafeLoader):
    """SafeLoader plus the numpy/tuple tags DeepSS's ``yaml.dump`` writes; other Python objects read as None."""


def _construct_tuple(loader, node):
    return loader.construct_sequence(node, deep=True)


def _construct_dtype(loader, node):
    value = loader.construct_mapping(node, deep=True) if isinstance(node, yaml.MappingNode) else {}
    args, state = value.get("args") or ["f8"], value.get("state") or [None, "|"]
    return np.dtype(str(args[0])).newbyteorder(state[1] if state[1] in "<>" else "=")


def _construct_scalar(loader, node):
    dtype, data = loader.construct_sequence(node, deep=True)
    return np.frombuffer(data, dtype=dtype)[0].item()


def _construct_array(loader, node):
    """``numpy.core.multiarray._reconstruct``: the array is in ``state`` = (version, shape, dtype, fortran, bytes)."""
    _, shape, dtype, fortran, data = loader.construct_mapping(node, deep=True)["state"]
    return np.frombuffer(data, dtype=dtype).reshape(shape, order="F" if fortran else "C").tolist()


def _construct_other(loader, suffix, node):
    return None


for _module in ("numpy.core.multiarray", "numpy._core.multiarray"):
    _ParamsLoader.add_constructor(f"{_PY}object/apply:{_module}.scalar", _construct_scalar)
    _ParamsLoader.add_constructor(f"{_PY}object/apply:{_module}._reconstruct", _construct_array)
_ParamsLoader.add_constructor(f"{_PY}object/apply:numpy.dtype", _construct_dtype)
_ParamsLoader.add_constructor(f"{_PY}tuple", _construct_tuple)
_ParamsLoader.add_multi_constructor(_PY, _construct_other)


def read_params(path: str | os.PathLike) -> dict:
    """The params dict of ``path``; FileFormatError if it is unreadable or not a mapping of options."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as err:
        raise FileFormatError(path, f"cannot read the params file ({err.strerror or err})") from err
    except UnicodeDecodeError:
        raise FileFormatError(path, "not a params file: it is not text (a _params.yaml is YAML)") from None
    try:
        params = yaml.load(text, Loader=_ParamsLoader)  # noqa: S506 - a SafeLoader subclass
    except (yaml.YAMLError, ValueError, TypeError) as err:
        raise FileFormatError(path, f"not a readable params file: {_yaml_problem(err)}") from err
    if not isinstance(params, dict):
        found = "empty" if params is None else f"a YAML {type(params).__name__}"
        raise FileFormatError(path, f"not a params file: it is {found}, not a mapping of option names to values")
    return params


def _yaml_problem(err: Exception) -> str:
    """A YAML error in one line: what and where (its own message spans several and names no file)."""
    mark = getattr(err, "problem_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    return f"{getattr(err, 'problem', None) or err}{where}"


def is_deepss_params(params: dict) -> bool:
    """True for the params of a network trained by DeepSS itself (``das train``), not by napari-deepss."""
    return sum(key in params for key in _DEEPSS_KEYS) >= 2


def has_deepss_architecture(params: dict) -> bool:
    """True for a network with DeepSS's layers: trained by DeepSS, or trained here starting from such a network."""
    return is_deepss_params(params) or params.get(ARCHITECTURE_KEY) == DEEPSS_ARCHITECTURE


def deepss_refusal(params: dict) -> str | None:
    """Why the DeepSS network ``params`` describe cannot be rebuilt here (naming the option), or None."""
    if params.get("model_name", "tcn") not in ("tcn", "tcn_stft"):
        return f"model_name {params.get('model_name')!r}: only DeepSS's tcn and tcn_stft networks are rebuilt"
    for key, fine in (("nb_lstm_units", 0), ("use_resnet", False), ("upsample", True),
                      ("with_y_hist", True), ("unpack_channels", False)):
        if params.get(key, fine) not in (fine, None):
            return f"{key}={params[key]!r}: only DeepSS networks without this option are rebuilt"
    return None


def deepss_architecture(params: dict) -> dict:
    """What DeepSS's params leave implicit, in napari-deepss's option names: ``use_separable`` one flag per
    stack (padded with the last flag and cut to ``nb_conv``, as ``das.tcn.TCN`` does), ``dilations`` DeepSS's
    default when unset, ``nb_pre_conv`` 0 when unset. KeyError if ``nb_conv`` is missing."""
    nb_conv = params["nb_conv"]
    flags = params.get("use_separable", False)
    flags = list(flags) if isinstance(flags, list | tuple) else [bool(flags)]
    return {"use_separable": (flags + flags[-1:] * nb_conv)[:nb_conv],
            "dilations": list(params.get("dilations") or DEEPSS_DILATIONS),
            "nb_pre_conv": int(params.get("nb_pre_conv") or 0)}


def check_prediction_params(params: dict, path: str | os.PathLike) -> dict:
    """``params`` after checking what prediction reads from them; FileFormatError naming the key otherwise."""

    def fail(key: str, problem: str):
        raise FileFormatError(path, f"{key}: {problem}")

    for key in ("class_names", "class_types", "samplerate_x_Hz"):
        if key not in params:
            fail(key, "missing; the params file of a trained network names its classes and sample rate")
    names, types = params["class_names"], params["class_types"]
    if not isinstance(names, list) or not names or not all(isinstance(n, str | int) for n in names):
        fail("class_names", f"must be a list of song type names (noise first), got {names!r}")
    if not isinstance(types, list) or len(types) != len(names) or any(t not in CLASS_TYPES for t in types):
        fail("class_types", f"must list 'event' or 'segment' for each of the {len(names)} classes, got {types!r}")
    _positive_number(params, "samplerate_x_Hz", fail)
    for key in ("data_padding", "nb_channels", "nb_hist"):
        if key in params and params[key] is not None:
            _count(params, key, fail, minimum=1 if key != "data_padding" else 0)
    return params


def _positive_number(params: dict, key: str, fail) -> None:
    value = params[key]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
        fail(key, f"must be a positive number (Hz), got {value!r}")


def _count(params: dict, key: str, fail, minimum: int) -> None:
    value = params[key]
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        fail(key, f"must be a whole number of at least {minimum}, got {value!r}")
