"""``dss train``: the documented command runs verbatim; bad flags and folders give one-line errors."""

from __future__ import annotations

import re
import shlex
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml
from predict_helpers import fly_slice

from napari_deepss.cli import main
from napari_deepss.cli.interrupt import stop_on_first_interrupt

SEED_COMMAND = (
    "dss train --data-dir D.npy --save-dir D.res --nb-hist 256 --ignore-boundaries True --nb-filters 32 "
    "--kernel-size 32 --nb-conv 3 --use-separable False False False --learning-rate 0.0001 --nb-epoch 400 "
    "--model-name tcn --no-reduce-lr --no-tensorboard"
)


@pytest.fixture(scope="module")
def fly_store(fly_wav, tmp_path_factory):
    """``D.npy`` made by ``dss make-dataset`` from 8 s of the real fly recording."""
    folder = tmp_path_factory.mktemp("cli")
    wav = fly_slice(fly_wav, folder / "D", seconds=8.0)
    assert main(["make-dataset", str(wav.parent), "--store-folder", str(folder / "D.npy")]) == 0
    return folder / "D.npy"


def seed_command(store, *extra: str) -> list[str]:
    argv = shlex.split(SEED_COMMAND.replace("D.npy", str(store)).replace("D.res", str(store.with_suffix(".res"))))
    return argv[1:] + list(extra)


def test_documented_command_writes_model_params_and_results(fly_store, capsys):
    # the command exactly as documented, with fewer epochs (argparse keeps the last --nb-epoch)
    assert main(seed_command(fly_store, "--nb-epoch", "1", "--verbose", "0")) == 0
    written = capsys.readouterr().out.split()
    assert [p.rsplit("_", 1)[1] for p in written] == ["model.h5", "params.yaml", "results.h5"]
    params = yaml.safe_load(open(written[1]))
    assert (params["nb_hist"], params["nb_filters"], params["kernel_size"], params["nb_conv"]) == (256, 32, 32, 3)
    assert params["use_separable"] == [False, False, False] and params["ignore_boundaries"] is True
    assert params["learning_rate"] == 0.0001 and not params["reduce_lr"] and not params["tensorboard"]
    assert (params["data_padding"], params["stride"]) == (96, 64)


def test_ctrl_c_stops_after_the_step_and_still_writes_and_prints_the_files(fly_store, tmp_path):
    save_dir = tmp_path / "res"
    argv = seed_command(fly_store, "--save-dir", str(save_dir), "--nb-hist", "256", "--nb-filters", "8",
                        "--kernel-size", "4", "--nb-conv", "1", "--use-separable", "False", "--verbose", "0")
    child = subprocess.Popen([sys.executable, "-m", "napari_deepss", *argv], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while not list(save_dir.glob("*_params.yaml")):  # written once the options and the dataset are checked
        assert child.poll() is None and time.monotonic() < deadline, child.communicate()
        time.sleep(0.2)
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=300)
    assert child.returncode == 130, err  # interrupted (128 + SIGINT), though the files are written
    assert "stopping after this step" in err and "stopped early; the best model so far is saved" in err
    written = out.split()
    assert [p.rsplit("_", 1)[1] for p in written] == ["model.h5", "params.yaml", "results.h5"]
    assert all(Path(p).is_file() for p in written)


def test_a_second_ctrl_c_aborts(capsys):
    stop = threading.Event()
    before = signal.getsignal(signal.SIGINT)
    with pytest.raises(KeyboardInterrupt), stop_on_first_interrupt(stop, "dss train: stopping after this step"):
        signal.raise_signal(signal.SIGINT)
        assert stop.is_set()
        signal.raise_signal(signal.SIGINT)
    assert signal.getsignal(signal.SIGINT) is before  # the handler is gone again
    assert "Ctrl-C again to abort" in capsys.readouterr().err


def _one_line_error(capsys, argv: list[str]) -> str:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err.strip().splitlines()[-1]


def test_bad_flag_values_are_one_line_errors(capsys):
    assert "--nb-hist" in _one_line_error(capsys, ["train", "--data-dir", "x.npy", "--nb-hist", "many"])
    assert "True or False" in _one_line_error(capsys, ["train", "--data-dir", "x.npy", "--reduce-lr", "maybe"])
    assert "--nb-hidden" in _one_line_error(capsys, ["train", "--data-dir", "x.npy", "--nb-hidden", "3"])
    assert "--data-dir" in _one_line_error(capsys, ["train"])


@pytest.mark.parametrize(
    ("extra", "message"),
    [(["--y-suffix", "sine"], "y_sine.npy"), (["--nb-hist", "65536"], "fewer than one chunk"),
     (["--use-separable", "True", "False"], "use_separable")],
)
def test_bad_options_for_the_dataset_are_one_line_errors(fly_store, capsys, extra, message):
    assert main(seed_command(fly_store, *extra)) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("dss: error:") and message in err and len(err.splitlines()) == 1


def test_a_folder_that_is_no_dataset(tmp_path, capsys):
    assert main(["train", "--data-dir", str(tmp_path / "nothing.npy")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("dss: error:") and "nothing.npy" in err and len(err.splitlines()) == 1


def test_help_lists_every_option_without_importing_tensorflow():
    code = (
        "import sys\nfrom napari_deepss.cli import main\n"
        "try:\n    main(['train', '--help'])\nexcept SystemExit:\n    pass\n"
        "print('TF', 'tensorflow' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().endswith("TF False")
    for flag in ("--no-reduce-lr", "--use-separable", "--nb-pre-conv", "--multi-gpu", "--fraction-data"):
        assert flag in out


def test_the_console_shows_the_run_and_no_tensorflow_start_up_noise(fly_store, tmp_path):
    """No 'failed call to cuInit' (printed as an error on machines without a GPU) or other start-up lines."""
    argv = seed_command(fly_store, "--save-dir", str(tmp_path / "res"), "--nb-hist", "256", "--nb-filters", "8",
                        "--kernel-size", "4", "--nb-conv", "1", "--use-separable", "False", "--nb-epoch", "2",
                        "--verbose", "1")
    run = subprocess.run([sys.executable, "-m", "napari_deepss", *argv], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    noise = ("cuInit", "oneDNN", "absl::InitializeLog", "cuda drivers", "cpu_feature_guard", "E0000", "I0000")
    assert not [line for line in run.stderr.splitlines() if any(word in line for word in noise)], run.stderr
    assert "last epoch 2: loss" in run.stderr and "best val_loss" in run.stderr
    assert "post-processing chosen on the validation data:\nevents: threshold" in run.stderr
    assert "report: " in run.stderr and "_report/index.html" in run.stderr
    prefix = run.stdout.split()[0].removesuffix("_model.h5")
    evaluate = subprocess.run([sys.executable, "-m", "napari_deepss", "evaluate", prefix, str(fly_store), "--report",
                               str(tmp_path / "figures"), "--event-thres", "0.7"], capture_output=True, text=True,
                              timeout=600)
    assert evaluate.returncode == 0, evaluate.stderr[-3000:]
    assert not [line for line in evaluate.stderr.splitlines() if any(word in line for word in noise)], evaluate.stderr
    params = yaml.safe_load(Path(prefix + "_params.yaml").read_text())["postprocess"]
    used = evaluate.stdout.splitlines()[0]
    assert used.startswith("post-processing: event_thres 0.7, event_dist ")  # the flag replaces the network's value
    assert f"event_dist {params['event_dist']:g}" in used
    assert (tmp_path / "figures" / "index.html").is_file() and (tmp_path / "figures" / "losses.png").is_file()


def _seconds(parts: str) -> dict[str, float]:
    return {name: float(seconds) for name, seconds in re.findall(r"([a-z -]+) (-?[\d.]+) s(?:, |$)", parts)}


def test_verbose_2_prints_where_the_first_step_went_and_each_epochs_split(fly_store, tmp_path, capsys):
    argv = seed_command(fly_store, "--save-dir", str(tmp_path), "--nb-epoch", "2", "--nb-filters", "8",
                        "--kernel-size", "4", "--nb-conv", "1", "--use-separable", "False", "--verbose", "2")
    assert main(argv) == 0
    err = capsys.readouterr().err
    total, parts = re.search(r"first training step after ([\d.]+) s since the process started: (.*)", err).groups()
    phases = _seconds(parts)
    assert list(phases) == ["start-up", "dataset", "tensorflow import", "network", "input pipeline", "first step"]
    assert sum(phases.values()) == pytest.approx(float(total), abs=0.1)  # each shown to 0.01 s, the total to 0.1 s
    assert phases["first step"] > 0
    epochs = re.findall(r"epoch (\d+)/2: ([\d.]+) s = (.*)", err)
    assert [int(epoch) for epoch, _, _ in epochs] == [1, 2]  # one line per epoch
    for _, total, parts in epochs:
        split = _seconds(parts)
        assert list(split) == ["training", "validation", "other"]
        assert split["training"] > 0 and split["validation"] >= 0 and split["other"] >= 0
        assert sum(split.values()) == pytest.approx(float(total), abs=0.05)


def test_verbose_1_prints_no_breakdown(fly_store, tmp_path, capsys):
    argv = seed_command(fly_store, "--save-dir", str(tmp_path), "--nb-epoch", "1", "--nb-filters", "8",
                        "--kernel-size", "4", "--nb-conv", "1", "--use-separable", "False", "--verbose", "1")
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert "first training step after" not in err and not re.search(r"epoch 1/1: [\d.]+ s =", err)
