"""The proofreading loop, headless, through the code behind Annotate's *Quick train*: how fast, how good.

For each species a person has annotated the first part of the data; quick
train (:func:`napari_deepss.child_jobs.quick_train.quick_train_in_child`,
what the panel runs: a child process, the default settings, the 2-minute time
limit) trains on it and proposes the rest. Then the person corrects the next
part (here: its human annotations replace the proposals) and a second round
fine-tunes the first round's network on the grown annotations.

- fly (one 60 s recording at 2.5 kHz, pulse events): round 1 trains on the
  first 20 s, round 2 on the first 40 s;
- bird (45 Bengalese finch recordings at 32 kHz, 9 syllable types): round 1
  trains on the first 8 recordings, round 2 on the first 16.

Printed per round: seconds from the click to the proposals (the child's start
and TensorFlow's import included) and precision/recall/F1 at 10 ms of the
proposals against the human annotations of the rest (fly: pulses; bird:
syllable onsets, with offsets and syllable label accuracy), and of both rounds
on the part neither trained on (the fair comparison of the rounds). The fly's
unseen part holds 104 pulses, so one run's rounds differ by a few pulses either
way; ``--seeds`` repeats both rounds per seed (split and initial weights) and
prints the mean and range of each round and of their difference.

    python benchmarks/proofreading_loop.py [--data DIR] [--only fly|bird] [--minutes 2] [--workdir DIR] [--seeds 1 2 3]

Targets (2 CPU cores): proposals within 3 minutes of the click; fly pulse F1 >= 0.90 and bird onset F1 >= 0.95
after round 1; round 2 better than round 1.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from napari_deepss.annotations import Annotations, annotations_path_for, read_annotations
from napari_deepss.audio import audio_info
from napari_deepss.child_jobs.quick_train import quick_train_in_child
from napari_deepss.evaluate import AnnotationScores, score_annotations
from napari_deepss.quick_train import QuickRecording, QuickTrainOptions, annotated_range, rest_of

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
TOLERANCE = 0.01


def fly_rounds(data: Path):
    """``(recordings of round 1, of round 2, truth per recording, the part neither round trained on)``."""
    wav = next((data / "fly_pulse").glob("*.wav"))
    truth = read_annotations(annotations_path_for(wav))
    duration = audio_info(wav).duration_seconds

    def round_until(seconds: float) -> list[QuickRecording]:
        known = truth.cropped(0.0, seconds)
        known = Annotations(known.names, known.start_seconds, known.stop_seconds, song_types=truth.song_types)
        span = annotated_range(known)
        return [QuickRecording(wav.stem, str(wav), known, None, span, rest_of(duration, span))]

    return round_until(20.0), round_until(40.0), {wav.stem: truth}, {wav.stem: (40.0, duration)}


def bird_rounds(data: Path):
    wavs = sorted((data / "bengalese_finch_bird0").glob("*.wav"))
    truth = {w.stem: read_annotations(annotations_path_for(w)) for w in wavs}
    song_types = {n: k for t in truth.values() for n, k in t.song_types.items()}

    def round_with(n_files: int) -> list[QuickRecording]:
        recordings = []
        for i, wav in enumerate(wavs):
            known = truth[wav.stem] if i < n_files else Annotations.from_rows([], [], [], song_types=song_types)
            span = annotated_range(known)
            recordings.append(QuickRecording(wav.stem, str(wav), known, None, span,
                                             rest_of(audio_info(wav).duration_seconds, span)))
        return recordings

    unseen = {w.stem: (0.0, audio_info(w).duration_seconds) for w in wavs[16:]}
    return round_with(8), round_with(16), truth, unseen


def score(result, truth: dict, parts: dict | None = None) -> AnnotationScores:
    """Scores of the proposals against the human annotations where they were proposed (or in ``parts``)."""
    total = AnnotationScores()
    for name, spans in result.proposals.items():
        for (start, stop), found in spans:
            if parts is not None:
                if name not in parts:
                    continue
                start, stop = max(start, parts[name][0]), min(stop, parts[name][1])
            if stop <= start:
                continue
            total = total + score_annotations(truth[name].cropped(start, stop), found.cropped(start, stop), TOLERANCE)
    return total


def describe(scores: AnnotationScores) -> str:
    result = scores.to_dict()
    if "segment_onsets" in result:
        onsets, offsets, syllables = result["segment_onsets"], result["segment_offsets"], result["syllables"]
        return (f"onsets P {onsets['precision']:.3f} R {onsets['recall']:.3f} F1 {onsets['f1']:.3f} "
                f"(offsets F1 {offsets['f1']:.3f}, labels {syllables['label_accuracy']:.3f}, "
                f"{syllables['n_true']} syllables)")
    return "; ".join(f"{name} P {s['precision']:.3f} R {s['recall']:.3f} F1 {s['f1']:.3f} ({s['true_positives']} tp, "
                     f"{s['false_positives']} fp, {s['false_negatives']} fn)" for name, s in result["events"].items())


def headline(scores: AnnotationScores) -> float:
    """The figure the targets name: syllable onset F1, or the first event type's F1."""
    result = scores.to_dict()
    if "segment_onsets" in result:
        return result["segment_onsets"]["f1"]
    return next(iter(result["events"].values()))["f1"]


def run_species(name: str, rounds, options: QuickTrainOptions, workdir: Path) -> list[float]:
    """Both rounds; returns each round's headline F1 on the part neither trained on."""
    first, second, truth, unseen = rounds
    print(f"{name} (seed {options.seed}):")
    previous = None
    results = []
    for number, recordings in ((1, first), (2, second)):
        trained = sum(r.train_range[1] - r.train_range[0] for r in recordings if r.train_range)
        started = time.perf_counter()
        result = quick_train_in_child(recordings, workdir / name, options, init_model=previous)
        seconds = time.perf_counter() - started
        epochs = len(result.history.get("val_loss", []))
        parts = ", ".join(f"{k} {v:.0f} s" for k, v in result.seconds.items())
        print(f"  round {number}: trained on {trained:.1f} s of audio; proposals {seconds:.0f} s after the click "
              f"({parts}; {epochs} epochs{', time limit' if result.stopped_early else ''})")
        print(f"    the rest:       {describe(score(result, truth))}")
        results.append(result)
        previous = result.model_prefix
    for number, result in enumerate(results, start=1):
        print(f"  round {number} on the part neither trained on: {describe(score(result, truth, unseen))}")
    return [headline(score(result, truth, unseen)) for result in results]


def summarise(name: str, f1s: list[list[float]]) -> None:
    """Mean and range over seeds: one recording's unseen part holds ~100 pulses, so one run moves by a few."""
    if len(f1s) < 2:
        return
    rounds = np.array(f1s)
    for number, column in enumerate(rounds.T, start=1):
        print(f"{name} round {number} over {len(rounds)} seeds, unseen part: F1 mean {column.mean():.3f} "
              f"(min {column.min():.3f}, max {column.max():.3f})")
    print(f"{name} round 2 minus round 1: mean {np.mean(rounds[:, 1] - rounds[:, 0]):+.3f}, "
          f"better in {int(np.sum(rounds[:, 1] > rounds[:, 0]))} of {len(rounds)} seeds")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--only", choices=("fly", "bird"))
    parser.add_argument("--minutes", type=float, default=QuickTrainOptions().minutes)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--seeds", type=int, nargs="+", default=[QuickTrainOptions().seed],
                        help="run both rounds once per seed (split and initial weights) and print mean and range")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        workdir = args.workdir or Path(scratch)
        for name, rounds in (("fly", fly_rounds), ("bird", bird_rounds)):
            if args.only in (None, name):
                f1s = [run_species(name, rounds(args.data), QuickTrainOptions(minutes=args.minutes, seed=seed),
                                   workdir / f"seed{seed}") for seed in args.seeds]
                summarise(name, f1s)


if __name__ == "__main__":
    main()
