"""Timelines of the seconds before a first step: phases add up to the time since the process started."""

from __future__ import annotations

import re
import subprocess
import sys
import time

import pytest

from napari_deepss.phase_times import Timeline, mark, process_age, timeline


def test_process_age_counts_from_the_process_start():
    code = "import time; time.sleep(0.5); from napari_deepss.phase_times import process_age; print(process_age())"
    age = float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
    assert 0.5 <= age < 60  # includes the sleep and the interpreter's start, not this test process's age
    assert process_age() >= age  # this process started earlier


def test_phases_add_up_to_the_time_since_the_process_started():
    before = process_age()
    clock = Timeline()
    time.sleep(0.05)
    clock.mark("waiting")
    clock.mark("nothing")
    names = [name for name, _ in clock.phases]
    assert names == ["start-up", "waiting", "nothing"]
    assert clock.phases[0][1] == pytest.approx(before, abs=0.05)
    assert clock.phases[1][1] >= 0.05 and clock.phases[2][1] < 0.05
    assert clock.total == pytest.approx(process_age(), abs=0.05)
    line = clock.line("first thing")
    total, parts = re.fullmatch(r"first thing after ([\d.]+) s since the process started: (.*)", line).groups()
    assert [name for name, _ in re.findall(r"([a-z -]+) ([\d.]+) s(?:, |$)", parts)] == names
    assert float(total) == pytest.approx(clock.total, abs=0.05)


def test_marks_go_to_the_open_timeline_of_this_thread_only():
    mark("ignored")  # no timeline open: nothing happens
    with timeline() as clock:
        mark("one")
        with timeline() as inner:
            mark("two")
        mark("three")
    mark("after")
    assert [name for name, _ in clock.phases[1:]] == ["one", "three"]
    assert [name for name, _ in inner.phases[1:]] == ["two"]
