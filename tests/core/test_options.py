"""The option machinery: one made-up options class through dicts, checks and flags; the network spec."""

from __future__ import annotations

import argparse
import dataclasses
import shlex
import subprocess
import sys
from dataclasses import dataclass

import pytest
import yaml

from napari_deepss.cli import build_parser
from napari_deepss.dataset import DatasetOptions
from napari_deepss.models.spec import NetworkSpec, separable_flags
from napari_deepss.options import Options, add_arguments, option, to_argv
from napari_deepss.postprocess import PostprocessOptions
from napari_deepss.training.config import TrainConfig


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


def test_a_new_option_appears_everywhere_by_itself():
    """One line in an options class: a flag, the exported command line, the dict (_params.yaml), the checks."""

    @dataclass(frozen=True)
    class Extended(TrainConfig):
        nb_stacks: int = option(2, "Stacks", "Number of stacks.", group="network", minimum=1)

    config = Extended(data_dir="d.npy", nb_stacks=5)
    assert parse(Extended, to_argv(config)) == config
    assert config.to_dict()["nb_stacks"] == 5 and Extended.from_dict({"nb_stacks": 4}).nb_stacks == 4
    with pytest.raises(ValueError, match="nb_stacks must be at least 1"):
        dataclasses.replace(config, nb_stacks=0).validate()


@pytest.mark.parametrize(
    ("command", "cls"),
    [("make-dataset", DatasetOptions), ("predict", PostprocessOptions), ("evaluate", PostprocessOptions)],
)
def test_commands_take_their_options_flags_from_the_options_class(command, cls):
    positionals = {"make-dataset": ["data"], "predict": ["rec.wav", "net"], "evaluate": []}[command]
    options = cls()
    argv = [command, *positionals, *to_argv(options)]
    assert cls.from_dict(vars(build_parser().parse_args(argv))) == options


def test_dss_train_flags_keep_their_names_and_defaults():
    args = build_parser().parse_args(["train", "--data-dir", "d.npy", "--no-ignore-boundaries", "--seed", "3"])
    assert TrainConfig.from_dict(vars(args)) == TrainConfig(data_dir="d.npy", ignore_boundaries=False, seed=3)


# --- the network spec ----------------------------------------------------------------------------------------


def test_spec_takes_the_network_options_by_name_from_a_config_or_params():
    config = TrainConfig(data_dir="d.npy", nb_conv=2, use_separable=[True], nb_pre_conv=2, learning_rate=0.1)
    spec = NetworkSpec.from_options(config, nb_channels=3, nb_classes=4)
    assert spec.use_separable == [True, True]  # one flag per block
    assert (spec.nb_pre_conv, spec.nb_channels, spec.nb_classes) == (2, 3, 4)
    params = {**config.to_dict(), "use_separable": [True, True], "nb_channels": 3, "nb_classes": 4,
              "class_names": ["noise", "a", "b", "c"]}
    assert NetworkSpec.from_options(yaml.safe_load(yaml.safe_dump(params))) == spec


def test_spec_needs_the_counts():
    with pytest.raises(TypeError, match="nb_channels"):
        NetworkSpec.from_options(TrainConfig(), nb_classes=2)


@pytest.mark.parametrize(
    ("changes", "message"),
    [({"nb_conv": 3, "use_separable": [True, False]}, "use_separable"), ({"dilations": []}, "dilations"),
     ({"nb_hist": 1000, "nb_pre_conv": 4}, "multiple of the downsample factor"),
     ({"nb_pre_conv": 4, "pre_nb_dft": 8}, "pre_nb_dft"), ({"kernel_size": 0}, "kernel_size")],
)
def test_config_and_spec_fail_alike_on_network_options(changes, message):
    config = dataclasses.replace(TrainConfig(data_dir="d.npy", ignore_boundaries=False), **changes)
    with pytest.raises(ValueError, match=message) as from_config:
        config.validate()
    with pytest.raises(ValueError, match=message) as from_spec:
        NetworkSpec.from_options(config, nb_channels=1, nb_classes=2)
    assert str(from_config.value) == str(from_spec.value)


def test_one_separable_flag_applies_to_every_block():
    assert separable_flags([True], 3) == [True, True, True]
    assert separable_flags([True, False], 2) == [True, False]
    with pytest.raises(ValueError, match="use_separable"):
        separable_flags([True, False], 3)


def test_the_spec_and_the_options_import_no_keras():
    code = ("import sys, napari_deepss.models, napari_deepss.models.spec, napari_deepss.options; "
            "print('tensorflow' in sys.modules or 'keras' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
