"""Reading a call volume profile from a CSV file.

The format is deliberately small. Either

* a header row with a column named ``calls`` (other columns, e.g. an
  ``interval`` label such as ``08:00``, are ignored), one row per interval; or
* a single column of numbers without a header, one row per interval.

Each value is the expected number of calls in that interval (a finite number
``>= 0``). Blank lines are skipped. The file is UTF-8 (a byte-order mark is
allowed).
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

from simulator.scenario.limits import MAX_CSV_BYTES, read_limited

__all__ = ["BASE_DIR_CONTEXT_KEY", "VOLUME_COLUMN", "read_volume_csv"]

BASE_DIR_CONTEXT_KEY = "base_dir"
"""Validation-context key holding the folder that relative CSV paths are resolved in."""

VOLUME_COLUMN = "calls"
"""Name of the column that holds the expected calls per interval."""


def _number(text: str, where: str) -> float:
    text = text if len(text) <= 40 else text[:37] + "..."  # quoted in messages
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{where}: {text!r} is not a number") from None
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{where}: expected calls must be a finite number >= 0, got {text!r}")
    return value


def read_volume_csv(path: Path) -> tuple[float, ...]:
    """Read expected calls per interval from ``path`` (see the module docstring).

    Raises
    ------
    ValueError
        With a one-line message when the file is missing, unreadable or not in
        the format above.
    """
    try:
        text = read_limited(path, MAX_CSV_BYTES, "volume CSV").decode("utf-8-sig")
    except FileNotFoundError:
        raise ValueError(f"CSV file not found: {path}") from None
    except IsADirectoryError:
        raise ValueError(f"{path} is a directory, not a CSV file") from None
    except UnicodeDecodeError:
        raise ValueError(f"{path} is not a UTF-8 text file") from None
    except OSError as exc:
        raise ValueError(f"cannot read CSV file {path}: {exc.strerror or exc}") from None
    try:
        rows = [row for row in csv.reader(io.StringIO(text)) if any(c.strip() for c in row)]
    except csv.Error as exc:
        raise ValueError(f"{path} is not a valid CSV file: {exc}") from None
    if not rows:
        raise ValueError(f"{path} is empty: expected one row of calls per interval")
    header = [cell.strip().lower() for cell in rows[0]]
    if VOLUME_COLUMN in header:
        column = header.index(VOLUME_COLUMN)
        values = []
        for line, row in enumerate(rows[1:], start=2):
            if column >= len(row):
                raise ValueError(f"{path} row {line}: no '{VOLUME_COLUMN}' value")
            values.append(_number(row[column].strip(), f"{path} row {line}"))
        if not values:
            raise ValueError(f"{path} has a header but no rows")
        return tuple(values)
    if any(len(row) != 1 for row in rows):
        raise ValueError(
            f"{path}: expected a header row with a '{VOLUME_COLUMN}' column, "
            "or a single column of numbers"
        )
    return tuple(_number(row[0].strip(), f"{path} row {n}") for n, row in enumerate(rows, 1))
