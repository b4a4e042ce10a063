"""Corpus prediction: today's single process against Dask with 1 and 2 local workers and a running cluster.

A synthetic corpus (default 40 recordings x 60 s at 10 kHz, 16-bit wav; tones
in noise, every recording a different stretch) is annotated by ``dss
predict`` run as a user runs it, once per mode, each in a fresh process:

- ``today``: no ``--workers`` (one process, no Dask);
- ``1 worker`` / ``2 workers``: ``--workers 1`` / ``--workers 2``;
- ``scheduler``: ``--scheduler`` with the address of a LocalCluster of two
  one-thread workers started beforehand (as a lab's cluster would be).

The network is the DeepSS GUI's recommended one (32 filters, kernel 32, 3 TCN
blocks, nb_hist 2048; ``--network tcn_stft`` adds the 16x STFT frontend) with
random weights. Printed per mode: wall time, seconds of audio per second, CPU
seconds of all its processes (less sensitive than wall time to other work on
the machine), peak resident memory of the dss process and of the largest
worker process (psutil, sampled every 0.1 s), the overhead against today's
path, and whether every CSV equals today's byte for byte. Each mode is also run on one 1 s
recording: that time is the fixed cost (start-up, TensorFlow import and
network load) the corpus time includes. With ``--rounds R`` the modes run R
times in turn and the medians are printed (memory: the largest).

    python benchmarks/corpus_predict.py [--files 40] [--seconds 60] [--rate 10000] [--network tcn|tcn_stft] [--rounds 1]

Times depend on what else runs on the machine: run it on an otherwise idle one.
"""

from __future__ import annotations

import argparse
import filecmp
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import soundfile
from predict_throughput import VARIANTS, network, recording

NETWORKS = {"tcn": "tcn (raw audio)", "tcn_stft": "tcn_stft 16x"}  # names of predict_throughput's VARIANTS
MODES = {"today": [], "1 worker": ["--workers", "1"], "2 workers": ["--workers", "2"], "scheduler": ["--scheduler"]}
CLUSTER = """\
import sys, logging, distributed
cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None, silence_logs=logging.ERROR)
print(cluster.scheduler_address, flush=True)
sys.stdin.read()
cluster.close()
"""


def make_corpus(folder: Path, files: int, seconds: float, rate: float) -> float:
    """``files`` wav recordings of ``seconds`` each, cut from one long synthetic recording; their total seconds."""
    folder.mkdir(parents=True)
    audio = recording(files * seconds / 60, rate)
    n = int(seconds * rate)
    for i in range(files):
        soundfile.write(folder / f"rec{i:03d}.wav", audio[i * n:(i + 1) * n], int(rate), subtype="PCM_16")
    return files * seconds


def save_network(folder: Path, rate: float, variant: str) -> str:
    from napari_deepss.training import save_model, write_params

    model, params = network(rate, **VARIANTS[variant])
    folder.mkdir(parents=True)
    save_model(model, folder / "net_model.h5")
    write_params(folder / "net_params.yaml", params)
    return str(folder / "net")


class PeakMemory:
    """Peak resident memory (MB) of a process and of each of its descendants, sampled in a thread."""

    def __init__(self, *pids: int):
        self.roots = [psutil.Process(pid) for pid in pids]
        self.peaks: dict[int, tuple[float, str]] = {}
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._done.wait(0.1):
            for root in self.roots:
                try:
                    processes = [root, *root.children(recursive=True)]
                except psutil.NoSuchProcess:
                    continue
                for p in processes:
                    try:
                        rss, cmdline = p.memory_info().rss / 2**20, " ".join(p.cmdline())
                    except psutil.Error:
                        continue
                    self.peaks[p.pid] = (max(rss, self.peaks.get(p.pid, (0.0, ""))[0]), cmdline)

    def stop(self) -> tuple[float, float]:
        """``(peak of the dss process, peak of the largest worker process)``; a worker is a spawned child."""
        self._done.set()
        self._thread.join()
        dss = self.peaks.get(self.roots[0].pid, (0.0, ""))[0]
        workers = [rss for rss, cmd in self.peaks.values() if "spawn_main" in cmd]
        return dss, max(workers, default=dss)


def run_dss(sources: Path, model: str, out: Path, flags: list[str], cluster_pid: int | None) -> tuple[float, ...]:
    """Wall and CPU seconds and peak memory (dss process, largest worker) of one ``dss predict`` run.

    CPU: of the dss process and its workers (reaped children), plus the running cluster's processes.
    """
    argv = [sys.executable, "-m", "napari_deepss", "predict", str(sources), model, "--out-dir", str(out), *flags]
    cpu = -_children_cpu() - _cluster_cpu(cluster_pid)
    started = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    memory = PeakMemory(child.pid, *([cluster_pid] if cluster_pid else []))
    _, err = child.communicate()
    seconds = time.perf_counter() - started
    cpu += _children_cpu() + _cluster_cpu(cluster_pid)
    dss, worker = memory.stop()
    if child.returncode:
        raise RuntimeError(f"{' '.join(argv)} failed:\n{err[-3000:]}")
    return seconds, cpu, dss, worker


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _cluster_cpu(pid: int | None) -> float:
    """CPU seconds the cluster process ``pid`` and its workers have used so far."""
    if pid is None:
        return 0.0
    total = 0.0
    root = psutil.Process(pid)
    for p in [root, *root.children(recursive=True)]:
        try:
            times = p.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


def same_csvs(a: Path, b: Path) -> bool:
    names = sorted(p.name for p in a.glob("*_annotations.csv"))
    return names == sorted(p.name for p in b.glob("*_annotations.csv")) and all(
        filecmp.cmp(a / n, b / n, shallow=False) for n in names)


def run_mode(mode: str, sources: Path, model: str, out: Path) -> tuple[float, ...]:
    """:func:`run_dss` in ``mode``; the scheduler mode on a fresh LocalCluster (its workers start cold)."""
    if mode != "scheduler":
        return run_dss(sources, model, out, MODES[mode], None)
    cluster = subprocess.Popen([sys.executable, "-c", CLUSTER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    try:
        address = cluster.stdout.readline().strip()
        return run_dss(sources, model, out, [*MODES[mode], address], cluster.pid)
    finally:
        cluster.communicate("")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=40)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--rate", type=float, default=10_000.0)
    parser.add_argument("--network", choices=list(NETWORKS), default="tcn")
    parser.add_argument("--rounds", type=int, default=1, help="runs per mode, in turn; medians are printed")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dss-corpus-bench-") as scratch:
        scratch = Path(scratch)
        audio_seconds = make_corpus(scratch / "corpus", args.files, args.seconds, args.rate)
        make_corpus(scratch / "one", 1, 1.0, args.rate)
        model = save_network(scratch / "net", args.rate, NETWORKS[args.network])
        print(f"{args.files} recordings x {args.seconds:g} s at {args.rate:g} Hz ({audio_seconds:g} s of audio), "
              f"network {args.network}, {psutil.cpu_count()} cores")
        print(f"{'mode':10} {'fixed':>6} {'corpus':>7} {'audio s/s':>9} {'CPU':>7} {'dss MB':>6} {'worker MB':>9} "
              f"{'wall vs today':>13} {'CPU vs today':>12}  CSVs")
        runs = {mode: [] for mode in MODES}
        for i in range(args.rounds):  # modes in turn, so that others' load on the machine hits them alike
            for mode in MODES:  # fresh output folders: nothing is up to date yet
                fixed = run_mode(mode, scratch / "one", model, scratch / "out-one" / f"{mode} {i}")[0]
                runs[mode].append((fixed, *run_mode(mode, scratch / "corpus", model, scratch / "out" / f"{mode} {i}")))
        today = [statistics.median(r[i] for r in runs["today"]) for i in (1, 2)]
        for mode, results in runs.items():
            fixed, seconds, cpu = (statistics.median(r[i] for r in results) for i in (0, 1, 2))
            dss, worker = (max(r[i] for r in results) for i in (3, 4))
            same = all(same_csvs(scratch / "out" / "today 0", scratch / "out" / f"{mode} {i}") for i in range(args.rounds))
            print(f"{mode:10} {fixed:5.1f}s {seconds:6.1f}s {audio_seconds / seconds:9.1f} {cpu:6.1f}s {dss:6.0f} "
                  f"{worker:9.0f} {100 * (seconds / today[0] - 1):+12.1f}% {100 * (cpu / today[1] - 1):+11.1f}%  "
                  f"{'identical' if same else 'DIFFERENT'}"
                  + (f"  (wall: {', '.join(f'{r[1]:.0f}' for r in results)} s)" if args.rounds > 1 else ""))

if __name__ == "__main__":
    main()
