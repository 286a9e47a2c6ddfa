"""A configurable setting declared once: its name, type, default, range and documentation.

The detection dataclasses (:class:`~changes.detect.Policy`,
:class:`~changes.health.HealthPolicy`, :class:`~changes.schedule.Schedule`) declare
their fields with :func:`setting`; ``palimpsest.config`` declares the rest with
:class:`Setting`, reads the file by these declarations, checks every range here, and
the README's settings tables are generated from them (``tests/test_config.py``).
"""

from __future__ import annotations

from dataclasses import Field, dataclass, field, fields, replace
from datetime import timedelta
from typing import Any


@dataclass(frozen=True)
class Setting:
    """One setting of the config file. Durations are ``timedelta`` (``"2h"`` in the file)."""

    name: str
    kind: type
    default: Any
    """The value in force when the file does not set it (None: required, or decided elsewhere)."""
    doc: str
    low: float | None = None
    high: float | None = None
    low_ok: bool = True
    """Whether ``low`` itself is allowed (a share of 0 or a timeout of 0 s is not)."""
    shown: str | None = None
    """The README's default when it is not the value itself ("required", "the parser's")."""
    required: bool = False
    attr: str | None = None
    """The dataclass field it fills, when it has one (``recheck_min`` fills ``min_interval``)."""

    def out_of_range(self, value: Any) -> str | None:
        """Why ``value`` is outside the range, or None. A value outside does harm quietly: a
        negative timeout reads as an outage, a share above 1 turns protection off."""
        if value is None or (self.low is None and self.high is None):
            return None
        number = value.total_seconds() if isinstance(value, timedelta) else value
        too_low = self.low is not None and (number < self.low or (number == self.low and not self.low_ok))
        if too_low or (self.high is not None and number > self.high):
            bounds = [
                f"{'>=' if self.low_ok else '>'} {self.low}" if self.low is not None else "",
                f"<= {self.high}" if self.high is not None else "",
            ]
            unit = " seconds" if self.kind is timedelta else ""
            return f"is out of range (must be {' and '.join(b for b in bounds if b)}{unit})"
        return None

    @property
    def default_cell(self) -> str:
        """The default as the README's table shows it."""
        if self.shown is not None:
            return self.shown
        value = self.default
        if isinstance(value, bool):
            return str(value).lower()  # as TOML writes it
        if isinstance(value, timedelta):
            return f"`{format_duration(value)}`"
        if isinstance(value, str):
            return f"`{value}`"
        if isinstance(value, list | tuple):
            return ", ".join(map(str, value)) or "—"
        if value is None:
            raise ValueError(f"{self.name}: a setting without a default needs `shown`")
        return str(value)


def setting(name: str, default: Any, doc: str, **limits: Any) -> Any:
    """A dataclass field that is also the setting ``name`` (its type: the default's)."""
    return field(default=default, metadata={"setting": Setting(name, type(default), default, doc, **limits)})


def settings_of(cls: type) -> list[Setting]:
    """The settings a dataclass declares, in field order, each naming the field it fills."""
    found: list[Field[Any]] = [f for f in fields(cls) if "setting" in f.metadata]
    return [replace(f.metadata["setting"], attr=f.name) for f in found]


def from_settings(cls: type, values: dict[str, Any]) -> Any:
    """An instance of ``cls`` from checked setting values, by setting name."""
    return cls(**{s.attr: values[s.name] for s in settings_of(cls) if s.attr})


def format_duration(value: timedelta) -> str:
    """``2h``, ``15m``, ``7d``, ``90s``: the largest unit that writes it whole."""
    seconds = value.total_seconds()
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"
