"""Write the SYNTHETIC sample contact log ``sample_centre.csv`` and its staffing file.

Nothing here comes from a real contact centre. The log is simulated by ccsim from
``sample_centre_truth.yaml`` for two weeks of weekdays (Monday 2 March to Friday 13
March 2026), Mondays with 30 % more calls, and written the way an ACD export reduces to
(one row per contact — the truth has no transfers — with ISO 8601 times, customer ids,
agent groups and ids, wrap-up). ``sample_centre_staffing.csv`` holds the planned
agents per interval. Run from the repository root::

    python scenarios/logs/make_sample_log.py

The output is the same on every run (fixed seeds).
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

import simulator
from simulator.calibration.export import contacts_to_log

HERE = Path(__file__).parent
FIRST_DAY = datetime.date(2026, 3, 2)  # a Monday
WEEKS = 2
MONDAY_FACTOR = 1.3


def _run(data: dict[str, Any], seed: int, days: int) -> pd.DataFrame:
    scenario = simulator.scenario_from_dict({**data, "seed": seed, "replications": days})
    return simulator.run(scenario).contacts()


def main() -> None:
    """Simulate the two weeks and write the log and the staffing file."""
    truth = yaml.safe_load((HERE / "sample_centre_truth.yaml").read_text())
    monday = yaml.safe_load((HERE / "sample_centre_truth.yaml").read_text())
    for call_type in monday["call_types"]:
        volume = call_type["volume"]
        if "profile_per_interval" in volume:
            volume["profile_per_interval"] = [
                round(x * MONDAY_FACTOR, 2) for x in volume["profile_per_interval"]
            ]
        else:
            volume["rate_per_hour"] = volume["rate_per_hour"] * MONDAY_FACTOR
    mondays = _run(monday, seed=11, days=WEEKS)
    others = _run(truth, seed=12, days=4 * WEEKS)
    logs = []
    for week in range(WEEKS):
        start = FIRST_DAY + datetime.timedelta(weeks=week)
        day = mondays[mondays["replication"] == week].assign(replication=0)
        log = contacts_to_log(day, start, 1)
        logs.append(log.assign(contact_id=f"m{week}-" + log["contact_id"]))
        rest = others[others["replication"].between(4 * week, 4 * week + 3)]
        rest = rest.assign(replication=rest["replication"] - 4 * week)
        log = contacts_to_log(rest, start + datetime.timedelta(days=1), 1)
        logs.append(log.assign(contact_id=f"w{week}-" + log["contact_id"]))
    log = pd.concat(logs, ignore_index=True)
    # Customer ids link contacts within a day; make them unique across the days too.
    log["customer_id"] = log["arrived_at"].str[:10] + "/" + log["customer_id"]
    log = log.sort_values(["arrived_at", "contact_id"], kind="stable")
    log.to_csv(HERE / "sample_centre.csv", index=False)

    rows = []
    scenario = simulator.scenario_from_dict(truth)
    labels = scenario.calendar.interval_labels()
    for group in scenario.agent_groups:
        per_interval = group.per_interval or [group.staffing or 0] * len(labels)
        rows += [
            {"interval_start": label, "agent_group": group.name, "agents": agents}
            for label, agents in zip(labels, per_interval, strict=True)
        ]
    pd.DataFrame(rows).to_csv(HERE / "sample_centre_staffing.csv", index=False)


if __name__ == "__main__":
    main()
