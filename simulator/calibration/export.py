"""A simulated run's contacts written as an ACD-style contact log (one row per contact).

This is how the synthetic sample log and the tests' logs are made: the simulator's
contacts (``RunResult.contacts()``) with dates, ISO 8601 timestamps and the log's
column names, so that ``ccsim fit`` reads them exactly as it reads an export. A
contact passed between queues has no per-leg times in the simulator's log, so only
runs without transfers can be exported (transferred contacts are refused).
"""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd

from simulator.calibration.reading import CCSIM_OUTCOMES, LogError

__all__ = ["contacts_to_log"]


def contacts_to_log(
    contacts: pd.DataFrame, start: datetime.date, days_per_replication: int | None = None
) -> pd.DataFrame:
    """The inbound contacts of a run as a contact log, replication ``r`` of a ``d``-day run
    on dates ``start + r d`` onwards.

    Raises
    ------
    LogError
        If a contact visited more than one queue.
    """
    frame = contacts[contacts["origin"].astype(str).isin(["first", "redial", "recontact"])]
    if (frame["hops"] > 1).any():
        raise LogError("contacts with transfers have no per-leg times; export needs a run without")
    days = days_per_replication or int(frame["day"].max()) + 1
    replication = frame["replication"].to_numpy() if "replication" in frame else 0
    base = pd.Timestamp(start) + pd.to_timedelta(replication * days * 86400.0, unit="s")

    def stamp(seconds: pd.Series) -> pd.Series:
        times = base + pd.to_timedelta(seconds.to_numpy(), unit="s")
        text = pd.Series(times, index=seconds.index).dt.strftime("%Y-%m-%dT%H:%M:%S.%f")
        return text.str[:-3].where(seconds.notna(), "")

    queued = frame["queue_entry"].notna()
    arrived = frame["queue_entry"].where(queued, frame["arrival"])
    answered = frame["answer"].notna()
    prefix = (
        (pd.Series(replication, index=frame.index).astype(str) + "-")
        if "replication" in frame
        else ""
    )
    log = pd.DataFrame(
        {
            "contact_id": prefix + frame["contact_id"].astype(str),
            "customer_id": prefix + frame["caller_id"].astype(str),
            "call_type": frame["call_type"].astype(str),
            "queue": frame["queue"].astype(str).where(queued, frame["target"].astype(str)),
            "arrived_at": stamp(arrived),
            "answered_at": stamp(frame["answer"]),
            "ended_at": stamp(frame["end"]),
            "outcome": frame["outcome"].astype(str).map(CCSIM_OUTCOMES),
            "agent_group": frame["group"].astype(str).where(answered, ""),
            "agent_id": np.where(
                answered, frame["group"].astype(str) + "-" + frame["agent"].astype(str), ""
            ),
            "wrap_up_s": frame["wrap"].round(3).astype(str).where(answered, ""),
        }
    )
    return log.reset_index(drop=True)
