"""``dss train``: train a network on a dataset folder (flags generated from TrainConfig).

Ctrl-C once stops after the current step and still writes the model, params
and test results, then exits with 130 (interrupted, as shells expect); a second
Ctrl-C aborts.
"""

from __future__ import annotations

import logging
import sys
import threading

from ..options import add_arguments
from ..training.config import TrainConfig
from ..training.refused_options import add_refused_arguments, refusal
from .interrupt import stop_on_first_interrupt


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "train",
        help="train a network on a dataset folder (<name>.npy)",
        usage="dss train --data-dir D.npy [options]",
        description="Train a DeepSS network on a dataset made by 'dss make-dataset'. Writes "
        "<prefix>_<YYYYMMDD_hhmmss>_model.h5, _params.yaml and (with a test split) _results.h5 to the save folder. "
        "Booleans accept --flag, --no-flag and --flag True/False. With --init-model the network options default to "
        "those of the network continued from. Every flag of DeepSS 0.32's 'das train' is accepted; those for "
        "networks napari-deepss does not build (LSTM, ResNet, ...) are refused with what to use.",
    )
    add_arguments(parser, TrainConfig, required=("data_dir",))
    add_refused_arguments(parser)
    parser.set_defaults(func=run)


def run(args) -> int:
    problem = refusal(vars(args))
    if problem:
        raise ValueError(problem)
    values = vars(args)
    if values.get("init_model"):  # the network options not given default to those of the network continued from
        from ..training.init_model import source_network_options

        values = {**source_network_options(values["init_model"]), **values}
    config = TrainConfig.from_dict(values).validate()
    if config.log_messages:
        logging.basicConfig(level=logging.INFO)
    from ..jobs import Stopped
    from ..training import train

    stop = threading.Event()
    code = 0
    try:
        with stop_on_first_interrupt(stop, "dss train: stopping after this step"):
            result = train(config, stop=stop)
    except Stopped as stopped:
        result = stopped.result
        print("dss train: stopped early; the best model so far is saved", file=sys.stderr)
        code = 130
    if config.verbose:
        _summary(result)
    for path in (result.model_path, result.params_path, result.results_path):
        if path is not None:
            print(path)
    return code


def _summary(result) -> None:
    """The last epoch's losses, the post-processing chosen and the report, on stderr (stdout lists the files)."""
    history = result.history
    if history.get("val_loss"):
        best = min(range(len(history["val_loss"])), key=history["val_loss"].__getitem__)
        print(f"last epoch {len(history['val_loss'])}: loss {history['loss'][-1]:.5g}, val_loss "
              f"{history['val_loss'][-1]:.5g} (best val_loss {history['val_loss'][best]:.5g} at epoch {best + 1})",
              file=sys.stderr)
    if result.postprocessing:
        print(f"post-processing chosen on the validation data:\n{result.postprocessing}", file=sys.stderr)
    if result.report_path is not None:
        print(f"report: {result.report_path}", file=sys.stderr)
