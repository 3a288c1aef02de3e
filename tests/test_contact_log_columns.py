"""The contact log leaves out columns of unused features, and loses nothing by it.

A run whose scenario does not use callbacks, announcements, warm transfers, callers
who need authority or time zones writes rows without those columns, and the log fills
them in with the value every contact would have had. These tests run scenarios that
use each feature twice, once with the shortened rows and once with every column read
from every contact, and require identical logs, byte for byte.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import simulator.model.replication as replication
from simulator.metrics.log import CONTACT_DTYPE
from simulator.model.log_row import fixed_columns
from simulator.model.rules import compile_rules
from simulator.scenario import Scenario, load_scenario

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"

FEATURE_SCENARIOS = {
    "callback_virtual_hold.yaml": ("attempts", "dialled_at", "predicted", "tz_h"),
    "voicemail.yaml": ("attempts", "backoffice", "tz_h"),
    "announcement_optimistic.yaml": ("predicted", "announced"),
    "bank_warm_transfer.yaml": ("handoff",),
    "brand_line_empowered.yaml": ("authority_at",),
}
"""Scenario file -> columns its features fill, which must not be left out."""


def _fixed(scenario: Scenario) -> dict[str, object]:
    return fixed_columns(compile_rules(scenario))


def _log(scenario: Scenario) -> np.ndarray:
    out = replication.simulate_replication(scenario, 0, keep_contacts=True)
    assert out.contact_chunks is not None
    return np.concatenate(out.contact_chunks)


@pytest.mark.parametrize("name", sorted(FEATURE_SCENARIOS))
def test_feature_columns_are_read_from_contacts(name: str) -> None:
    scenario = load_scenario(SCENARIOS / name)
    fixed = _fixed(scenario)
    assert not set(FEATURE_SCENARIOS[name]) & set(fixed)


@pytest.mark.parametrize("name", [*sorted(FEATURE_SCENARIOS), "retail_bank_day.yaml"])
def test_short_rows_give_the_full_log(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    scenario = load_scenario(SCENARIOS / name)
    short = _log(scenario)
    monkeypatch.setattr(replication, "fixed_columns", lambda *args, **kwargs: {})
    full = _log(scenario)
    assert short.dtype == full.dtype == CONTACT_DTYPE
    assert len(short) == len(full) > 0
    assert short.tobytes() == full.tobytes()


def test_a_plain_day_leaves_out_every_unused_feature() -> None:
    scenario = load_scenario(SCENARIOS / "retail_bank_day.yaml")
    assert set(_fixed(scenario)) >= {"attempts", "dialled_at", "predicted", "announced"}
