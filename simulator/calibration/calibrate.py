"""Fit a whole scenario from a contact log: the steps in order, one module each.

1. read and validate the log (:mod:`simulator.calibration.reading`), one row per contact
   (:mod:`simulator.calibration.contacts`);
2. the opening hours and interval grid from the arrivals, the days to fit on and the
   days held out (the last ones);
3. who redialled or recontacted (:mod:`simulator.calibration.journeys`), so that volumes count
   first calls only — the scenario's callers generate the rest;
4. arrivals, handle and wrap-up times, patience, balking, transfers, IVR, staffing;
5. the scenario (:mod:`simulator.calibration.scenario_writer`) and, with held-out days, the
   back-test (:mod:`simulator.calibration.backtest`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from simulator.calibration.arrivals import WEEKDAYS, fit_arrivals, weekday_of
from simulator.calibration.backtest import run_backtest
from simulator.calibration.contacts import contact_table
from simulator.calibration.durations import HANDLE_FAMILIES, MIN_EVENTS, FamilyFit, fit_families
from simulator.calibration.journeys import classify_origins, fit_ivr, fit_transfers
from simulator.calibration.patience import PatienceFit, fit_patience
from simulator.calibration.reading import SECONDS_PER_DAY, ContactLog, LogError, read_log
from simulator.calibration.result import FitResult
from simulator.calibration.scenario_writer import scenario_data
from simulator.calibration.staffing import busy_lower_bound, read_staffing

__all__ = ["fit_log"]

DEFAULT_GROUP = "agents"
"""Agent group of legs whose group the log does not give."""
NOT_MODELLED = {
    "blocked": "were blocked: the fitted scenario has no line limit (set `lines`)",
    "callback_accepted": "accepted a callback: the fitted scenario offers none (their waits "
    "count as censored patience)",
    "voicemail": "left a voicemail: the fitted scenario has none (their waits count as "
    "censored patience)",
    "self_served": "were served by the IVR: the fitted IVR has no self-service menu",
}
"""Outcomes in a log that the fitted scenario does not reproduce, and what to do."""


def _grid(contacts: pd.DataFrame, interval_s: float) -> tuple[float, float]:
    seconds = contacts["seconds"].to_numpy()
    open_s = math.floor(seconds.min() / interval_s) * interval_s
    close_s = min(SECONDS_PER_DAY, (math.floor(seconds.max() / interval_s) + 1) * interval_s)
    return float(open_s), float(close_s)


def _mode(values: pd.Series) -> str:
    counts = values.value_counts()
    return str(counts.index[0])


def _handle_fits(legs: pd.DataFrame, column: str, key: str) -> dict[str, list[FamilyFit]]:
    """Duration fits of ``column`` per value of ``key``, where there are enough values and
    their median is positive (a column of zeros means there is no such time).
    """
    result: dict[str, list[FamilyFit]] = {}
    for name, rows in legs.groupby(key, sort=True):
        values = rows[column].dropna().to_numpy()
        if len(values) >= MIN_EVENTS and np.median(values) > 0:
            result[str(name)] = fit_families(values, families=HANDLE_FAMILIES)
    return result


def fit_log(
    log: Path | str | ContactLog,
    *,
    staffing: Path | str | None = None,
    interval_minutes: int = 30,
    by_weekday: bool = False,
    holdout_days: int = 0,
    columns: Mapping[str, str] | None = None,
    service_level_s: float = 20.0,
    redial_window_minutes: float = 120.0,
    recontact_window_days: float = 7.0,
    backtest_replications: int = 20,
    seed: int = 1,
    workers: int | None = None,
) -> FitResult:
    """Fit a scenario from a contact log; see :func:`simulator.calibration.fit` for the parameters.

    Raises
    ------
    LogError
        For a log, staffing file or option that cannot be used.
    """
    if interval_minutes < 1 or 1440 % interval_minutes:
        raise LogError(
            f"--interval-minutes must divide a day (1440 min) exactly, got {interval_minutes}"
        )
    if holdout_days < 0:
        raise LogError(f"--holdout-days must be 0 or more, got {holdout_days}")
    if backtest_replications < 2:
        raise LogError(f"back-test replications must be at least 2, got {backtest_replications}")
    contact_log = log if isinstance(log, ContactLog) else read_log(Path(log), columns)
    legs = contact_log.legs.copy()
    answered_any = legs["answered"].notna()
    if (legs.loc[answered_any, "agent_group"] == "").all():
        legs["agent_group"] = DEFAULT_GROUP  # no groups in the log: one group serves all
    contacts = contact_table(contact_log)
    interval_s = interval_minutes * 60.0
    open_s, close_s = _grid(contacts, interval_s)
    intervals = round((close_s - open_s) / interval_s)
    days = sorted(int(d) for d in contacts["day"].unique())
    if holdout_days >= len(days):
        raise LogError(
            f"--holdout-days {holdout_days}: the log has {len(days)} day(s) with calls; "
            "at least one must remain to fit on"
        )
    held = days[len(days) - holdout_days :] if holdout_days else []
    fitted = days[: len(days) - holdout_days]
    warnings: list[str] = []
    if len(fitted) < 2:
        warnings.append(
            "only one day to fit on: the day-to-day variation of volumes cannot be estimated"
        )

    windows = (redial_window_minutes * 60.0, recontact_window_days * SECONDS_PER_DAY)
    origin = classify_origins(contacts, open_s, close_s, *windows)[0]
    contacts["origin"] = origin
    in_fit = contacts["day"].isin(fitted)
    # Redial and recontact shares from the fitted days only (the held-out days are unseen).
    _, recontacted, redial, recontact = classify_origins(
        contacts[in_fit], open_s, close_s, *windows
    )
    fit_contacts = contacts[in_fit]
    fit_ids = set(fit_contacts["contact_id"])
    fit_legs = legs[legs["contact_id"].isin(fit_ids)]
    call_types = sorted(contacts["call_type"].unique())
    queues = sorted(set(legs["queue"]) | {q for path in contacts["path"] for q in path})
    targets = {ct: _mode(contacts.loc[contacts["call_type"] == ct, "queue"]) for ct in call_types}

    arrivals = fit_arrivals(
        fit_contacts[fit_contacts["origin"] == "first"],
        call_types,
        np.asarray(fitted),
        open_s,
        interval_s,
        intervals,
        contact_log.first_date,
        by_weekday,
    )
    # Legs answered by a group the log does not name (the first leg of a transferred
    # contact in a simulator's log) count for talk times but not for groups.
    answered_legs = fit_legs[fit_legs["answered"].notna()]
    grouped_legs = answered_legs[answered_legs["agent_group"] != ""]
    handle = _handle_fits(answered_legs, "talk_s", "call_type")
    wrap = _handle_fits(answered_legs, "wrap_up_s", "call_type")
    groups = sorted(set(grouped_legs["agent_group"])) or [DEFAULT_GROUP]
    handle_by_group: dict[str, list[FamilyFit]] = {}
    factor: dict[str, float] = {}
    if len(groups) > 1:
        handle_by_group = _handle_fits(grouped_legs, "talk_s", "agent_group")
        type_mean = answered_legs.groupby("call_type")["talk_s"].mean()
        for group, rows in grouped_legs.groupby("agent_group"):
            talk = rows["talk_s"].dropna()
            if len(talk) >= MIN_EVENTS:
                expected = rows.loc[talk.index, "call_type"].map(type_mean).mean()
                factor[str(group)] = float(talk.mean() / expected)

    patience: dict[str, PatienceFit] = {}
    balk: dict[str, float] = {}
    for ct in call_types:
        rows = fit_contacts[fit_contacts["call_type"] == ct]
        queued = rows[rows["first_wait"].notna() & (rows["first_outcome"] != "balked")]
        patience[ct] = fit_patience(
            ct, queued["first_wait"].to_numpy(), (queued["first_outcome"] == "abandoned").to_numpy()
        )
        balked = int((rows["first_outcome"] == "balked").sum())
        if balked:
            balk[ct] = balked / (balked + int((queued["first_wait"] > 0).sum()))

    transfers = fit_transfers(fit_contacts, recontacted)
    ivr = fit_ivr(fit_legs) if fit_legs["ivr_s"].notna().any() else None
    skills = {
        g: sorted(set(grouped_legs.loc[grouped_legs["agent_group"] == g, "queue"])) for g in groups
    }
    unserved = [q for q in queues if not any(q in s for s in skills.values())]
    if unserved:
        busiest = max(groups, key=lambda g: int((grouped_legs["agent_group"] == g).sum()))
        skills[busiest] = sorted(set(skills.get(busiest, [])) | set(unserved))
        warnings.append(
            f"no agent answered queue(s) {', '.join(unserved)} in the fitted days; "
            f"the scenario gives them to group {busiest}"
        )
    holdout_staff: dict[str, list[int]] | None = None
    if staffing is not None:
        staff_path = Path(staffing)
        per_interval = read_staffing(
            staff_path, groups, open_s, interval_s, intervals, contact_log.first_date, fitted
        )
        if held:
            holdout_staff = read_staffing(
                staff_path, groups, open_s, interval_s, intervals, contact_log.first_date, held
            )
        source = "file"
        missing = [g for g in groups if g not in per_interval]
        if missing:
            bound = busy_lower_bound(fit_legs, open_s, interval_s, intervals, fitted)
            for g in missing:
                per_interval[g] = bound.get(g, [0] * intervals)
            warnings.append(
                f"{staff_path.name} has no rows for group(s) {', '.join(missing)}: their "
                "staffing is the lower bound read off the log"
            )
            source = "file and lower bound"
    else:
        per_interval = busy_lower_bound(fit_legs, open_s, interval_s, intervals, fitted)
        source = "lower bound"
        warnings.append(
            "no --staffing file: staffing is the most agents seen busy at once per interval, "
            "a lower bound on the agents who were staffed (simulated waits and abandonment "
            "will be too high if agents were idle)"
        )
    staffing_table = {g: per_interval.get(g, [0] * intervals) for g in groups}
    outcomes = fit_contacts["outcome"].value_counts()
    for outcome, what in NOT_MODELLED.items():
        if outcomes.get(outcome, 0):
            warnings.append(f"{outcomes[outcome]:,} contacts {what}")
    for name in call_types:
        if name not in handle:
            warnings.append(
                f"call type {name}: fewer than {MIN_EVENTS} talk times, handle time set to an "
                "exponential with their mean"
            )
    for name, fits in patience.items():
        if not fits.fits:
            warnings.append(
                f"call type {name}: fewer than {MIN_EVENTS} abandons, patience left infinite"
            )

    result = FitResult(
        source=contact_log.source,
        first_date=contact_log.first_date,
        open_s=open_s,
        close_s=close_s,
        interval_minutes=interval_minutes,
        service_level_s=service_level_s,
        fit_days=fitted,
        holdout_days=held,
        queues=queues,
        targets=targets,
        arrivals=arrivals,
        handle=handle,
        handle_by_group=handle_by_group,
        handle_factor=factor,
        wrap=wrap,
        patience=patience,
        balk=balk,
        redial=redial,
        recontact=recontact,
        transfers=transfers,
        ivr=ivr,
        skills=skills,
        staffing=staffing_table,
        staffing_source=source,
        contacts=contacts,
        origins=origin,
        talk_times={
            str(ct): rows["talk_s"].dropna().to_numpy()
            for ct, rows in answered_legs.groupby("call_type")
        },
        warnings=warnings,
    )
    result.scenario_data = scenario_data(result, weekdays=by_weekday)
    result.scenario  # noqa: B018 - validate now: a fitted scenario must load
    if held:
        backtest_data = dict(result.scenario_data)
        if by_weekday:
            held_w = weekday_of(contact_log.first_date, np.asarray(held))
            profiles = {
                a.call_type: list(
                    np.mean([a.by_weekday.get(WEEKDAYS[w], a.profile) for w in held_w], axis=0)
                )
                for a in arrivals
            }
            backtest_data = scenario_data(result, profiles)
        if holdout_staff is not None:
            groups_data = []
            for group in backtest_data["agent_groups"]:
                staff = holdout_staff.get(group["name"])
                groups_data.append({**group, "per_interval": staff} if staff else group)
            backtest_data = {**backtest_data, "agent_groups": groups_data}
        result.backtest = run_backtest(
            backtest_data,
            contacts[contacts["day"].isin(held)],
            len(held),
            backtest_replications,
            seed,
            result.interval_labels(),
            workers,
        )
    return result
