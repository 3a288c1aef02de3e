"""Times of day in a scenario: ``"HH:MM"`` strings, validated and converted to minutes."""

from __future__ import annotations

import datetime
import re
from typing import Annotated

from pydantic import BeforeValidator

__all__ = ["ClockTime", "clock_label", "minutes_of"]

_CLOCK = re.compile(r"(\d{1,2}):(\d{2})")


def _clock_time(value: object) -> str:
    """Validate a time of day and normalise it to ``"HH:MM"``."""
    if isinstance(value, datetime.time):  # TOML local time, e.g. open = 08:00:00
        if value.second or value.microsecond:
            raise ValueError(f'must be a time "HH:MM" on a whole minute, got {value}')
        return f"{value.hour:02d}:{value.minute:02d}"
    if isinstance(value, int) and not isinstance(value, bool):
        hours, minutes = divmod(value, 60)
        hint = ""
        if 0 <= value <= 24 * 60:
            hint = (
                f" (YAML reads an unquoted {hours}:{minutes:02d} as the number {value}:"
                f' write "{hours:02d}:{minutes:02d}" in quotes)'
            )
        raise ValueError(f'must be a time "HH:MM" in quotes, got the number {value}{hint}')
    if not isinstance(value, str):
        raise ValueError(f'must be a time "HH:MM", got {value!r}')
    match = _CLOCK.fullmatch(value.strip())
    if match is None:
        raise ValueError(f'must be a time "HH:MM", got {value!r}')
    hours, minutes = int(match.group(1)), int(match.group(2))
    if minutes >= 60 or hours > 24 or (hours == 24 and minutes > 0):
        raise ValueError(f"must be a time between 00:00 and 24:00, got {value!r}")
    return f"{hours:02d}:{minutes:02d}"


ClockTime = Annotated[str, BeforeValidator(_clock_time)]
"""A time of day ``"HH:MM"`` from ``00:00`` to ``24:00``."""


def minutes_of(clock: str) -> int:
    """Minutes since midnight of a validated ``"HH:MM"``."""
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def clock_label(minutes: int) -> str:
    """``"HH:MM"`` of ``minutes`` since midnight."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
