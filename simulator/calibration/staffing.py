"""Agents per interval and group: from a staffing file, or a lower bound read off the log.

A staffing file is a CSV with ``interval_start, agent_group, agents``; ``interval_start``
is either a clock time (``08:30``: the same every day) or a timestamp (one row per day
and interval: the scenario takes the mean over the fitted days, rounded up). Without
it, the log only shows agents who were busy: per group and interval, the most agents
talking or wrapping up at once (and, with ``agent_id``, the distinct agents who handled
a call in it), maximised over days. That is a lower bound on the agents staffed, and
the fit says so.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from simulator.calibration.reading import SECONDS_PER_DAY, LogError

__all__ = ["busy_lower_bound", "read_staffing"]

STAFFING_COLUMNS = ("interval_start", "agent_group", "agents")


def read_staffing(
    path: Path,
    groups: list[str],
    open_s: float,
    interval_s: float,
    intervals: int,
    first_date: object,
    days: list[int] | None = None,
) -> dict[str, list[int]]:
    """Agents per interval of the day for each group in the file.

    Parameters
    ----------
    days
        Day numbers (from the log's first date) whose staffing to average when the file
        gives timestamps; None: all.

    Rows outside the opening hours read off the log are left out.

    Raises
    ------
    LogError
        Naming the file, line and column of a problem.
    """
    if not path.is_file():
        raise LogError(f"{path}: no such staffing file")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise LogError(f"{path}: cannot be read as CSV: {str(error).strip() or 'empty'}") from None
    missing = [c for c in STAFFING_COLUMNS if c not in frame.columns]
    if missing:
        raise LogError(f"{path}: line 1: missing column(s) {', '.join(missing)}")
    if frame.empty:
        raise LogError(f"{path}: no rows")
    lines = np.arange(len(frame)) + 2
    agents = pd.to_numeric(frame["agents"].str.strip(), errors="coerce")
    bad = agents.isna() | (agents < 0) | (agents != np.floor(agents))
    if bad.any():
        raise LogError(
            f"{path}: line {lines[bad.to_numpy()][0]}, column 'agents': "
            f"{frame['agents'][bad].iloc[0]!r} is not a whole number of agents"
        )
    unknown = ~frame["agent_group"].str.strip().isin(groups)
    if unknown.any() and len(groups) > 0:
        raise LogError(
            f"{path}: line {lines[unknown.to_numpy()][0]}, column 'agent_group': "
            f"{frame['agent_group'][unknown].iloc[0]!r} is not a group of the log "
            f"({', '.join(groups)})"
        )
    text = frame["interval_start"].str.strip()
    clock = text.str.fullmatch(r"\d{1,2}:\d{2}")
    seconds = np.full(len(frame), np.nan)
    day = np.full(len(frame), -1)
    if clock.any():
        parts = text[clock].str.split(":", expand=True).astype(int)
        seconds[clock.to_numpy()] = (parts[0] * 3600 + parts[1] * 60).to_numpy()
    if (~clock).any():
        stamps = pd.to_datetime(text[~clock], format="ISO8601", errors="coerce")
        bad = stamps.isna()
        if bad.any():
            line = lines[(~clock).to_numpy()][bad.to_numpy()][0]
            raise LogError(
                f"{path}: line {line}, column 'interval_start': cannot read "
                f"{text[~clock][bad].iloc[0]!r} as HH:MM or an ISO 8601 time"
            )
        origin = pd.Timestamp(str(first_date))
        offset = ((stamps - origin) / pd.Timedelta(seconds=1)).to_numpy(dtype=float)
        day[(~clock).to_numpy()] = np.floor(offset / SECONDS_PER_DAY)
        seconds[(~clock).to_numpy()] = offset - np.floor(offset / SECONDS_PER_DAY) * SECONDS_PER_DAY
    k = (seconds - open_s) / interval_s
    off_grid = k != np.floor(k)
    if off_grid.any():
        raise LogError(
            f"{path}: line {lines[off_grid][0]}, column 'interval_start': "
            f"{text[off_grid].iloc[0]!r} is not on the {interval_s / 60:g}-minute interval grid"
        )
    # Rows outside the hours calls arrived in (agents logged in before the first call)
    # have no interval of the fitted day to go to.
    inside = (k >= 0) & (k < intervals)
    table = pd.DataFrame(
        {"group": frame["agent_group"].str.strip(), "day": day, "k": k, "n": agents}
    )[inside]
    table["k"] = table["k"].astype(int)
    if days is not None and (table["day"] >= 0).any():
        table = table[(table["day"] < 0) | table["day"].isin(days)]
    result: dict[str, list[int]] = {}
    for group, rows in table.groupby("group"):
        per_day = (
            rows.groupby(["day", "k"])["n"].sum().unstack("k").reindex(columns=range(intervals))
        )
        mean = per_day.fillna(0).mean(axis=0)
        result[str(group)] = [math.ceil(x - 1e-9) for x in mean]
    return result


def _peaks(starts: np.ndarray, ends: np.ndarray, grid: np.ndarray, interval_s: float) -> np.ndarray:
    """Most periods ``[start, end)`` overlapping at once within each interval of ``grid``
    (interval start times, increasing): a sweep over the periods' ends and starts.
    """
    times = np.concatenate([starts, ends])
    steps = np.concatenate([np.ones(len(starts)), -np.ones(len(ends))])
    order = np.lexsort((steps, times))  # an end before a start at the same instant
    times, level = times[order], np.cumsum(steps[order])
    first = np.searchsorted(times, grid, side="right")
    last = np.searchsorted(times, grid + interval_s, side="left")
    peak = np.where(first > 0, level[np.maximum(first - 1, 0)], 0.0)
    inside = last > first
    if inside.any():
        padded = np.append(level, 0.0)
        pairs = np.column_stack([first[inside], last[inside]]).ravel()
        peak[inside] = np.maximum(peak[inside], np.maximum.reduceat(padded, pairs)[::2])
    return peak


def _distinct_agents(
    rows: pd.DataFrame, open_s: float, interval_s: float, intervals: int
) -> pd.Series:
    """Distinct agents busy in each (day, interval) — index ``(day, k)``."""
    named = rows[rows["agent_id"] != ""]
    day = np.floor(named["answered"].to_numpy() / SECONDS_PER_DAY)
    base = day * SECONDS_PER_DAY + open_s
    k0 = np.floor((named["answered"].to_numpy() - base) / interval_s)
    k1 = np.floor((np.maximum(named["busy_end"].to_numpy() - 1e-9, 0) - base) / interval_s)
    k0 = np.clip(k0, 0, intervals - 1).astype(int)
    k1 = np.clip(np.maximum(k1, k0), 0, intervals - 1).astype(int)
    spans = k1 - k0 + 1
    k = np.repeat(k0, spans) + (np.arange(spans.sum()) - np.repeat(np.cumsum(spans) - spans, spans))
    cells = pd.DataFrame(
        {
            "day": np.repeat(day, spans),
            "k": k,
            "agent": np.repeat(named["agent_id"].to_numpy(), spans),
        }
    ).drop_duplicates()
    return cells.groupby(["day", "k"]).size()


def busy_lower_bound(
    legs: pd.DataFrame, open_s: float, interval_s: float, intervals: int, days: list[int]
) -> dict[str, list[int]]:
    """Most agents busy at once (talking or wrapping up) per group and interval, maximised
    over ``days``; with ``agent_id``, at least the distinct agents who handled a call in it.
    """
    answered = legs[legs["answered"].notna() & (legs["agent_group"] != "")].copy()
    answered["busy_end"] = answered["ended"] + answered["wrap_up_s"].fillna(0.0)
    day_list = np.asarray(sorted(days), dtype=float)
    grid = (
        day_list[:, None] * SECONDS_PER_DAY + open_s + interval_s * np.arange(intervals)
    ).ravel()
    result: dict[str, list[int]] = {}
    for group, rows in answered.groupby("agent_group"):
        peak = _peaks(
            rows["answered"].to_numpy(), rows["busy_end"].to_numpy(), grid, interval_s
        ).reshape(len(day_list), intervals)
        distinct = _distinct_agents(rows, open_s, interval_s, intervals)
        for i, d in enumerate(day_list):
            for k in range(intervals):
                peak[i, k] = max(peak[i, k], distinct.get((d, k), 0))
        result[str(group)] = [int(x) for x in peak.max(axis=0)] if len(day_list) else []
    return result
