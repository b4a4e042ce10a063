"""TensorFlow's threads follow the cores the process may use (affinity, cgroup quota), and --threads / DSS_THREADS."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
from predict_helpers import saved_amplitude_network, stereo_fly

from napari_deepss import cpu_threads
from napari_deepss.cpu_threads import ENVIRONMENT, available_cores, cgroup_cpu_quota, tensorflow_threads


def _cgroups(tmp_path, membership: str, files: dict[str, str]):
    """A fake ``/sys/fs/cgroup`` (``files``: path below it -> content) and ``/proc/self/cgroup`` (``membership``)."""
    root = tmp_path / "cgroup"
    root.mkdir(parents=True)
    for name, content in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(content)
    self_cgroup = tmp_path / "self_cgroup"
    self_cgroup.write_text(membership)
    return {"cgroup_root": root, "self_cgroup": self_cgroup}


@pytest.fixture
def four_cores(monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3}, raising=False)
    monkeypatch.delenv(ENVIRONMENT, raising=False)


def test_cgroup_v2_quota_of_the_process_or_a_parent_caps_the_affinity(tmp_path, four_cores):
    unlimited = _cgroups(tmp_path / "a", "0::/\n", {"cpu.max": "max 100000\n"})
    assert cgroup_cpu_quota(**unlimited) is None and available_cores(**unlimited) == 4
    # the job's own cgroup has no limit, the slice above it allows 3 cores: the smaller wins
    nested = _cgroups(tmp_path / "b", "0::/user.slice/job\n", {"user.slice/job/cpu.max": "max 100000\n",
                                                                "user.slice/cpu.max": "300000 100000\n"})
    assert cgroup_cpu_quota(**nested) == 3.0 and available_cores(**nested) == 3
    fraction = _cgroups(tmp_path / "c", "0::/\n", {"cpu.max": "250000 100000\n"})
    assert available_cores(**fraction) == 2  # 2.5 cores: two threads keep them busy without being throttled
    tiny = _cgroups(tmp_path / "d", "0::/\n", {"cpu.max": "20000 100000\n"})
    assert available_cores(**tiny) == 1  # never fewer than one


def test_cgroup_v1_quota_seen_from_inside_a_container(tmp_path, four_cores):
    # the host's path of the cgroup does not exist in the container: the mount point's files are the container's
    files = {"cpu,cpuacct/cpu.cfs_quota_us": "200000\n", "cpu,cpuacct/cpu.cfs_period_us": "100000\n"}
    limited = _cgroups(tmp_path / "a", "5:memory:/docker/abc\n4:cpu,cpuacct:/docker/abc\n0::/\n", files)
    assert cgroup_cpu_quota(**limited) == 2.0 and available_cores(**limited) == 2
    none = _cgroups(tmp_path / "b", "4:cpu,cpuacct:/\n", {"cpu,cpuacct/cpu.cfs_quota_us": "-1\n",
                                                           "cpu,cpuacct/cpu.cfs_period_us": "100000\n"})
    assert cgroup_cpu_quota(**none) is None and available_cores(**none) == 4


def test_affinity_smaller_than_the_quota_wins(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {2}, raising=False)
    assert available_cores(**_cgroups(tmp_path, "0::/\n", {"cpu.max": "400000 100000\n"})) == 1
    assert available_cores(cgroup_root=tmp_path / "absent", self_cgroup=tmp_path / "absent") == 1  # no cgroups


def test_threads_asked_for_win_and_workers_share_the_cores(monkeypatch, four_cores):
    monkeypatch.setattr(cpu_threads, "available_cores", lambda: 4)
    assert tensorflow_threads() == 4 and tensorflow_threads(share=2) == 2 and tensorflow_threads(share=3) == 1
    assert tensorflow_threads(share=8) == 1
    monkeypatch.setenv(ENVIRONMENT, "3")
    assert tensorflow_threads() == 3 and tensorflow_threads(share=2) == 3  # asked for: per process
    assert tensorflow_threads(1) == 1  # --threads beats the environment
    monkeypatch.setenv(ENVIRONMENT, "0")
    assert tensorflow_threads() == 4
    monkeypatch.setenv(ENVIRONMENT, "many")
    with pytest.raises(ValueError, match="DSS_THREADS must be a whole number"):
        tensorflow_threads()


_REPORT = """
import sys, os
{affinity}
from napari_deepss.cli import main
code = main(sys.argv[1:])
import tensorflow as tf
print("threads", tf.config.threading.get_intra_op_parallelism_threads(),
      tf.config.threading.get_inter_op_parallelism_threads(), code)
"""


def _predict_in_a_process(args, tmp_path, *, env=None, affinity=""):
    env = {**os.environ, **(env or {})}
    script = textwrap.dedent(_REPORT.format(affinity=affinity))
    done = subprocess.run([sys.executable, "-c", script, "predict", *args], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()[-1]


def test_dss_predict_runs_tensorflow_with_the_threads_asked_for(fly_wav, tmp_path):
    prefix = saved_amplitude_network(tmp_path / "net", rate=2500.0)
    wav = stereo_fly(fly_wav, tmp_path / "recordings", seconds=2.0)
    out = [str(wav), prefix, "--out-dir", str(tmp_path / "out"), "--force"]
    # the flag beats the environment variable; without either, the cores the process may use (here one)
    assert _predict_in_a_process([*out, "--threads", "1"], tmp_path, env={ENVIRONMENT: "3"}) == "threads 1 1 0"
    if hasattr(os, "sched_setaffinity"):  # Linux
        one_core = "os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})"
        assert _predict_in_a_process(out, tmp_path, env={ENVIRONMENT: ""}, affinity=one_core) == "threads 1 1 0"
    assert _predict_in_a_process(out, tmp_path, env={ENVIRONMENT: "3"}) == "threads 3 3 0"
