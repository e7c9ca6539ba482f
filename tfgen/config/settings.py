"""Typed settings: frozen dataclasses whose fields say their type, range and meaning.

A settings class lists each setting once, as a field made by one of the factories below
(`integer`, `number`, `flag`, `choice`, `subset`, `text`, `integers`). Creating an instance
validates and normalises every field, so an instance is always valid: 8.0 (a JSON or protobuf
double) becomes the int 8, a list of widths becomes a tuple, and a bad value raises
`InputError` naming the setting, what it expects and what it received. `validate(cls, raw)`
turns a dict of raw values (from Python, `--set`, JSON or YAML) into an instance, refusing
unknown keys.

This module imports only the standard library and `tfgen.errors`, so the command line can check
settings before TensorFlow is imported.

Example:
    @dataclasses.dataclass(frozen=True)
    class Options(Settings):
        latent_dim: int = integer(100, "size of the latent vector z")
        learning_rate: float = number(2e-4, "Adam learning rate", above=0)

    validate(Options, {"latent_dim": 8.0})  # Options(latent_dim=8, learning_rate=0.0002)
    validate(Options, {"latent_dim": True})
    # InputError: latent_dim must be a positive integer. Received: latent_dim=True
"""

import dataclasses
import math
from typing import ClassVar

from tfgen.errors import InputError

_KEY = "tfgen_setting"


@dataclasses.dataclass(frozen=True)
class Rule:
    """What a setting accepts: `kind` (the type name shown to users), a check, a meaning."""

    kind: str
    meaning: str
    convert: object  # value -> normalised value, or raise _Refused
    expected: str  # "a positive integer", completing "NAME must be ..."

    def check(self, name, value, default, none_means="auto"):
        if value is None:
            if default is None:
                return None  # "auto": the builder decides (e.g. widths from the image size)
            raise InputError(f"{name} must be {self.expected}. Received: {name}=None")
        try:
            return self.convert(value)
        except _Refused:
            allowed = f" (or null for {none_means})" if default is None else ""
            raise InputError(
                f"{name} must be {self.expected}{allowed}. Received: {name}={value!r}"
            ) from None


class _Refused(Exception):
    pass


def _setting(default, rule):
    return dataclasses.field(default=default, metadata={_KEY: rule})


def rule_of(field):
    return field.metadata[_KEY]


# ---- the kinds of setting ------------------------------------------------------------------


def _as_int(value):
    """An int, or an integer-valued float (8.0 from JSON/protobuf); never a bool or 2.5."""
    if isinstance(value, bool):
        raise _Refused
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise _Refused


def _as_float(value):
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise _Refused
    return float(value)


def integer(default, meaning, *, minimum=1):
    """An integer >= `minimum` (None: any integer)."""
    expected = {1: "a positive integer", None: "an integer"}.get(
        minimum, f"an integer >= {minimum}"
    )

    def convert(value):
        value = _as_int(value)
        if minimum is not None and value < minimum:
            raise _Refused
        return value

    return _setting(default, Rule("int", meaning, convert, expected))


def number(default, meaning, *, above=None, at_least=None, below=None, at_most=None):
    """A float (an int is accepted) in the interval the bounds give: `above`/`below` are open
    bounds, `at_least`/`at_most` closed ones."""
    low = (f"({above}", above, False) if above is not None else None
    low = (f"[{at_least}", at_least, True) if at_least is not None else low
    high = (f"{below})", below, False) if below is not None else None
    high = (f"{at_most}]", at_most, True) if at_most is not None else high
    if low and high:
        expected = f"a number in {low[0]}, {high[0]}"
    elif low:
        expected = f"a number {'>=' if low[2] else '>'} {low[1]}"
    elif high:
        expected = f"a number {'<=' if high[2] else '<'} {high[1]}"
    else:
        expected = "a number"

    def convert(value):
        value = _as_float(value)
        if low and not (value >= low[1] if low[2] else value > low[1]):
            raise _Refused
        if high and not (value <= high[1] if high[2] else value < high[1]):
            raise _Refused
        return value

    return _setting(default, Rule("float", meaning, convert, expected))


def flag(default, meaning):
    """A bool, and only a bool (not 0/1, not "yes")."""

    def convert(value):
        if not isinstance(value, bool):
            raise _Refused
        return value

    return _setting(default, Rule("bool", meaning, convert, "true or false"))


def choice(default, choices, meaning):
    """One of the strings `choices`."""
    choices = tuple(choices)

    def convert(value):
        if value not in choices or not isinstance(value, str):
            raise _Refused
        return value

    return _setting(default, Rule("choice", meaning, convert, f"one of {list(choices)}"))


def subset(default, choices, meaning):
    """Some of the strings `choices`, in the order given, none twice: a comma-separated
    string "a,b" (spaces around names ignored; "" for none) or a list. Stored as the string
    "a,b", so it reads back from JSON and `--set` alike."""
    choices = tuple(choices)

    def convert(value):
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",")] if value.strip() else []
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise _Refused
        if any(v not in choices for v in value) or len(set(value)) != len(value):
            raise _Refused
        return ",".join(value)

    expected = f"comma-separated names among {list(choices)}, each once, or '' for none"
    return _setting(default, Rule("names", meaning, convert, expected))


def text(default, meaning):
    """A non-empty string."""

    def convert(value):
        if not isinstance(value, str) or not value:
            raise _Refused
        return value

    return _setting(default, Rule("str", meaning, convert, "a non-empty string"))


def integers(default, meaning, *, minimum=1, length=None):
    """A tuple of integers >= `minimum` (layer widths): a list or tuple, one int (one layer),
    or a comma-separated string "64,32". `length` fixes how many."""
    size = f"{length} " if length else "a non-empty list of "
    kind = "positive integers" if minimum == 1 else f"integers >= {minimum}"

    def convert(value):
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
            value = [_parse_int(part) for part in value]
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = [value]
        if not isinstance(value, list | tuple) or not value:
            raise _Refused
        if length and len(value) != length:
            raise _Refused
        value = tuple(_as_int(v) for v in value)
        if any(v < minimum for v in value):
            raise _Refused
        return value

    return _setting(default, Rule("ints", meaning, convert, size + kind))


def _parse_int(text):
    try:
        return int(text)
    except ValueError:
        raise _Refused from None


def redefault(default):
    """In a subclass, the same setting with another default, e.g. `d_steps: int = redefault(5)`
    (the rule and meaning stay the inherited ones)."""
    return _Redefault(default)


@dataclasses.dataclass(frozen=True)
class _Redefault:
    default: object


# ---- the settings classes ------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Settings:
    """Base of every settings class: validates its fields when created.

    Subclasses are frozen dataclasses of fields made by the factories above; `check` adds
    rules between fields. `family` names the model a class configures (its key in
    `tfgen.config.MODEL_OPTIONS`), or "" for shared parts. A None default (allowed as a value
    only there) stands for `none_means`: "auto", the builder sizes it.
    """

    family: ClassVar[str] = ""
    none_means: ClassVar[str] = "auto"  # what a None default stands for

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        inherited = {}
        for base in reversed(cls.__mro__[1:]):
            if dataclasses.is_dataclass(base):
                inherited.update({f.name: f for f in dataclasses.fields(base)})
        for name, value in list(vars(cls).items()):
            if isinstance(value, _Redefault):
                if name not in inherited:
                    raise TypeError(f"{cls.__name__}.{name}: redefault() of no inherited setting")
                setattr(cls, name, _setting(value.default, rule_of(inherited[name])))

    def __post_init__(self):
        for field in dataclasses.fields(self):
            value = rule_of(field).check(
                field.name, getattr(self, field.name), field.default, self.none_means
            )
            object.__setattr__(self, field.name, value)
        self.check()

    def check(self):
        """Rules between settings; raises InputError. None here."""

    @classmethod
    def names(cls):
        return tuple(f.name for f in dataclasses.fields(cls))

    @classmethod
    def defaults(cls):
        """{name: default}, JSON-able."""
        return cls().to_dict()

    def to_dict(self):
        """{name: value}, JSON-able: tuples become lists."""
        return {
            f.name: _plain(getattr(self, f.name))
            for f in dataclasses.fields(self)  # not asdict: it would deep-copy
        }

    def replace(self, **changes):
        """A validated copy with some settings changed; unknown names are refused."""
        _refuse_unknown(type(self), changes)
        return dataclasses.replace(self, **changes)

    @classmethod
    def table(cls):
        """[(name, type, default, meaning)] for every setting, in declaration order."""
        rows = []
        for field in dataclasses.fields(cls):
            rule = rule_of(field)
            default = cls.none_means if field.default is None else _shown(field.default)
            rows.append((field.name, rule.expected, default, rule.meaning))
        return rows


def validate(cls, raw):
    """An instance of settings class `cls` from a dict of raw values (defaults for the rest).

    Raises:
        InputError: an unknown key (the message lists the accepted ones), or a value its
            setting does not accept.
    """
    if isinstance(raw, cls):
        return raw
    if isinstance(raw, Settings):
        raise InputError(
            f"expected {cls.__name__} settings{f' for {cls.family}' if cls.family else ''}. "
            f"Received: a {type(raw).__name__}"
        )
    if not isinstance(raw, dict):
        raise InputError(
            f"{cls.family or cls.__name__} settings must be a mapping of names to values. "
            f"Received: {raw!r}"
        )
    _refuse_unknown(cls, raw)
    return cls(**raw)


def _refuse_unknown(cls, raw):
    unknown = sorted(set(raw) - set(cls.names()))
    if unknown:
        what = f" for {cls.family}" if cls.family else ""
        raise InputError(
            f"unknown hyperparameter(s) {unknown}{what}; it accepts: "
            + ", ".join(f"{name}={default!r}" for name, default in cls.defaults().items())
        )


def _plain(value):
    return list(value) if isinstance(value, tuple) else value


def _shown(value):
    if isinstance(value, tuple):
        return ",".join(str(v) for v in value)
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)
