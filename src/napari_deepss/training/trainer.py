"""Train a DeepSS network on a dataset folder and write model, params and test results.

``train(config)`` is the one training routine behind ``dss train``, the Train
dock widget and the Python API. It is a long job (:mod:`napari_deepss.jobs`):
it reports :class:`~napari_deepss.jobs.Progress` after every step and, once
its ``stop`` event is set, ends after the current step, keeps the best model
so far, writes its files and raises :class:`~napari_deepss.jobs.Stopped`
carrying the :class:`TrainResult`. It writes into the save folder (each file
atomically):

- ``<stem>_model.h5``: the network with the lowest validation loss,
- ``<stem>_params.yaml``: every option, the dataset attrs and derived values
  (plain YAML; after testing also the confusion matrix and per-class report),
- ``<stem>_results.h5``: history, confusion matrix, report, test labels and
  predictions (when the dataset has a test split),

where ``<stem>`` is ``<prefix>_<YYYYMMDD_hhmmss>``; ``training.load_model``
(:func:`napari_deepss.network_files.load_network`) loads the network back.
Importing this module does not import TensorFlow; ``train`` does.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import re
import sys
import tempfile
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import yaml

from ..atomic import atomic_path
from ..dataset.store import Split, data_hash, open_dataset
from ..errors import FileFormatError, TrainingDiverged
from ..jobs import Progress, ProgressCallback, Stopped
from ..network_files import MODEL_SUFFIX, PARAMS_SUFFIX, RESULTS_SUFFIX
from ..options import yaml_safe
from ..phase_times import Timeline
from ..quiet_tensorflow import quiet_tensorflow
from ..temporaries import remove_stale_temporaries
from .chunks import steps_per_epoch, tf_dataset
from .config import TrainConfig
from .data import chunk_readers, training_parts
from .post_opt import choose_on_validation
from .testing import score_test_split
from .init_model import RECORD_KEY as INIT_RECORD_KEY
from .init_model import check_init_model, initialise

EARLY_STOPPING_PATIENCE = 20


@dataclass(frozen=True)
class TrainResult:
    model_path: Path
    params_path: Path
    results_path: Path | None
    history: dict[str, list[float]]  # per complete epoch: loss, val_loss, ...
    report: dict | None  # per-class test precision/recall/f1/support
    report_path: Path | None = None  # the HTML page of figures
    postprocessing: str | None = None  # the post-processing chosen on the validation data, described


def train(
    config: TrainConfig | None = None,
    *,
    progress: ProgressCallback | None = None,
    stop: threading.Event | None = None,
    **overrides: Any,
) -> TrainResult:
    """Train the network ``config`` describes (options in ``overrides`` replace the config's).

    ``progress`` (default: a bar on the terminal, ``config.verbose``) gets a
    report after every step: ``done`` of ``total`` steps of the phase
    (``train``, ``val``, ``test``, then one ``done``), ``values`` epoch,
    nb_epoch and, while fitting, loss and val_loss. Setting ``stop`` ends
    training after the current step; the best model so far is kept, every file
    is written and :class:`~napari_deepss.jobs.Stopped` is raised with the
    :class:`TrainResult`. Bad options and datasets raise ValueError /
    FileFormatError before any training starts. A loss that becomes NaN or
    infinite ends training with :class:`~napari_deepss.errors.TrainingDiverged`;
    only a network of an earlier, finite epoch is kept.
    """
    config = dataclasses.replace(config or TrainConfig(), **overrides).validate()
    clock = Timeline()
    attrs, splits = open_dataset(config.data_dir, config.y_suffix, config.x_suffix)
    parts, ranges = training_parts(config, splits, float(attrs["samplerate_x_Hz"]))
    stem = _output_stem(config)
    paths = dict(zip(("model", "params", "results"), _outputs(stem)))
    params = _params(config, attrs, splits, ranges)
    hashing = _hash_in_background(config)
    if config.init_model:
        params.update(check_init_model(config.init_model, params))  # a DeepSS network: continued on its layers
    write_params(paths["params"], params)
    clock.mark("dataset")
    with _console_unless(progress, config.verbose) as progress:
        model, monitor = _fit(config, params, parts, paths["model"], progress, stop or threading.Event(), clock)
        if monitor.diverged:
            _give_up(config, monitor, paths)
        if hashing is not None:
            params["data_hash"] = hashing.result()
        params["history"] = monitor.history
        values = _epoch_values(monitor.epoch, config.nb_epoch)
        if config.post_opt:
            params.update(choose_on_validation(model, config, params, splits["val"], progress, values))
            write_params(paths["params"], params)
        evaluation, results_path = None, None
        if "test" in splits:
            results_path = paths["results"]
            evaluation = score_test_split(model, params, splits["test"], results_path, batch_size=config.batch_size,
                                          history=monitor.history, progress=progress, values=values)
            params.update(_test_entries(evaluation))
        write_params(paths["params"], params)
        report_path = _write_report(config, stem, params, evaluation)
        progress(Progress(1, 1, "", "done", values))
    result = TrainResult(paths["model"], paths["params"], results_path, monitor.history, params.get("report"),
                         report_path, (params.get("postprocess_choice") or {}).get("summary"))
    if monitor.stopped:
        raise Stopped("training stopped early; the best model so far is saved", result)
    return result


def _test_entries(evaluation) -> dict[str, Any]:
    """What ``_params.yaml`` keeps of the test: DeepSS's sample-wise entries and the event/segment scores."""
    scores = evaluation.to_dict()
    samples = scores.pop("samples")
    return {"confusion_matrix": samples["confusion_matrix"], "report": samples["report"],
            "accuracy": samples["accuracy"], "test_scores": scores}


def _write_report(config: TrainConfig, stem: Path, params: dict, evaluation) -> Path | None:
    """Figures and an HTML page of the run (``<stem>_report/index.html``) if ``config.html_report``."""
    if not config.html_report:
        return None
    from ..report import REPORT_SUFFIX, write_report

    return write_report(stem.with_name(stem.name + REPORT_SUFFIX), evaluation, history=params.get("history"),
                        title=f"{stem.name} on {Path(config.data_dir).name}",
                        postprocessing=(params.get("postprocess_choice") or {}).get("summary"))


def _console_unless(progress: ProgressCallback | None, verbose: int):
    """``progress`` itself, or progress bars on the terminal (``verbose``: 0 none, 1 a bar per epoch, 2 also losses)."""
    if progress is not None:
        return contextlib.nullcontext(progress)
    from ..console import ConsoleProgress

    return ConsoleProgress(verbose=verbose, postfix=("loss", "val_loss"), leave=False, dynamic_ncols=True)


def _epoch_values(epoch: int, nb_epoch: int, **losses) -> dict[str, Any]:
    return {"epoch": epoch, "nb_epoch": nb_epoch, **losses}


def write_params(path: Path, params: dict) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(yaml.safe_dump(yaml_safe(params), sort_keys=False))


# --- steps of train() ---------------------------------------------------------------------------------------


def _output_stem(config: TrainConfig) -> Path:
    """``<save_dir>/<prefix>_<YYYYMMDD_hhmmss>`` in a writable save folder, not used by an earlier run."""
    save_dir = config.save_path
    try:
        save_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=save_dir):
            pass
    except OSError as err:
        raise FileFormatError(save_dir, f"cannot write the training results here ({err.strerror or err})") from None
    _remove_stale_temporaries(save_dir, config.save_prefix)
    if config.save_name:
        stem = save_dir / "_".join(part for part in (config.save_prefix, config.save_name) if part)
        taken = [str(path) for path in _outputs(stem) if path.exists()]
        if taken:
            raise FileExistsError(f"save_name {config.save_name!r}: {', '.join(taken)} exist(s); choose another name "
                                  "or move them (earlier results are never replaced)")
        return stem
    now = time.time()
    while True:  # two runs started within a second get consecutive time stamps
        stamp = time.strftime("%Y%m%d_%H%M%S", time.localtime(now))
        stem = save_dir / (f"{config.save_prefix}_{stamp}" if config.save_prefix else stamp)
        if not any(path.exists() for path in _outputs(stem)):
            return stem
        now += 1


def _outputs(stem: Path) -> list[Path]:
    return [stem.with_name(stem.name + suffix) for suffix in (MODEL_SUFFIX, PARAMS_SUFFIX, RESULTS_SUFFIX)]


def _remove_stale_temporaries(save_dir: Path, prefix: str) -> None:
    """Temporaries of earlier runs of this prefix, killed while writing (their outputs had other time stamps)."""
    start = f"{prefix}_" if prefix else ""
    stem = re.compile(rf"{re.escape(start)}\d{{8}}_\d{{6}}_(model|params|results)")
    remove_stale_temporaries(save_dir, lambda name, rest: stem.fullmatch(name) is not None,
                             str(save_dir / f"{start}<time stamp>"))


def _params(config: TrainConfig, attrs: dict, splits: dict[str, Split], ranges: dict) -> dict:
    train = splits["train"]
    options = config.to_dict()
    params = dict(attrs)
    params.update({f"dataset_{key}": attrs[key] for key in attrs.keys() & options.keys()})  # e.g. the split seed
    params.update(options)
    params.update(
        save_dir=str(config.save_path),
        use_separable=config.separable_blocks(),
        data_padding=config.data_padding,
        stride=config.stride,
        nb_channels=int(train.x.shape[1]),
        nb_classes=int(train.y.shape[1]),
        data_ranges=ranges,
        early_stopping_patience=EARLY_STOPPING_PATIENCE,
    )
    params.setdefault("class_names", [f"class_{i}" for i in range(params["nb_classes"])])
    return yaml_safe(params)


def _hash_in_background(config: TrainConfig) -> Future | None:
    """The dataset's MD5 (``version_data``), computed on another core while TensorFlow loads and traces: reading a
    large dataset once took seconds before the first step (hashlib releases the GIL)."""
    if not config.version_data:
        return None
    executor = ThreadPoolExecutor(1, thread_name_prefix="data_hash")
    future = executor.submit(data_hash, config.data_dir)
    executor.shutdown(wait=False)  # the hash goes on; its thread ends with it
    return future


def _fit(config, params, parts, model_path, progress, stop, clock):
    """Build, compile and train the model; returns it (best weights) and the monitor.

    ``clock`` (a :class:`~napari_deepss.phase_times.Timeline`) gets the phases
    up to the first training step; with ``verbose`` 2 they are printed, and so
    is each epoch's time split into training, validation and other.
    """
    quiet_tensorflow(show=config.log_messages, threads=config.threads)
    clock.mark("tensorflow import")
    import keras

    from .callbacks import TrainingMonitor, epoch_line

    model = _compiled_network(config, params)
    clock.mark("network")
    readers = chunk_readers(config, params, parts)
    train_data = tf_dataset(readers["train"], config.batch_size, shuffle=True, seed=config.seed)
    val_data = tf_dataset(readers["val"], config.batch_size, shuffle=False)
    clock.mark("input pipeline")

    def report(phase, epoch, step, steps, loss, val_loss):
        values = _epoch_values(epoch, config.nb_epoch, loss=loss, val_loss=val_loss)
        progress(Progress(step, steps, f"epoch {epoch}/{config.nb_epoch}", phase, values))

    def first_step():
        clock.mark("first step")
        _say(config, clock.line("first training step"))

    monitor = TrainingMonitor(
        steps=steps_per_epoch(readers["train"], config.batch_size, shuffle=True),
        val_steps=steps_per_epoch(readers["val"], config.batch_size, shuffle=False),
        report=report,
        save_best=lambda m: save_model(m, model_path),
        stop=stop,
        first_step=first_step,
        epoch_timed=lambda epoch, split: _say(config, epoch_line(epoch, config.nb_epoch, split)),
    )
    callbacks = [monitor, keras.callbacks.EarlyStopping("val_loss", patience=EARLY_STOPPING_PATIENCE)]
    if config.reduce_lr:
        callbacks.append(keras.callbacks.ReduceLROnPlateau("val_loss", patience=config.reduce_lr_patience))
    if config.tensorboard:
        callbacks.append(keras.callbacks.TensorBoard(log_dir=str(model_path).removesuffix(MODEL_SUFFIX) + "_logs"))
    model.fit(train_data, validation_data=val_data, epochs=config.nb_epoch, verbose=0, callbacks=callbacks,
              shuffle=False)  # tf_dataset shuffles
    if monitor.best_weights is None and not monitor.diverged:  # stopped during the first epoch: keep what there is
        save_model(model, model_path)
    return model, monitor


def _compiled_network(config: TrainConfig, params: dict):
    """The network of ``params``, compiled for training (continued from ``init_model`` if given)."""
    import keras
    import tensorflow as tf

    from ..models import build_network
    from ..models.precision import resolve_precision
    from .optimizer import FusedAdam

    if config.seed is not None:
        keras.utils.set_random_seed(config.seed)
    strategy = _mirrored_strategy(tf) if config.multi_gpu else tf.distribute.get_strategy()
    params["nb_replicas"] = strategy.num_replicas_in_sync
    params["trained_precision"] = resolve_precision(config.mixed_precision, params)
    with strategy.scope():
        model = build_network(params, params["trained_precision"])
        if config.init_model:
            params[INIT_RECORD_KEY] = initialise(model, config.init_model, params["class_names"])
        model.compile(
            optimizer=FusedAdam(config.learning_rate, amsgrad=True, clipnorm=1.0),
            loss=keras.losses.CategoricalCrossentropy(reduction="mean_with_sample_weight"),
            # XLA cannot compile a step whose variables are mirrored over several devices
            jit_compile=config.jit_compile and strategy.num_replicas_in_sync == 1,
        )
        build_optimizer(model)
    return model


def build_optimizer(model) -> None:
    """Create the optimizer's variables now. Keras would create them inside the first step's trace, and a
    ``tf.function`` that creates variables is traced twice: the whole training step, a third to half of the
    seconds before the first step (measured on the documented network)."""
    model.optimizer.build(model.trainable_variables)


def _say(config: TrainConfig, line: str) -> None:
    """A line on the terminal (above the progress bar) with ``verbose`` 2."""
    if config.verbose >= 2:
        from tqdm import tqdm

        tqdm.write(line, file=sys.stderr)


def _give_up(config: TrainConfig, monitor, paths: dict[str, Path]) -> NoReturn:
    """Training diverged: keep the best network of the epochs before, if any, else nothing; say why."""
    if monitor.best_weights is None:
        paths["params"].unlink(missing_ok=True)
        kept = "no network was kept"
    else:
        kept = f"the network of the best epoch before (validation loss {monitor.best_loss:.5g}) is kept: {paths['model']}"
    raise TrainingDiverged(
        f"{config.data_dir}: training diverged: {monitor.diverged}; {kept}. NaN or infinite values in the dataset "
        "do this (make the dataset again: recordings holding them are now refused), or a learning rate too high "
        f"(it is {config.learning_rate:g})")


def _mirrored_strategy(tf):
    """Data-parallel training over all GPUs, or over the CPU devices when there is no GPU."""
    devices = tf.config.list_logical_devices("GPU") or tf.config.list_logical_devices("CPU")
    return tf.distribute.MirroredStrategy(devices=[device.name for device in devices])


class _NoLegacyFormatWarning(logging.Filter):
    """Keras warns on every .h5 save that the format is legacy; DeepSS compatibility needs it."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "HDF5 file via" not in record.getMessage()


_ABSL_FILTER = _NoLegacyFormatWarning()


def save_model(model, path: Path) -> None:
    """Save ``model`` as ``.h5`` atomically (Keras picks the format from the suffix, so the temporary name keeps it)."""
    logging.getLogger("absl").addFilter(_ABSL_FILTER)  # adding the same filter twice is a no-op
    with atomic_path(path) as tmp:
        h5_tmp = tmp.with_name(tmp.name + ".h5")
        try:
            model.save(h5_tmp, include_optimizer=False)
            os.replace(h5_tmp, tmp)
        finally:
            h5_tmp.unlink(missing_ok=True)
