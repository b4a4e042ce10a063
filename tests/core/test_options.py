"""The option machinery: one made-up options class through dicts, checks and flags."""

from __future__ import annotations

import argparse
import shlex
from dataclasses import dataclass

import pytest
import yaml

from napari_deepss.cli import build_parser
from napari_deepss.dataset import DatasetOptions
from napari_deepss.options import Options, add_arguments, option, to_argv
from napari_deepss.postprocess import PostprocessOptions


@dataclass(frozen=True)
class Toy(Options):
    """One option of every kind the machinery knows."""

    name: str = option("", "Name", "A name.")
    mode: str = option("fast", "Mode", "How to run.", choices=("fast", "exact"))
    loud: bool = option(False, "Loud", "Say more.")
    count: int = option(3, "Count", "How many.", minimum=1, maximum=10)
    rate: float = option(0.00012, "Rate", "How fast, 100% exact.")
    width: float = option(0.5, "Width", "How wide (0-1).", minimum=0.0, maximum=1.0, step=0.01)
    sizes: list[int] = option([1, 2], "Sizes", "Positive sizes.", minimum=1)
    seed: int | None = option(None, "Seed", "Optional seed.")

    def __post_init__(self):
        self.check_values()


class Parser(argparse.ArgumentParser):
    def error(self, message):
        raise ValueError(message)


def parse(cls: type[Options], argv: list[str], **kwargs) -> Options:
    parser = Parser()
    add_arguments(parser, cls, **kwargs)
    return cls.from_dict(vars(parser.parse_args(argv)))


def test_fields_take_their_kind_from_the_type_hints():
    kinds = {f.name: (f.kind, f.is_list, f.optional) for f in Toy.fields()}
    assert kinds == {"name": (str, False, False), "mode": (str, False, False), "loud": (bool, False, False),
                     "count": (int, False, False), "rate": (float, False, False), "width": (float, False, False),
                     "sizes": (int, True, False), "seed": (int, False, True)}
    assert Toy.fields()[6].default == [1, 2] and Toy().sizes is not Toy().sizes  # lists are not shared


def test_flags_round_trip_and_left_out_flags_keep_the_defaults():
    toy = Toy(name="a b", mode="exact", loud=True, count=10, rate=1.2e-5, width=0.25, sizes=[4], seed=7)
    assert parse(Toy, to_argv(toy)) == toy
    assert parse(Toy, shlex.split(shlex.join(to_argv(toy)))) == toy
    assert parse(Toy, []) == Toy()


@pytest.mark.parametrize("argv", [["--loud"], ["--loud", "True"], ["--loud", "yes"], ["--no-loud", "--loud"]])
def test_boolean_spellings(argv):
    assert parse(Toy, argv).loud is True
    assert parse(Toy, [*argv, "--no-loud"]).loud is False


def test_help_shows_defaults_choices_and_percent_signs():
    parser = argparse.ArgumentParser()
    add_arguments(parser, Toy, title="toy options")
    text = parser.format_help()
    assert "toy options:" in text and "{fast,exact}" in text and "(default: fast)" in text
    assert "--sizes INT [INT ...]" in text and "(default: 1 2)" in text and "100% exact" in text
    assert "--no-loud" in text and "--loud [True|False]" in text


def test_bad_and_missing_flags_are_parser_errors():
    with pytest.raises(ValueError, match="--mode: invalid choice"):
        parse(Toy, ["--mode", "slow"])
    with pytest.raises(ValueError, match="--loud: expected True or False"):
        parse(Toy, ["--loud", "maybe"])
    with pytest.raises(ValueError, match="required: --name"):
        parse(Toy, [], required=("name",))


def test_dicts_are_yaml_safe_and_coerced_with_errors_naming_the_option():
    toy = Toy(sizes=[3], seed=2)
    assert Toy.from_dict(yaml.safe_load(yaml.safe_dump(toy.to_dict()))) == toy
    assert Toy.from_dict({"count": "4", "sizes": 5, "loud": "on", "seed": None, "other": 1}) == Toy(
        count=4, sizes=[5], loud=True)
    for values, message in [({"count": 2.5}, "count: cannot use 2.5"), ({"sizes": ["x"]}, "sizes: cannot use"),
                            ({"loud": "maybe"}, "loud: cannot use 'maybe'")]:
        with pytest.raises(ValueError, match=message):
            Toy.from_dict(values)


@pytest.mark.parametrize(
    ("values", "message"),
    [({"count": 0}, "count must be between 1 and 10, got 0"), ({"width": 1.5}, "width must be between 0.0 and 1.0"),
     ({"sizes": [1, 0]}, "sizes must be at least 1, got 0"), ({"mode": "slow"}, "mode must be one of fast, exact"),
     ({"width": float("nan")}, "width must be between")],
)
def test_ranges_and_choices_are_checked_from_the_metadata(values, message):
    with pytest.raises(ValueError, match=message):
        Toy(**values)


@pytest.mark.parametrize(
    ("command", "cls"),
    [("make-dataset", DatasetOptions), ("predict", PostprocessOptions), ("evaluate", PostprocessOptions)],
)
def test_commands_take_their_options_flags_from_the_options_class(command, cls):
    positionals = {"make-dataset": ["data"], "predict": ["rec.wav", "net"], "evaluate": []}[command]
    options = cls()
    argv = [command, *positionals, *to_argv(options)]
    assert cls.from_dict(vars(build_parser().parse_args(argv))) == options
