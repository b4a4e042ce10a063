"""``dss predict`` on Dask: the same outputs as one process, the network loaded once per worker, stop, the extra."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import distributed
import numpy as np
import pytest
import soundfile
from predict_helpers import train_tiny_fly_network

from napari_deepss.cli import main
from napari_deepss.corpus import PENDING, find_recordings, predict_corpus
from napari_deepss.jobs import Stopped


@pytest.fixture(scope="module")
def fly_network(fly_wav, tmp_path_factory):
    return train_tiny_fly_network(fly_wav, tmp_path_factory.mktemp("tiny"))[0]


@pytest.fixture(scope="module")
def cluster():
    """A running cluster like a lab's: two worker processes of one thread each."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c:
        with distributed.Client(c) as client:
            yield c, client


@pytest.fixture(scope="module")
def corpus(fly_wav, tmp_path_factory):
    """Real fly song in two folders: four 15 s recordings of different parts, one longer, one corrupt."""
    folder = tmp_path_factory.mktemp("corpus")
    samples, rate = soundfile.read(fly_wav, dtype="float32")
    for i, start in enumerate((0, 15, 30, 45)):
        (folder / f"day{i % 2}").mkdir(exist_ok=True)
        soundfile.write(folder / f"day{i % 2}" / f"fly{i}.wav", samples[int(start * rate):int((start + 15) * rate)],
                        rate)
    shutil.copy(fly_wav, folder / "day0" / "whole.wav")
    (folder / "day1" / "broken.wav").write_bytes(b"RIFF" + bytes(100))
    return folder


def _outputs(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*_annotations.csv"))}


def _summary_without_times(out: Path) -> list[dict[str, str]]:
    with open(out / "predict_summary.csv", newline="") as f:
        return [{k: v for k, v in row.items() if k != "seconds_taken"} for row in csv.DictReader(f)]


def test_workers_and_a_running_cluster_write_what_one_process_writes(fly_network, corpus, cluster, tmp_path):
    runs = {"one process": [], "1 worker": ["--workers", "1"], "2 workers": ["--workers", "2"],
            "scheduler": ["--scheduler", cluster[0].scheduler_address]}
    for name, flags in runs.items():
        assert main(["predict", str(corpus), fly_network, "--recursive", "--out-dir", str(tmp_path / name),
                     "--event-thres", "0.3", *flags]) == 1, name  # 1: broken.wav failed
    expected = _outputs(tmp_path / "one process")
    assert sorted(expected) == ["day0/fly0_annotations.csv", "day0/fly2_annotations.csv",
                                "day0/whole_annotations.csv", "day1/fly1_annotations.csv", "day1/fly3_annotations.csv"]
    assert len({len(content) for content in expected.values()}) > 1  # the recordings differ, and so do their CSVs
    summary = _summary_without_times(tmp_path / "one process")
    assert [row["status"] for row in summary] == ["done"] * 3 + ["failed"] + ["done"] * 2
    for name in runs:
        assert _outputs(tmp_path / name) == expected, name
        assert _summary_without_times(tmp_path / name) == summary, name
    # each worker of the running cluster loaded the network once and ran TensorFlow on its one thread
    client = cluster[1]
    assert list(client.run(_network_loads).values()) == [1, 1]
    assert list(client.run(_tensorflow_threads).values()) == [(1, 1), (1, 1)]


def _network_loads() -> int:
    from napari_deepss.corpus import on_dask

    return on_dask.network_loads


def _tensorflow_threads() -> tuple[int, int]:
    import tensorflow as tf

    return (tf.config.threading.get_intra_op_parallelism_threads(),
            tf.config.threading.get_inter_op_parallelism_threads())


def test_stopping_a_cluster_run_leaves_finished_files_and_no_partial_ones(fly_network, fly_wav, cluster, tmp_path):
    folder = tmp_path / "long"
    folder.mkdir()
    samples, rate = soundfile.read(fly_wav, dtype="float32")
    for i in range(6):
        soundfile.write(folder / f"fly{i}.wav", np.roll(samples, i * int(5 * rate)), rate)
    stop = threading.Event()

    def progress(p):
        if "file" in p.values:
            stop.set()

    recordings = find_recordings([folder])
    with pytest.raises(Stopped) as stopped:  # batch 1: about a second per recording
        predict_corpus(recordings, fly_network, batch_size=1, save_probabilities=True,
                       scheduler=cluster[0].scheduler_address, progress=progress, stop=stop)
    outcome = stopped.value.result
    done = {r.recording.stem for r in outcome.results if r.status == "done"}
    assert 1 <= len(done) < 6 and outcome.count(PENDING) == 6 - len(done)
    written = sorted(p.name for p in folder.iterdir() if not p.suffix == ".wav")
    assert written == sorted([".dss-predict", "predict_summary.csv", *(f"{s}_annotations.csv" for s in done),
                              *(f"{s}_definitions.csv" for s in done), *(f"{s}_probabilities.npy" for s in done),
                              *(f"{s}_probabilities.json" for s in done)])  # no temporary (.part) files
    assert not any(cluster[1].processing().values())  # no worker is left predicting


def test_without_the_cluster_extra_the_message_says_what_to_install(fly_network, corpus, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed fails as if not installed
    assert main(["predict", str(corpus / "day0" / "fly0.wav"), fly_network, "--workers", "2"]) == 2
    assert "pip install 'napari-deepss[cluster]'" in capsys.readouterr().err


def test_the_default_path_runs_in_this_process_without_dask(fly_network, corpus, tmp_path):
    probe = (
        "import sys\n"
        "from napari_deepss.cli import main\n"
        f"code = main(['predict', {str(corpus / 'day0' / 'fly0.wav')!r}, {fly_network!r}, '--out-dir', "
        f"{str(tmp_path)!r}])\n"
        "print(code, 'distributed' in sys.modules, 'tensorflow' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300)
    assert done.stdout.split()[-3:] == ["0", "False", "True"], done.stderr[-2000:]
    assert (tmp_path / "fly0_annotations.csv").is_file()
