"""How many threads TensorFlow may use: the cores this process may run on, unless the user says otherwise.

TensorFlow sizes its thread pools by the machine's cores. In a container, a
SLURM job or under ``taskset`` the process may use fewer: its CPU affinity
(:func:`os.sched_getaffinity`) and its cgroup's CPU quota (cgroup v2
``cpu.max``, v1 ``cpu.cfs_quota_us`` / ``cpu.cfs_period_us``) limit it, and
threads beyond that only wait for each other. :func:`available_cores` is the
smaller of the two (a quota of 2.5 cores counts as 2; at least 1).

The number used (:func:`tensorflow_threads`): an explicit count (``dss train
--threads``, ``dss predict --threads``), else the environment variable
``DSS_THREADS`` (the Python API and the napari widgets' child processes, which
inherit it), else the available cores divided among the processes that share
them (``dss predict --workers``). :func:`quiet_tensorflow` sets TensorFlow's
intra-op and inter-op pools to it when it imports TensorFlow, before the first
operation (afterwards they can no longer change). Importing this module does
not import TensorFlow.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

ENVIRONMENT = "DSS_THREADS"
CGROUP_ROOT = Path("/sys/fs/cgroup")
SELF_CGROUP = Path("/proc/self/cgroup")


def available_cores(*, cgroup_root: Path = CGROUP_ROOT, self_cgroup: Path = SELF_CGROUP) -> int:
    """The cores this process may keep busy: its CPU affinity, capped by its cgroup's CPU quota; at least 1."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # macOS, Windows: no affinity to read
        cores = os.cpu_count() or 1
    quota = cgroup_cpu_quota(cgroup_root, self_cgroup)
    if quota is not None:
        cores = min(cores, int(quota))
    return max(1, cores)


def cgroup_cpu_quota(cgroup_root: Path = CGROUP_ROOT, self_cgroup: Path = SELF_CGROUP) -> float | None:
    """Cores' worth of CPU time the process's cgroup (or one above it) allows, the smallest; None without a quota."""
    quotas = [q for folder in _cgroup_folders(Path(cgroup_root), Path(self_cgroup))
              if (q := _quota_in(folder)) is not None]
    return min(quotas, default=None)


def requested_threads(threads: int | None = None) -> int | None:
    """The thread count asked for: ``threads`` if positive, else ``DSS_THREADS`` if set and positive; None: automatic."""
    if threads:
        return _positive(threads, "the number of threads")
    value = os.environ.get(ENVIRONMENT, "").strip()
    if not value or value == "0":
        return None
    try:
        return _positive(int(value), ENVIRONMENT)
    except ValueError:
        raise ValueError(f"{ENVIRONMENT} must be a whole number of threads (0: automatic), got {value!r}") from None


def tensorflow_threads(threads: int | None = None, *, share: int = 1) -> int:
    """Threads for TensorFlow's pools: :func:`requested_threads`, else one ``share`` of :func:`available_cores`."""
    return requested_threads(threads) or max(1, available_cores() // max(1, share))


def set_tensorflow_threads(n: int) -> bool:
    """Size TensorFlow's intra-op and inter-op pools; False when TensorFlow has run already (its pools are fixed)."""
    import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(n)
        tf.config.threading.set_inter_op_parallelism_threads(n)
    except RuntimeError:
        return False
    return True


def _positive(n: int, what: str) -> int:
    if n < 0:
        raise ValueError(f"{what} must be positive (0: automatic), got {n}")
    return n


def _cgroup_folders(root: Path, self_cgroup: Path) -> list[Path]:
    """The folders of the process's CPU cgroup and of those above it, up to the hierarchy's mount point."""
    try:
        lines = self_cgroup.read_text().splitlines()
    except OSError:
        return [root]
    folders = []
    for line in lines:
        hierarchy, controllers, path = (line.split(":", 2) + ["", ""])[:3]
        if hierarchy == "0" and not controllers:  # cgroup v2 (unified)
            mounts = [root]
        elif "cpu" in controllers.split(","):  # cgroup v1, mounted as cpu,cpuacct (or cpu, with a link)
            mounts = [root / controllers, root / "cpu"]
        else:
            continue
        mount = next((m for m in mounts if m.is_dir()), None)
        if mount is None:
            continue
        # inside a container the path may be the host's (absent here): the folders that exist count
        folder = mount / path.strip("/")
        folders += [f for f in (folder, *folder.parents) if f.is_relative_to(mount) and f.is_dir()]
    return folders


def _quota_in(folder: Path) -> float | None:
    """The quota in one cgroup folder (cores), or None: no limit, or no quota files."""
    try:
        quota, period = (folder / "cpu.max").read_text().split()[:2]  # v2: "max 100000" or "150000 100000"
    except (OSError, ValueError):
        try:  # v1: quota -1 means none
            quota = (folder / "cpu.cfs_quota_us").read_text().strip()
            period = (folder / "cpu.cfs_period_us").read_text().strip()
        except OSError:
            return None
    try:
        quota_us, period_us = float(quota), float(period)
    except ValueError:  # "max"
        return None
    if quota_us <= 0 or period_us <= 0 or math.isinf(quota_us):
        return None
    return quota_us / period_us
