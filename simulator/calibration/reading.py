"""Reading and validating a contact log: one row per leg of a contact, as an ACD exports it.

A log is a CSV or Parquet file with the columns below (names can be mapped with
``columns={"arrived_at": "StartTime", ...}``). ccsim's own ``contacts.parquet`` (or
``contacts.csv``) is recognised by its columns and converted, so a log written by a
simulation can be fitted back (its replications become consecutive days).

Every problem is a :class:`LogError` naming the file, the line (the header is line 1)
and the column, so a planner can open the export at the right place. The reader
returns a :class:`ContactLog` whose times are seconds since midnight of the log's
first day on the site clock (timestamps with a UTC offset keep their wall-clock time).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "CCSIM_EPOCH",
    "OUTCOMES",
    "REQUIRED",
    "ContactLog",
    "LogError",
    "log_from_contacts",
    "parse_column_map",
    "read_log",
]

REQUIRED = ("contact_id", "queue", "arrived_at", "ended_at", "outcome")
"""Columns every log must have."""
OPTIONAL = (
    "customer_id",
    "call_type",
    "answered_at",
    "agent_group",
    "agent_id",
    "wrap_up_s",
    "ivr_s",
)
"""Columns used when present."""
OUTCOMES = (
    "answered",
    "abandoned",
    "blocked",
    "balked",
    "transferred",
    "ivr_abandoned",
    "self_served",
    "callback_accepted",
    "voicemail",
    "disconnected",
)
"""Outcomes a leg may have (``disconnected``: cut off at closing while waiting)."""
ANSWERED_OUTCOMES = frozenset({"answered", "transferred"})
"""Outcomes of a leg an agent talked to: ``answered_at`` is required."""
UNANSWERED_OUTCOMES = frozenset(OUTCOMES) - ANSWERED_OUTCOMES
"""Outcomes of a leg no agent talked to: ``answered_at`` must be empty."""
CCSIM_COLUMNS = frozenset({"caller_id", "arrival", "queue_entry", "answer", "end", "talk", "path"})
"""Columns that mark a contacts file written by ccsim."""
CCSIM_EPOCH = datetime.date(2001, 1, 1)
"""Date given to day 0 of a ccsim log (a Monday), which has days but no dates."""
CCSIM_OUTCOMES = {
    "answered": "answered",
    "abandoned": "abandoned",
    "blocked": "blocked",
    "balked": "balked",
    "announce_balked": "balked",
    "disconnected": "disconnected",
    "ivr_abandoned": "ivr_abandoned",
    "self_served": "self_served",
    "callback_accepted": "callback_accepted",
    "voicemail": "voicemail",
}
"""ccsim outcomes of inbound contacts in the log's vocabulary."""
SECONDS_PER_DAY = 86400.0
OFFSET = r"(?<=\d)(Z|[+-]\d{2}:?\d{2})$"
"""A UTC offset at the end of an ISO 8601 time (``Z``, ``+01:00``, ``-0500``)."""
MAX_SHOWN = 3
"""Offending lines quoted in one message."""


class LogError(ValueError):
    """A contact log (or a staffing file) that cannot be used, with where and why."""


@dataclass(frozen=True)
class ContactLog:
    """A validated contact log.

    Attributes
    ----------
    legs
        One row per leg, in time order within each contact: ``contact_id``,
        ``customer_id`` (or empty), ``call_type``, ``queue``, ``arrived``, ``answered``
        (NaN when not answered), ``ended`` (seconds since midnight of ``first_date``),
        ``outcome``, ``agent_group``, ``agent_id`` (or empty), ``wrap_up_s``, ``ivr_s``
        (NaN when absent), ``talk_s`` (the leg's talk time, NaN when unknown) and
        ``line`` (the line in the file, for messages).
    paths
        For a ccsim log (one row per contact), each contact's queues in order; ``None``
        for a leg log (the legs themselves give the path).
    first_date
        Date of day 0.
    source
        The file's name, for messages and reports.
    present
        The optional columns the file had.
    """

    legs: pd.DataFrame
    paths: pd.Series | None
    first_date: datetime.date
    source: str
    present: frozenset[str]

    @property
    def days(self) -> int:
        """Number of calendar days the log spans (from its first to its last arrival)."""
        return int(self.legs["arrived"].max() // SECONDS_PER_DAY) + 1


def parse_column_map(text: str | None) -> dict[str, str]:
    """``"arrived_at=StartTime,ended_at=EndTime"`` as ``{"arrived_at": "StartTime", ...}``."""
    if not text:
        return {}
    mapping: dict[str, str] = {}
    known = set(REQUIRED) | set(OPTIONAL)
    for part in text.split(","):
        name, sep, column = part.partition("=")
        name, column = name.strip(), column.strip()
        if not sep or not name or not column:
            raise LogError(
                f"--columns: expected NAME=COLUMN pairs separated by commas, got {part!r}"
            )
        if name not in known:
            raise LogError(
                f"--columns: {name!r} is not a log column; "
                f"expected one of {', '.join(sorted(known))}"
            )
        mapping[name] = column
    return mapping


def _read_table(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise LogError(f"{path}: no such file")
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            return pd.read_parquet(path)
        if suffix in (".csv", ".txt"):
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
            duplicated = [
                c for c in frame.columns if "." in str(c) and str(c).split(".")[0] in frame
            ]
            if duplicated:
                raise LogError(f"{path}: line 1: duplicate column {duplicated[0].split('.')[0]!r}")
            return frame
    except LogError:
        raise
    except pd.errors.EmptyDataError:
        raise LogError(f"{path}: the file is empty (expected a header line and rows)") from None
    except (pd.errors.ParserError, UnicodeDecodeError, OSError, ValueError) as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise LogError(f"{path}: cannot be read as {suffix[1:].upper()}: {first}") from None
    raise LogError(f"{path}: unsupported file type {suffix!r} (expected .csv or .parquet)")


def _where(path: Path, lines: np.ndarray, column: str) -> str:
    shown = ", ".join(str(int(n)) for n in lines[:MAX_SHOWN])
    more = f" and {len(lines) - MAX_SHOWN} more" if len(lines) > MAX_SHOWN else ""
    label = "line" if len(lines) == 1 else "lines"
    return f"{path}: {label} {shown}{more}, column {column!r}"


def _times(frame: pd.DataFrame, name: str, column: str, path: Path, optional: bool) -> pd.Series:
    raw = frame[name]
    if pd.api.types.is_datetime64_any_dtype(raw):
        text, empty = raw, raw.isna()
    else:
        # A UTC offset is dropped: the log is in site time, and an export across a
        # daylight-saving change mixes offsets that one clock cannot hold.
        text = raw.astype(str).str.strip().str.replace(OFFSET, "", regex=True)
        empty = raw.isna() | text.isin(["", "nan", "NaT", "None"])
    if empty.any() and not optional:
        lines = frame.loc[empty, "line"].to_numpy()
        raise LogError(f"{_where(path, lines, column)}: empty (a time is required)")
    parsed = pd.to_datetime(text.where(~empty), format="ISO8601", errors="coerce")
    bad = parsed.isna() & ~empty
    if bad.any():
        lines = frame.loc[bad, "line"].to_numpy()
        example = raw[bad].iloc[0]
        raise LogError(
            f"{_where(path, lines, column)}: cannot read {example!r} as an ISO 8601 time "
            "(e.g. 2026-03-02T08:15:00)"
        )
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        parsed = parsed.dt.tz_localize(None)  # keep the site's wall-clock time
    return parsed


def _numbers(frame: pd.DataFrame, name: str, column: str, path: Path) -> pd.Series:
    raw = frame[name]
    text = raw.astype(str).str.strip()
    empty = (text == "") | raw.isna()
    values = pd.to_numeric(text.where(~empty), errors="coerce")
    bad = (values.isna() & ~empty) | (values < 0) | np.isinf(values)
    if bad.any():
        lines = frame.loc[bad, "line"].to_numpy()
        raise LogError(
            f"{_where(path, lines, column)}: {raw[bad].iloc[0]!r} is not a non-negative "
            "number of seconds"
        )
    return values.astype(float)


def log_from_contacts(
    frame: pd.DataFrame, source: str = "simulation", days: int | None = None
) -> ContactLog:
    """A ccsim contacts table (``RunResult.contacts()``) as a contact log; replication
    ``r`` of a ``d``-day run becomes days ``r d`` to ``r d + d - 1``.
    """
    legs, paths = _from_ccsim(frame, Path(source), days)
    return _finish(legs, paths, CCSIM_EPOCH, Path(source), frozenset(OPTIONAL), {})


def _from_ccsim(
    frame: pd.DataFrame, path: Path, days: int | None = None
) -> tuple[pd.DataFrame, pd.Series]:
    """Turn ccsim contacts (one row per contact, replications stacked) into legs."""
    inbound = frame["origin"].astype(str).isin(["first", "redial", "recontact"])
    frame = frame.loc[inbound].reset_index(drop=True)
    if days is None:
        days = int(frame["day"].max()) + 1 if len(frame) else 1
    offset = (
        frame["replication"].astype(int).to_numpy() * days * SECONDS_PER_DAY
        if "replication" in frame
        else 0.0
    )
    replication = (
        frame["replication"].astype(int)
        if "replication" in frame
        else pd.Series(0, index=frame.index)
    )
    queued = frame["queue_entry"].notna()
    ivr = frame["ivr"].astype(bool) if "ivr" in frame else pd.Series(False, index=frame.index)
    arrived = frame["queue_entry"].where(queued, frame["arrival"]).to_numpy() + offset
    ivr_s = np.where(
        ivr,
        np.where(queued, frame["queue_entry"] - frame["arrival"], frame["end"] - frame["arrival"]),
        np.nan,
    )
    single = frame["hops"].astype(int) <= 1
    outcome = frame["outcome"].astype(str).map(CCSIM_OUTCOMES)
    unknown = outcome.isna()
    if unknown.any():
        raise LogError(
            f"{path}: row {int(np.flatnonzero(unknown)[0]) + 1}, column 'outcome': unknown "
            f"ccsim outcome {frame['outcome'].astype(str)[unknown].iloc[0]!r}"
        )
    queue = frame["queue"].astype(str).where(frame["queue"].notna(), frame["target"].astype(str))
    legs = pd.DataFrame(
        {
            "contact_id": (replication.astype(str) + ":" + frame["contact_id"].astype(str)),
            "customer_id": (replication.astype(str) + ":" + frame["caller_id"].astype(str)),
            "call_type": frame["call_type"].astype(str),
            "queue": queue,
            "arrived": arrived,
            "answered": frame["answer"].to_numpy() + offset,
            "ended": frame["end"].to_numpy() + offset,
            "outcome": outcome,
            "agent_group": frame["group"].astype(str).where(frame["group"].notna(), ""),
            "agent_id": np.where(
                frame["agent"] >= 0,
                frame["group"].astype(str) + "#" + frame["agent"].astype(str),
                "",
            ),
            "wrap_up_s": np.where(frame["answer"].notna(), frame["wrap"], np.nan),
            "ivr_s": ivr_s,
            "talk_s": np.where(single & frame["answer"].notna(), frame["talk"], np.nan),
            "line": np.arange(len(frame)) + 1,
        }
    )
    paths = frame["path"].astype(str).str.split(">")
    paths.index = legs["contact_id"]
    # A contact answered and passed on is two legs: the first ends (transferred) when it
    # is answered — the simulator keeps no per-leg times — and the last runs from there.
    passed = (~single & legs["answered"].notna()).to_numpy()
    first = legs[passed].assign(
        outcome="transferred",
        ended=legs.loc[passed, "answered"],
        wrap_up_s=np.nan,
        talk_s=np.nan,
        agent_group="",
        agent_id="",
    )
    rest = legs.copy()
    rest.loc[passed, "queue"] = [hops[-1] for hops in paths.to_numpy()[passed]]
    rest.loc[passed, "arrived"] = rest.loc[passed, "answered"]
    rest.loc[passed & (rest["outcome"] != "answered").to_numpy(), "answered"] = np.nan
    rest.loc[passed, "ivr_s"] = np.nan
    return pd.concat([first, rest], ignore_index=True), paths


def _check_order(legs: pd.DataFrame, path: Path, names: Mapping[str, str]) -> None:
    def complain(mask: pd.Series, column: str, what: str) -> None:
        if mask.any():
            lines = legs.loc[mask, "line"].to_numpy()
            raise LogError(f"{_where(path, lines, names.get(column, column))}: {what}")

    answered = legs["answered"]
    complain(legs["ended"] < legs["arrived"], "ended_at", "ends before the leg arrived")
    complain(
        answered < legs["arrived"], "answered_at", "answered before it arrived (negative wait)"
    )
    complain(answered > legs["ended"], "answered_at", "answered after it ended")
    is_answered = legs["outcome"].isin(ANSWERED_OUTCOMES)
    complain(
        is_answered & answered.isna(),
        "answered_at",
        "empty, but the outcome says an agent answered",
    )
    complain(
        ~is_answered & answered.notna(),
        "answered_at",
        "set, but the outcome says no agent answered",
    )
    for name in ("contact_id", "queue"):
        complain(legs[name] == "", name, "empty (a value is required)")
    # Only a transferred leg is followed by another leg of the same contact (a warm
    # transfer's legs may overlap in time: the first agent stays on until the next answers).
    previous = legs.groupby("contact_id", sort=False)["outcome"].shift()
    complain(
        previous.notna() & (previous != "transferred"),
        "contact_id",
        "this leg continues a contact whose previous leg was not 'transferred' "
        "(give each call its own contact_id)",
    )
    last = ~legs["contact_id"].duplicated(keep="last")
    complain(
        (legs["outcome"] == "transferred") & last,
        "outcome",
        "'transferred' on the contact's last leg (a transfer needs a next leg)",
    )


def read_log(path: Path | str, columns: Mapping[str, str] | None = None) -> ContactLog:
    """Read and validate a contact log.

    Parameters
    ----------
    path
        CSV or Parquet file: one row per leg, or ccsim's ``contacts.parquet``.
    columns
        Log column name -> the file's column name, for exports that name them otherwise.

    Raises
    ------
    LogError
        Naming the file, the line(s) and the column of the first problem found.
    """
    path = Path(path)
    names = dict(columns or {})
    frame = _read_table(path)
    if set(map(str, frame.columns)) >= CCSIM_COLUMNS and not names:
        if path.suffix.lower() != ".parquet":  # ccsim's contacts.csv: read its numbers
            frame = pd.read_csv(path)
        legs, paths = _from_ccsim(frame, path)
        if legs.empty:
            raise LogError(f"{path}: the contacts file has no inbound contacts")
        return _finish(legs, paths, CCSIM_EPOCH, path, frozenset(OPTIONAL), names)
    for name, column in names.items():
        if column not in frame.columns:
            raise LogError(
                f"{path}: --columns maps {name} to {column!r}, which is not a column of the file "
                f"(its columns: {', '.join(map(str, frame.columns))})"
            )
    renamed = frame.rename(columns={v: k for k, v in names.items()})
    missing = [c for c in REQUIRED if c not in renamed.columns]
    if missing:
        raise LogError(
            f"{path}: line 1: missing required column(s) {', '.join(missing)} "
            f"(the file has {', '.join(map(str, frame.columns))}; map names with --columns)"
        )
    if renamed.empty:
        raise LogError(f"{path}: the log has a header but no rows")
    renamed = renamed.reset_index(drop=True)
    renamed["line"] = np.arange(len(renamed)) + 2
    present = frozenset(c for c in OPTIONAL if c in renamed.columns)

    def text(name: str) -> pd.Series:
        if name not in renamed:
            return pd.Series("", index=renamed.index)
        return renamed[name].astype(str).str.strip().where(renamed[name].notna(), "")

    outcome = text("outcome").str.lower()
    unknown = ~outcome.isin(OUTCOMES)
    if unknown.any():
        lines = renamed.loc[unknown, "line"].to_numpy()
        raise LogError(
            f"{_where(path, lines, names.get('outcome', 'outcome'))}: unknown outcome "
            f"{outcome[unknown].iloc[0]!r}; expected one of {', '.join(OUTCOMES)}"
        )
    arrived = _times(renamed, "arrived_at", names.get("arrived_at", "arrived_at"), path, False)
    ended = _times(renamed, "ended_at", names.get("ended_at", "ended_at"), path, False)
    if "answered_at" in renamed:
        answered = _times(
            renamed, "answered_at", names.get("answered_at", "answered_at"), path, True
        )
    else:
        answered = pd.Series(pd.NaT, index=renamed.index, dtype="datetime64[ns]")
    first_date = arrived.min().date()
    origin = pd.Timestamp(first_date)

    def seconds(times: pd.Series) -> np.ndarray:
        return ((times - origin) / pd.Timedelta(seconds=1)).to_numpy(dtype=float)

    queue = text("queue")
    call_type = text("call_type")
    legs = pd.DataFrame(
        {
            "contact_id": text("contact_id"),
            "customer_id": text("customer_id"),
            "call_type": call_type.where(call_type != "", queue),
            "queue": queue,
            "arrived": seconds(arrived),
            "answered": seconds(answered),
            "ended": seconds(ended),
            "outcome": outcome,
            "agent_group": text("agent_group"),
            "agent_id": text("agent_id"),
            "line": renamed["line"].to_numpy(),
        }
    )
    for name in ("wrap_up_s", "ivr_s"):
        legs[name] = (
            _numbers(renamed, name, names.get(name, name), path) if name in renamed else np.nan
        )
    legs["talk_s"] = legs["ended"] - legs["answered"]
    return _finish(legs, None, first_date, path, present, names)


def _finish(
    legs: pd.DataFrame,
    paths: pd.Series | None,
    first_date: datetime.date,
    path: Path,
    present: frozenset[str],
    names: Mapping[str, str],
) -> ContactLog:
    order = np.lexsort((legs["arrived"].to_numpy(), legs["contact_id"].to_numpy()))
    legs = legs.iloc[order].reset_index(drop=True)
    _check_order(legs, path, names)
    # Keep contacts in the order of their first arrival (stable within a contact).
    start = legs.groupby("contact_id", sort=False)["arrived"].transform("min")
    legs = legs.iloc[np.lexsort((legs["arrived"].to_numpy(), start.to_numpy()))].reset_index(
        drop=True
    )
    return ContactLog(legs, paths, first_date, path.name, present)
