"""The fitted scenario: the estimates put into the scenario file's own keys.

Resolution, transfers and recontacts are tied together in the simulator: a conversation
resolves with the group's ``resolve_probability``; an unresolved one is transferred
along ``transfers.matrix`` or ends unresolved, and an unresolved caller calls again with
``callers.recontact.probability``. A log shows transfers and recontacts but not which
unresolved callers stayed away, so the fitted scenario assumes that every caller left
unresolved called again (recontact probability 1): then, for answered legs in queue
``q`` with transfer shares ``f_qk`` and recontact share ``g_q``, the unresolved share is
``1 - r_q = sum_k f_qk + g_q`` and the matrix row is ``f_qk / (1 - r_q)`` — which
reproduces both observed shares exactly.

With weekday profiles the scenario simulates one week from a Monday: each call type's
ordinary volume is its profile over all fitted days, and ``by_weekday`` gives each weekday
seen in the fitted days its own profile; a weekday that falls between the first and the
last fitted day but has no calls (a closed Sunday) gets no calls.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from simulator.calibration.arrivals import WEEKDAYS, weekday_of
from simulator.calibration.durations import best

if TYPE_CHECKING:
    from simulator.calibration.result import FitResult

__all__ = ["clock", "scenario_data"]

DEFAULT_REPLICATIONS = 20
"""Replications written into the fitted scenario."""
WEEK_DAYS = 7
"""Days a scenario with weekday profiles simulates: one of each weekday, from a Monday."""


def clock(seconds: float) -> str:
    """``HH:MM`` of a time of day in seconds (``24:00`` allowed)."""
    minutes = round(seconds / 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _resolution(fit: FitResult) -> tuple[dict[str, dict[str, float]], dict[str, float]]:
    """Transfer matrix and unresolved share per queue (see the module docstring)."""
    transfers = fit.transfers
    matrix: dict[str, dict[str, float]] = {}
    unresolved: dict[str, float] = {}
    if transfers is None:
        return matrix, unresolved
    shares = transfers.matrix()
    for queue, answered in transfers.answered_legs.items():
        if not answered:
            continue
        row = shares.get(queue, {})
        again = transfers.recontacts_after.get(queue, 0) / answered if fit.recontact else 0.0
        total = sum(row.values()) + again
        if total <= 0:
            continue
        unresolved[queue] = min(1.0, total)
        matrix[queue] = {k: round(v / total, 4) for k, v in row.items() if v > 0}
    return {q: r for q, r in matrix.items() if r}, unresolved


def closed_weekdays(fit: FitResult) -> list[str]:
    """Weekdays that fall between the first and the last fitted day but on which no fitted
    day had a call: the centre was closed (a log lists only days with calls).
    """
    if not fit.fit_days:
        return []
    span = range(min(fit.fit_days), max(fit.fit_days) + 1)
    seen = set(weekday_of(fit.first_date, np.asarray(fit.fit_days)).tolist())
    within = set(weekday_of(fit.first_date, np.asarray(span)).tolist())
    return [WEEKDAYS[w] for w in sorted(within - seen)]


def _volume(
    profile: list[float], by_weekday: dict[str, list[float]] | None, closed: list[str]
) -> dict[str, Any]:
    """A call type's ``volume``: the profile, and with weekday profiles their ``by_weekday``."""
    volume: dict[str, Any] = {"profile_per_interval": [round(x, 3) for x in profile]}
    if by_weekday is not None:
        days: dict[str, Any] = {
            w: {"profile_per_interval": [round(x, 3) for x in p]} for w, p in by_weekday.items()
        }
        days.update({w: {"rate_per_hour": 0} for w in closed if w not in days})
        volume["by_weekday"] = {w: days[w] for w in WEEKDAYS if w in days}
    return volume


def scenario_data(
    fit: FitResult,
    profiles: dict[str, list[float]] | None = None,
    days: int = 1,
    *,
    weekdays: bool = False,
) -> dict[str, Any]:
    """The fitted scenario as plain data (valid input for ``scenario_from_dict``).

    Parameters
    ----------
    profiles
        Volume profile per call type to use instead of the all-days profile (the mean of
        the held-out days' weekday profiles, for a back-test).
    days
        Days the scenario simulates (ignored with ``weekdays``: one week).
    weekdays
        Give each call type's weekday profiles as ``volume.by_weekday`` and simulate one
        week from a Monday (``calendar.start_weekday: mon``).
    """
    closed = closed_weekdays(fit) if weekdays else []
    call_types = []
    for arrivals in fit.arrivals:
        name = arrivals.call_type
        profile = (profiles or {}).get(name, arrivals.profile)
        entry: dict[str, Any] = {
            "name": name,
            "target": fit.targets[name],
            "volume": _volume(profile, arrivals.by_weekday if weekdays else None, closed),
        }
        if arrivals.day_cv > 0:
            entry["day_to_day_cv"] = round(arrivals.day_cv, 4)
        handle = best(fit.handle.get(name, []))
        if handle is not None:
            entry["handle_time"] = handle.spec()
        else:  # too few talk times to choose a family: their mean, exponential
            talk = fit.talk_times.get(name)
            mean = float(talk.mean()) if talk is not None and len(talk) else 0.0
            entry["handle_time"] = {"dist": "exponential", "mean": round(max(mean, 1.0), 3)}
        wrap = best(fit.wrap.get(name, []))
        if wrap is not None:
            entry["wrap_up"] = wrap.spec()
        patience = fit.patience.get(name)
        chosen = best(patience.fits) if patience else None
        entry["patience"] = chosen.spec() if chosen else {"dist": "none"}
        balk = fit.balk.get(name, 0.0)
        if balk > 0:
            entry["balk_probability"] = round(balk, 4)
        call_types.append(entry)
    matrix, unresolved = _resolution(fit)
    groups = []
    for group, queues in fit.skills.items():
        entry = {
            "name": group,
            "skills": {q: 1 for q in queues},
            "per_interval": fit.staffing[group],
        }
        factor = fit.handle_factor.get(group)
        if factor is not None and abs(factor - 1) > 1e-3:
            entry["handle_time_factor"] = round(factor, 4)
        resolve = {q: round(1 - unresolved[q], 4) for q in queues if q in unresolved}
        if resolve:
            entry["resolve_probability"] = resolve
        groups.append(entry)
    callers: dict[str, Any] = {}
    if fit.redial is not None and fit.redial.followed > 0:
        delay = best(fit.redial.delay_fits)
        callers["redial"] = {
            "probability": round(fit.redial.probability, 4),
            "delay": delay.spec() if delay else {"dist": "exponential", "mean": 600.0},
        }
    if fit.recontact is not None and fit.recontact.followed > 0:
        delay = best(fit.recontact.delay_fits)
        callers["recontact"] = {
            "probability": 1.0,
            "delay": delay.spec() if delay else {"dist": "exponential", "mean": 86400.0},
        }
    data: dict[str, Any] = {
        "name": f"Fitted from {fit.source}",
        "seed": 1,
        "replications": DEFAULT_REPLICATIONS,
        "calendar": {
            "days": WEEK_DAYS if weekdays else days,
            "open": clock(fit.open_s),
            "close": clock(fit.close_s),
            "interval_minutes": fit.interval_minutes,
            **({"start_weekday": WEEKDAYS[0]} if weekdays else {}),
        },
        "service_level": {"threshold_s": fit.service_level_s},
        "queues": [{"name": q} for q in fit.queues],
        "call_types": call_types,
        "agent_groups": groups,
    }
    if callers:
        data["callers"] = callers
    if matrix:
        data["transfers"] = {"mode": "cold", "matrix": matrix}
    ivr = fit.ivr
    if ivr is not None and ivr.contacts - ivr.self_served > 0:
        ivr_patience = best(ivr.patience_fits)
        data["ivr"] = {
            "greeting_s": round(ivr.mean_time_s, 2) if ivr.mean_time_s == ivr.mean_time_s else 0,
            "patience": ivr_patience.spec() if ivr_patience else {"dist": "none"},
        }
    return data


def header(fit: FitResult) -> str:
    """Comment lines at the top of the written scenario."""
    lines = [
        f"Fitted by ccsim fit from {fit.source}.",
        f"Fitted days: {len(fit.fit_days)}; held out: {len(fit.holdout_days)}.",
        "Volumes are first calls (redials and recontacts are generated by callers:).",
        "Every estimate with its standard error and goodness of fit is in fit.json and fit.html.",
    ]
    if fit.staffing_source != "file":
        lines.append(
            "WARNING: staffing is a lower bound (the most agents seen busy per interval); "
            "give --staffing for the real figures."
        )
    return "".join(f"# {line}\n" for line in lines)
