"""Mixed precision: bfloat16 or float16 arithmetic where the hardware runs it natively, float32 elsewhere.

``--mixed-precision`` (``dss train``, ``dss predict``) takes one of
:data:`PRECISIONS`; :func:`resolve_precision` turns ``auto`` into what this
machine runs natively *and* what was measured faster here for the network
(``benchmarks/mixed_precision.py``):

- a GPU of compute capability >= 8.0 (Ampere and later): bfloat16; >= 7.0
  (Volta, Turing): float16; older GPUs: off;
- a CPU with ``avx512_bf16`` or ``amx_bf16`` (read from ``/proc/cpuinfo``):
  bfloat16 for networks on the raw audio: oneDNN's bfloat16 convolutions
  measured 1.6-1.8x faster in training and 2-2.5x in prediction, and on the
  real fly song (3 seeds) pulse F1 was 0.978-0.989 against float32's
  0.968-0.978. Off for networks with the STFT frontend: faster too (1.2-2.2x
  training, 1.1-1.4x prediction) but their accuracy was compared only on
  bird networks of two epochs, not on trained ones;
- anything else: off (float32);
- and always off for networks with DeepSS's layers (trained by DeepSS or
  continued from one): in float32 they give DeepSS's probabilities to 1e-4,
  which 16-bit arithmetic would give up (asked for explicitly, they run in it).

Under a mixed policy the layers compute in bfloat16/float16 and keep float32
weights; the STFT frontends, the upsampling of the logits and the softmax stay
float32 (their builders give them ``dtype="float32"``), so the probabilities
and the loss are float32. :func:`dtype_policy` sets Keras's global policy only while a network
is built and restores the previous one, so nothing leaks into the next model.
Importing this module does not import TensorFlow.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..network_params import has_deepss_architecture

PRECISIONS = ("auto", "off", "bfloat16", "float16")
#: Keras dtype policy of each resolved precision
POLICIES = {"off": "float32", "bfloat16": "mixed_bfloat16", "float16": "mixed_float16"}
HELP = ("Arithmetic of the network: 'bfloat16' or 'float16' compute in 16 bits with float32 weights, loss and "
        "probabilities (about twice as fast where the hardware runs it natively); 'off': float32; 'auto': bfloat16 "
        "on CPUs with AVX512-BF16/AMX for raw-audio networks (measured faster at the same accuracy; not yet with the "
        "STFT frontend), bfloat16 on GPUs of compute capability >= 8, float16 on >= 7, else off; off for networks "
        "with DeepSS's layers (float32 gives DeepSS's probabilities).")
PREDICT_HELP = ("Arithmetic of the network while predicting: 'auto' (default): the precision it trained in where this "
                "machine runs that natively, else float32 (its scores were measured in it); 'off': float32; "
                "'bfloat16'/'float16': 16-bit arithmetic with float32 probabilities (about twice as fast on hardware "
                "that runs it natively, probabilities a few hundredths apart).")
#: CPU flags (``/proc/cpuinfo``) of native bfloat16 arithmetic
BF16_CPU_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})
CPUINFO = Path("/proc/cpuinfo")


def cpu_flags(cpuinfo: Path = CPUINFO) -> frozenset[str]:
    """The CPU's feature flags (empty where ``/proc/cpuinfo`` does not exist, e.g. macOS and Windows)."""
    try:
        text = cpuinfo.read_text(errors="replace")
    except OSError:
        return frozenset()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("flags", "Features"):
            return frozenset(value.split())
    return frozenset()


def gpu_capabilities() -> list[tuple[int, int]]:
    """Compute capability of each visible GPU (imports TensorFlow)."""
    import tensorflow as tf

    found = []
    for gpu in tf.config.list_physical_devices("GPU"):
        capability = tf.config.experimental.get_device_details(gpu).get("compute_capability")
        found.append(tuple(capability) if capability else (0, 0))
    return found


def network_kind(params) -> str:
    """``deepss`` (DeepSS's layers), ``stft`` (our network with the STFT frontend) or ``raw``, of a params dict
    (a ``_params.yaml``, a training run's) or a :class:`~.spec.NetworkSpec`."""
    values = params if isinstance(params, dict) else params.to_dict()
    if has_deepss_architecture(values):
        return "deepss"
    return "stft" if values.get("nb_pre_conv") else "raw"


def native_precision(flags: Iterable[str], gpus: list[tuple[int, int]], kind: str) -> str:
    """What ``auto`` means for a network of this :func:`network_kind` on a machine with these CPU ``flags`` and
    GPU compute capabilities (see the module docstring)."""
    if kind == "deepss":
        return "off"
    if gpus:
        slowest = min(gpus)
        return "bfloat16" if slowest >= (8, 0) else "float16" if slowest >= (7, 0) else "off"
    if BF16_CPU_FLAGS & set(flags) and kind == "raw":
        return "bfloat16"
    return "off"


def resolve_precision(choice: str, params, *, flags: Iterable[str] | None = None,
                      gpus: list[tuple[int, int]] | None = None) -> str:
    """``off``, ``bfloat16`` or ``float16``: ``choice`` itself, or for ``auto`` :func:`native_precision` of this
    machine for the network ``params`` describe (a params dict or spec; ``flags``/``gpus`` default to what the
    machine reports; finding the GPUs imports TensorFlow)."""
    if choice not in PRECISIONS:
        raise ValueError(f"mixed_precision must be one of {', '.join(PRECISIONS)}, got {choice!r}")
    if choice != "auto":
        return choice
    return native_precision(cpu_flags() if flags is None else flags, gpu_capabilities() if gpus is None else gpus,
                            network_kind(params))


def prediction_precision(choice: str, params: dict, *, flags: Iterable[str] | None = None,
                         gpus: list[tuple[int, int]] | None = None) -> str:
    """What a saved network computes in when predicting: ``choice`` itself, or for ``auto`` the precision it trained
    in (``trained_precision`` of its params) where :func:`resolve_precision` would choose that here, else off: a
    float32 network's probabilities stay those its test scores and post-processing choice were made on."""
    if choice != "auto":
        return resolve_precision(choice, params)
    trained = params.get("trained_precision", "off")
    return trained if trained == resolve_precision("auto", params, flags=flags, gpus=gpus) else "off"


@contextlib.contextmanager
def dtype_policy(precision: str) -> Iterator[None]:
    """Keras's global dtype policy for ``precision`` (a resolved one) inside, the previous one restored after."""
    import keras

    previous = keras.mixed_precision.dtype_policy()
    keras.mixed_precision.set_dtype_policy(POLICIES[precision])
    try:
        yield
    finally:
        keras.mixed_precision.set_dtype_policy(previous)


def model_precision(model) -> str:
    """The precision a built Keras model computes in: that of its first layer that is not float32, else off."""
    for layer in model.layers:
        policy = getattr(layer, "dtype_policy", None)
        compute = getattr(policy, "compute_dtype", "float32")
        if compute in ("bfloat16", "float16"):
            return compute
    return "off"
