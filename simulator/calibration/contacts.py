"""From legs to contacts: one row per contact with its first wait, its outcome and its path.

A contact's *first wait* is the time from entering its first queue to being answered
there (or to hanging up): it is what patience is estimated from and what the service
level and ASA of the log are computed on, as the simulator does for the first queue.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulator.calibration.reading import SECONDS_PER_DAY, ContactLog

__all__ = ["contact_table"]


def contact_table(log: ContactLog) -> pd.DataFrame:
    """One row per contact, in order of arrival.

    Columns: ``contact_id``, ``customer_id``, ``call_type``, ``queue`` (the first),
    ``arrived``, ``ended`` (of the last leg), ``day``, ``seconds`` (time of day),
    ``first_wait`` (NaN when the contact never queued: blocked, IVR outcomes),
    ``answered`` (an agent talked to the caller), ``outcome`` (of the last leg),
    ``legs`` and ``path`` (list of queues in order).
    """
    legs = log.legs
    grouped = legs.groupby("contact_id", sort=False)
    first = grouped.head(1).set_index("contact_id")
    last = grouped.tail(1).set_index("contact_id")
    contacts = pd.DataFrame(
        {
            "contact_id": first.index.to_numpy(),
            "customer_id": first["customer_id"].to_numpy(),
            "call_type": first["call_type"].to_numpy(),
            "queue": first["queue"].to_numpy(),
            "arrived": first["arrived"].to_numpy(),
            "ended": last["ended"].reindex(first.index).to_numpy(),
            "outcome": last["outcome"].reindex(first.index).to_numpy(),
            "first_answered": first["answered"].to_numpy(),
            "first_ended": first["ended"].to_numpy(),
            "first_outcome": first["outcome"].to_numpy(),
            "legs": grouped.size().reindex(first.index).to_numpy(),
        }
    )
    contacts["day"] = (contacts["arrived"] // SECONDS_PER_DAY).astype(int)
    contacts["seconds"] = contacts["arrived"] - contacts["day"] * SECONDS_PER_DAY
    queued = ~contacts["first_outcome"].isin(["blocked", "ivr_abandoned", "self_served"])
    end_of_wait = contacts["first_answered"].fillna(contacts["first_ended"])
    contacts["first_wait"] = np.where(queued, end_of_wait - contacts["arrived"], np.nan)
    contacts["answered"] = contacts["first_answered"].notna()
    if log.paths is not None:
        contacts["path"] = log.paths.reindex(contacts["contact_id"]).to_numpy()
    else:
        contacts["path"] = grouped["queue"].agg(list).reindex(first.index).to_numpy()
    return contacts
