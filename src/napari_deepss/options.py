"""One option machinery for every options dataclass (training, dataset, post-processing).

An options class is a dataclass deriving from :class:`Options` whose fields are
made with :func:`option`: default, label (GUI wording), help (CLI help and GUI
tooltip) and optionally a group, choices, a minimum, a maximum and a spin box
step. The kind of each option comes from its type hint (``bool``, ``int``,
``float``, ``str``, ``list[...]``, ``X | None``). From that one definition:

- ``from_dict`` / ``to_dict`` (YAML-safe) convert to and from files such as
  ``_params.yaml``, with errors naming the option;
- ``check_values`` checks every option's choices and range, so classes keep
  only checks that relate several options;
- :func:`add_arguments` makes the command-line flags and :func:`to_argv` the
  flags that reproduce an instance (``cls.from_dict(vars(args))`` reads them);
- the napari form (``_napari/widgets/option_form.py``) makes the widgets;
- :func:`write_yaml` / :func:`read_yaml` save and load settings files.

So a new option is one line in its class. This module imports neither Qt nor TensorFlow.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import typing
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .atomic import atomic_path
from .errors import FileFormatError

#: the default of an option that must be given (e.g. counts taken from the data)
REQUIRED: Any = dataclasses.MISSING
#: the group the form shows collapsed
ADVANCED = "advanced"

_TRUE = {"true", "1", "yes", "y", "on"}
_FALSE = {"false", "0", "no", "n", "off"}


def parse_bool(text: str | bool) -> bool:
    """'True'/'False' (and yes/no, 1/0, on/off) as argparse and YAML users write them."""
    if isinstance(text, bool):
        return text
    value = str(text).strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise argparse.ArgumentTypeError(f"expected True or False, got {text!r}")


_CONVERT = {bool: parse_bool, int: int, float: float, str: str}


def yaml_safe(value: Any) -> Any:
    """``value`` as types ``yaml.safe_dump`` writes without Python tags (numpy scalars/arrays, tuples, paths)."""
    if isinstance(value, dict):
        return {str(key): yaml_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [yaml_safe(item) for item in value]
    if isinstance(value, np.generic):
        return yaml_safe(value.item())
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return value


def option(default: Any, label: str, help: str, *, group: str | None = None, choices: Collection | None = None,
           minimum: float | None = None, maximum: float | None = None, step: float | None = None,
           aliases: Collection[str] = ()) -> Any:
    """A dataclass field carrying what the CLI flags, the form and the checks are generated from.

    ``minimum``/``maximum`` bound the value (each item of a list), inclusive;
    ``step`` makes a float a spin box in the form (without it floats are typed
    as text, which keeps every digit); ``aliases`` are other spellings of the
    flag (e.g. DeepSS's short ``-k`` or deprecated ``--nb-kernels``).
    """
    metadata = {"label": label, "help": help, "group": group, "choices": None if choices is None else tuple(choices),
                "minimum": minimum, "maximum": maximum, "step": step, "aliases": tuple(aliases)}
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), metadata=metadata)
    return field(default=default, metadata=metadata)


@dataclass(frozen=True)
class OptionField:
    """One option of an options class: its name, kind (from the type hint), default and metadata."""

    name: str
    kind: type  # bool, int, float or str: the type of the value, or of each item of a list
    is_list: bool
    optional: bool  # ``X | None``
    default: Any
    label: str
    help: str
    group: str | None
    choices: tuple | None
    minimum: float | None
    maximum: float | None
    step: float | None
    aliases: tuple[str, ...] = ()

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    @property
    def negative_flag(self) -> str:
        return "--no-" + self.name.replace("_", "-")

    def coerce(self, value: Any) -> Any:
        """``value`` (e.g. from YAML or a text field) as this option's type; ValueError naming the option."""
        try:
            if self.is_list:
                return [self._scalar(item) for item in (value if isinstance(value, (list, tuple)) else [value])]
            if value is None and self.optional:
                return None
            return self._scalar(value)
        except (TypeError, ValueError, argparse.ArgumentTypeError) as err:
            raise ValueError(f"{self.name}: cannot use {value!r} ({err})") from None

    def _scalar(self, value: Any) -> Any:
        if self.kind is int and isinstance(value, float) and not value.is_integer():
            raise ValueError("not a whole number")
        return _CONVERT[self.kind](value)

    def check(self, value: Any) -> None:
        """Raise ValueError naming the option when ``value`` is not one of the choices or out of range."""
        if value is None:  # an optional option left unset
            return
        for item in value if self.is_list else [value]:
            if self.choices is not None and item not in self.choices:
                raise ValueError(f"{self.name} must be one of {', '.join(map(str, self.choices))}, got {item!r}")
            below = self.minimum is not None and not item >= self.minimum  # written so that NaN fails
            above = self.maximum is not None and not item <= self.maximum
            if below or above:
                raise ValueError(f"{self.name} must be {self._range_text()}, got {item!r}")

    def _range_text(self) -> str:
        if self.minimum is not None and self.maximum is not None:
            return f"between {self.minimum} and {self.maximum}"
        return f"at least {self.minimum}" if self.minimum is not None else f"at most {self.maximum}"


def _option_field(f: dataclasses.Field, hint: Any) -> OptionField:
    args = [arg for arg in typing.get_args(hint) if arg is not type(None)]
    is_list = typing.get_origin(hint) is list
    optional = len(args) < len(typing.get_args(hint))
    default = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
    return OptionField(f.name, args[0] if is_list or optional else hint, is_list, optional, default, **f.metadata)


class Options:
    """Base of the options dataclasses: conversions and checks generated from their fields."""

    @classmethod
    def fields(cls) -> tuple[OptionField, ...]:
        hints = typing.get_type_hints(cls)
        return tuple(_option_field(f, hints[f.name]) for f in dataclasses.fields(cls))

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]):
        """Build from a dict such as a loaded ``_params.yaml`` or ``vars(parsed flags)``.

        Keys that are not options are ignored, missing options keep their
        default; values are converted to the option's type (ValueError naming
        the option when that fails).
        """
        return cls(**{f.name: f.coerce(values[f.name]) for f in cls.fields() if f.name in values})

    def to_dict(self) -> dict[str, Any]:
        """Plain, YAML-safe values (str, int, float, bool, None, lists)."""
        return {f.name: yaml_safe(getattr(self, f.name)) for f in dataclasses.fields(self)}

    def check_values(self) -> None:
        """Raise ValueError naming the first option outside its choices or range."""
        for f in self.fields():
            f.check(getattr(self, f.name))


# --- command line ------------------------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser, cls: type[Options], *, required: Collection[str] = (),
                  title: str | None = None, bool_values: bool = True) -> None:
    """One flag per option of ``cls`` (``--nb-hist`` sets ``nb_hist``), in an argument group if ``title``.

    Booleans accept ``--flag`` and ``--no-flag``, and with ``bool_values``
    also ``--flag True/False`` (as DeepSS's documented commands write them);
    a command with a positional argument turns that off, or ``--flag FOLDER``
    would take the folder for the flag's value. Lists take one or more values.
    Flags left out leave no value in the namespace (``argparse.SUPPRESS``), so
    ``cls.from_dict(vars(args))`` keeps the class default. ``required`` names
    options that must be given.
    """
    target = parser.add_argument_group(title) if title else parser
    for f in cls.fields():
        shown = " ".join(map(str, f.default)) if f.is_list else f.default
        help_text = f.help if shown in ("", None) else f"{f.help} (default: {shown})"
        common = {"dest": f.name, "default": argparse.SUPPRESS, "help": help_text.replace("%", "%%")}
        if f.kind is bool and not f.is_list:
            if bool_values:
                target.add_argument(f.flag, *f.aliases, nargs="?", const=True, type=parse_bool, metavar="True|False",
                                    **common)
            else:
                target.add_argument(f.flag, *f.aliases, action="store_const", const=True, **common)
            target.add_argument(f.negative_flag, action="store_const", const=False, dest=f.name,
                                default=argparse.SUPPRESS, help=f"Same as {f.flag} False.")
            continue
        metavar = None if f.choices or f.kind is str else f.kind.__name__.upper()
        target.add_argument(f.flag, *f.aliases, type=_CONVERT[f.kind], nargs="+" if f.is_list else None,
                            choices=f.choices, metavar=metavar, required=f.name in required, **common)


def given_values(args: argparse.Namespace, cls: type[Options]) -> dict[str, Any]:
    """The options of ``cls`` given on the command line (flags left out are absent, see :func:`add_arguments`)."""
    return {f.name: getattr(args, f.name) for f in cls.fields() if hasattr(args, f.name)}


def to_argv(options: Options) -> list[str]:
    """The flags that reproduce ``options`` (options that are None or '' are left at their default)."""
    argv: list[str] = []
    for f in options.fields():
        value = yaml_safe(getattr(options, f.name))
        if value is None or value == "":
            continue
        if isinstance(value, bool):
            argv.append(f.flag if value else f.negative_flag)
        elif isinstance(value, list):
            argv += [f.flag, *map(str, value)]
        else:
            argv += [f.flag, repr(value) if isinstance(value, float) else str(value)]
    return argv


# --- settings files ----------------------------------------------------------------------------------------


def write_yaml(options: Options, path: str | os.PathLike) -> Path:
    """Write ``options`` as ``option: value`` lines (atomically); returns the path."""
    import yaml

    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_text(yaml.safe_dump(options.to_dict(), sort_keys=False))
    return path


def read_yaml(cls: type[Options], path: str | os.PathLike):
    """``cls`` from a settings file (keys that are not options are ignored, e.g. in a ``_params.yaml``).

    Raises :class:`FileFormatError` naming the file for anything unreadable or invalid.
    """
    import yaml

    try:
        values = yaml.safe_load(Path(path).read_text())
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        raise FileFormatError(path, f"cannot read settings ({err})") from None
    if not isinstance(values, dict):
        raise FileFormatError(path, "not a settings file (expected option: value lines)")
    try:
        return cls.from_dict(values)
    except (TypeError, ValueError) as err:
        raise FileFormatError(path, str(err)) from None
