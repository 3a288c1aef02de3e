"""What a planner can change on the what-if page, and the scenario changes each control makes.

Every control is turned into key-path changes (``agent_groups[0].staffing``,
``routing.policy``, ``call_types[1].patience``: the paths of ``ccsim sweep --set``),
and the changed scenario is validated by the scenario model like any file. A bad
value is never evaluated or patched up: it comes back as the scenario layer's
message with its key path, attributed to the control that set it.

The controls (only those that mean something for the scenario are offered):

* **agents per group** — a group staffed with a constant ``staffing: N`` gets an agent
  count; a group staffed by ``shifts`` or ``per_interval`` gets a multiplier on every
  count (rounded half up; a shift that rounds to no one is dropped);
* **volume, handle-time and patience multipliers** — every call type's expected volume
  (a rate, a profile, or the values of its CSV file, which are written out as a
  profile), talk-time distribution and patience distribution scaled by the factor (a
  distribution is scaled by multiplying its mean, value, bounds or values; a CV or
  an Erlang ``k`` is a shape and stays);
* **routing policy** (its own parameters at their defaults, the overflow rules kept),
  **transfer mode** (when the scenario transfers) and **announcement**;
* **IVR** (when the scenario has a menu): as in the scenario, ``flat`` (one level, one key
  per destination, the scenario's press-0 kept), ``deep`` (the same destinations two
  to a submenu behind a first level, no press-0) or ``none`` (callers go straight to
  their queue);
* **callbacks** on or off with the offer threshold (a scenario without callbacks gets
  the offer with ``accept_probability`` :data:`DEFAULT_CALLBACK_ACCEPT` and the model's
  defaults for the rest);
* **replications** — how many the page runs (``replications`` of the scenario, validated
  like the rest; it changes the precision, not the centre).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from simulator.scenario import Scenario, ScenarioError, scenario_from_dict, scenario_to_dict
from simulator.scenario.changes import OverrideError, apply_overrides, parse_axes
from simulator.scenario.contact_back import Announcement
from simulator.scenario.journeys import Transfers
from simulator.scenario.routing import RoutingSpec
from simulator.scenario.variants import union_tags

__all__ = [
    "DEFAULT_CALLBACK_ACCEPT",
    "DEFAULT_CALLBACK_THRESHOLD_S",
    "IVR_LAYOUTS",
    "Applied",
    "Control",
    "apply_controls",
    "controls_for",
    "inline_volumes",
    "scale_distribution",
    "short_message",
    "with_changes",
]

DEFAULT_CALLBACK_THRESHOLD_S = 120.0
"""Offer threshold shown when the scenario has no callbacks (two minutes' expected wait)."""
DEFAULT_CALLBACK_ACCEPT = 0.5
"""Share of offered callers who accept, when the page adds callbacks to a scenario without."""
IVR_LAYOUTS = ("as in the scenario", "flat", "deep", "none")
"""The IVR control's choices."""
AS_IS = "as in the scenario"
"""The choice of a select control that keeps the scenario's own value."""
_SCALED_KEYS = ("mean", "value", "low", "high")
"""Keys of a distribution that carry its scale (the others — cv, k — are its shape)."""

Kind = Literal["agents", "multiplier", "choice", "switch", "seconds", "count"]


@dataclass(frozen=True)
class Control:
    """One input on the page: its key, label, kind, value for the scenario as it is,
    the choices of a select, and a line of help.
    """

    key: str
    label: str
    kind: Kind
    default: Any
    options: tuple[str, ...] = ()
    help: str = ""


@dataclass(frozen=True)
class Applied:
    """The outcome of the page's values: the changed scenario (``None`` when a value is bad),
    the key-path changes it carries, and each bad control's message (key ``""``: a problem
    only the combination of values has).
    """

    scenario: Scenario | None
    changes: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        """Whether the centre differs from the scenario as loaded (more or fewer
        replications alone change how precisely it is measured, not the centre).
        """
        return any(path != "replications" for path in self.changes)


def with_changes(
    scenario: Scenario, changes: Mapping[str, Any], base_dir: Path | None = None
) -> Scenario:
    """``scenario`` with each key path set to its value, validated again.

    The same machinery (and messages) as ``ccsim sweep --set``.

    Raises
    ------
    OverrideError
        Naming the key path and the scenario layer's problem.
    """
    if not changes:
        return scenario
    axes = parse_axes(scenario, {path: [value] for path, value in changes.items()})
    return apply_overrides(scenario, axes, dict(changes), base_dir)


def inline_volumes(scenario: Scenario, data: dict[str, Any]) -> dict[str, Any]:
    """``data`` (the scenario as a dict) with each volume read from a CSV file written out
    as its profile: the values the scenario read, so the simulation is the same, and
    nothing needs the file any more.
    """
    for model, call_type in zip(scenario.call_types, data["call_types"], strict=True):
        if "csv" in call_type["volume"]:
            values = model.volume.values_per_interval() or ()
            call_type["volume"] = {"profile_per_interval": list(values)}
    return data


def _without_files(scenario: Scenario) -> Scenario:
    """The same scenario with no reference to a CSV file (see :func:`inline_volumes`)."""
    if all(c.volume.csv is None for c in scenario.call_types):
        return scenario
    return scenario_from_dict(inline_volumes(scenario, scenario_to_dict(scenario)))


def scale_distribution(spec: Mapping[str, Any], factor: float) -> dict[str, Any]:
    """A distribution spec (as in the file) with its scale multiplied by ``factor``.

    Mean, value, bounds and empirical values scale; CV and ``k`` (shape) stay, so
    ``{dist: lognormal, mean: 300, cv: 0.8}`` times 1.1 is ``mean: 330, cv: 0.8``.
    ``{dist: none}`` (infinite patience) stays as it is.
    """
    scaled = dict(spec)
    for key in _SCALED_KEYS:
        if isinstance(scaled.get(key), int | float):
            scaled[key] = _tidy(scaled[key] * factor)
    if isinstance(scaled.get("values"), list):
        scaled["values"] = [_tidy(v * factor) for v in scaled["values"]]
    return scaled


def _tidy(x: float) -> float:
    """A product rounded to 9 significant digits, so exported files read cleanly."""
    return float(f"{x:.9g}") if math.isfinite(x) else x


def _round_half_up(x: float) -> int:
    return math.floor(x + 0.5)


def _staffing_kind(group: Mapping[str, Any]) -> Kind:
    return "agents" if isinstance(group.get("staffing"), int) else "multiplier"


def controls_for(scenario: Scenario) -> list[Control]:
    """The controls that mean something for ``scenario``, set to its own values."""
    data = scenario_to_dict(scenario)
    controls: list[Control] = []
    for group in data["agent_groups"]:
        kind = _staffing_kind(group)
        controls.append(
            Control(
                key=f"staffing:{group['name']}",
                label=f"{group['name']} (agents)" if kind == "agents" else f"{group['name']} (×)",
                kind=kind,
                default=group["staffing"] if kind == "agents" else 1.0,
                help=(
                    "agents on duty all day"
                    if kind == "agents"
                    else "multiplier on every shift or interval count"
                ),
            )
        )
    controls += [
        Control("volume", "Volume ×", "multiplier", 1.0, help="expected calls of every type"),
        Control("handle_time", "Handle time ×", "multiplier", 1.0, help="talk time of every type"),
        Control("patience", "Patience ×", "multiplier", 1.0, help="how long callers wait"),
    ]
    routing = union_tags(RoutingSpec)
    if len(routing) > 1:
        controls.append(
            Control("routing", "Routing policy", "choice", scenario.routing.policy, routing)
        )
    if scenario.transfers.matrix:
        controls.append(
            Control(
                "transfers",
                "Transfer mode",
                "choice",
                scenario.transfers.mode,
                union_tags(Transfers),
                help="cold: explain again; warm: briefed; context: a note",
            )
        )
    if scenario.ivr is not None and scenario.ivr.menu is not None:
        controls.append(
            Control("ivr", "IVR menu", "choice", AS_IS, IVR_LAYOUTS, help="flat: one level")
        )
    has_callback = scenario.callback is not None
    controls += [
        Control("callbacks", "Callbacks", "switch", has_callback),
        Control(
            "callback_threshold_s",
            "Offer a callback above (s)",
            "seconds",
            scenario.callback.offer_when_expected_wait_s
            if scenario.callback is not None
            else DEFAULT_CALLBACK_THRESHOLD_S,
            help="expected wait that triggers the offer",
        ),
        Control(
            "announcement",
            "Wait announcement",
            "choice",
            scenario.announcement.mode,
            union_tags(Announcement),
        ),
        Control(
            "replications",
            "Replications",
            "count",
            scenario.replications,
            help="a quick result first, then refined to this many",
        ),
    ]
    return controls


# ----------------------------------------------------------------------------- changes


def _staffing_changes(data: dict[str, Any], name: str, value: Any) -> dict[str, Any]:
    index = next(i for i, g in enumerate(data["agent_groups"]) if g["name"] == name)
    group = data["agent_groups"][index]
    prefix = f"agent_groups[{index}]"
    if _staffing_kind(group) == "agents":
        return {} if value == group["staffing"] else {f"{prefix}.staffing": value}
    if value == 1:
        return {}
    factor = float(value)
    changes: dict[str, Any] = {}
    if group.get("shifts") is not None:
        shifts = [{**s, "count": _round_half_up(s["count"] * factor)} for s in group["shifts"]]
        if factor >= 0:
            shifts = [s for s in shifts if s["count"] > 0]
        changes[f"{prefix}.shifts"] = shifts
    if group.get("per_interval") is not None:
        changes[f"{prefix}.per_interval"] = [
            _round_half_up(v * factor) for v in group["per_interval"]
        ]
    return changes


def _volume_changes(scenario: Scenario, data: dict[str, Any], factor: float) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for i, (model, call_type) in enumerate(
        zip(scenario.call_types, data["call_types"], strict=True)
    ):
        volume = call_type["volume"]
        if "rate_per_hour" in volume:
            changes[f"call_types[{i}].volume.rate_per_hour"] = _tidy(
                volume["rate_per_hour"] * factor
            )
        else:
            values = model.volume.values_per_interval() or ()
            changes[f"call_types[{i}].volume"] = {
                "profile_per_interval": [_tidy(v * factor) for v in values]
            }
    return changes


def _scaled(data: dict[str, Any], key: str, factor: float) -> dict[str, Any]:
    return {
        f"call_types[{i}].{key}": scale_distribution(call_type[key], factor)
        for i, call_type in enumerate(data["call_types"])
        if call_type[key].get("dist") != "none"
    }


def _leaves(menu: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The menu's destinations (queue or self-service options), depth first, each once."""
    found: list[dict[str, Any]] = []
    seen: set[str] = set()

    def walk(level: Mapping[str, Any]) -> None:
        for option in level["options"].values():
            if "menu" in option:
                walk(option["menu"])
                continue
            key = json.dumps(option, sort_keys=True)
            if key not in seen:
                seen.add(key)
                found.append(dict(option))

    walk(menu)
    return found


def _menu(options: list[dict[str, Any]]) -> dict[str, Any]:
    return {"options": {str(k + 1): option for k, option in enumerate(options)}}


def _ivr_changes(data: dict[str, Any], layout: str) -> dict[str, Any]:
    if layout == AS_IS:
        return {}
    if layout == "none":
        return {"ivr": None}
    leaves = _leaves(data["ivr"]["menu"])
    if layout == "flat":
        return {"ivr.menu": _menu(leaves)}
    if layout == "deep":
        pairs = [leaves[k : k + 2] for k in range(0, len(leaves), 2)]
        changes: dict[str, Any] = {"ivr.menu": _menu([{"menu": _menu(p)} for p in pairs])}
        if data["ivr"].get("zero_out") is not None:
            changes["ivr.zero_out"] = None
        return changes
    raise OverrideError("ivr", f"unknown IVR layout {layout!r} (choose {', '.join(IVR_LAYOUTS)})")


def _callback_changes(
    scenario: Scenario, values: Mapping[str, Any], defaults: Mapping[str, Any]
) -> dict[str, Any]:
    on = values.get("callbacks", defaults["callbacks"])
    threshold = values.get("callback_threshold_s", defaults["callback_threshold_s"])
    if not on:
        return {"callback": None} if scenario.callback is not None else {}
    if scenario.callback is None:
        return {
            "callback": {
                "offer_when_expected_wait_s": threshold,
                "accept_probability": DEFAULT_CALLBACK_ACCEPT,
            }
        }
    if threshold == defaults["callback_threshold_s"]:
        return {}
    return {"callback.offer_when_expected_wait_s": threshold}


def _choice(path: str, value: Any, default: Any) -> dict[str, Any]:
    return {} if value in (default, AS_IS) else {path: value}


def _changes_of(
    scenario: Scenario,
    data: dict[str, Any],
    key: str,
    value: Any,
    values: Mapping[str, Any],
    defaults: Mapping[str, Any],
) -> dict[str, Any]:
    """The key-path changes control ``key`` makes with ``value``."""
    if key.startswith("staffing:"):
        return _staffing_changes(data, key.removeprefix("staffing:"), value)
    multipliers: dict[str, Callable[[float], dict[str, Any]]] = {
        "volume": lambda f: _volume_changes(scenario, data, f),
        "handle_time": lambda f: _scaled(data, "handle_time", f),
        "patience": lambda f: _scaled(data, "patience", f),
    }
    if key in multipliers:
        return {} if value == 1 else multipliers[key](float(value))
    if key == "routing":
        # A policy's parameters belong to it: the new one starts from its defaults and
        # keeps the overflow rules every policy shares.
        if value in (defaults[key], AS_IS):
            return {}
        return {"routing": {"policy": value, "overflow": data["routing"].get("overflow", [])}}
    if key == "transfers":
        return _choice("transfers.mode", value, defaults[key])
    if key == "announcement":
        return _choice("announcement.mode", value, defaults[key])
    if key == "ivr":
        return _ivr_changes(data, str(value))
    if key in ("callbacks", "callback_threshold_s"):
        return _callback_changes(scenario, values, defaults)
    if key == "replications":
        return {} if value == defaults[key] else {"replications": int(value)}
    raise KeyError(f"unknown control {key!r}")


def _bad_number(control: Control, value: Any) -> str | None:
    """A value the control cannot even turn into scenario data (not a finite number)."""
    if control.kind in ("choice", "switch"):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"{control.label}: expected a number, got {value!r}"
    if not math.isfinite(value):
        return f"{control.label}: expected a finite number, got {value!r}"
    if control.kind in ("agents", "count") and value != int(value):
        return f"{control.label}: expected a whole number, got {value!r}"
    return None


def short_message(error: OverrideError, shown: int = 2) -> str:
    """The scenario layer's problems behind ``error`` (each with its key path), the first
    ``shown`` of them and how many more: what fits beside a control.
    """
    _, found, problems = error.message.partition(" is not valid here: ")
    if not found:
        return f"{error.path}: {error.message}"
    items = problems.split("; ")
    more = len(items) - shown
    return "; ".join(items[:shown]) + (f" (and {more} more like it)" if more > 0 else "")


def apply_controls(
    scenario: Scenario, values: Mapping[str, Any], base_dir: Path | None = None
) -> Applied:
    """The scenario as the page's ``values`` (control key → value) make it.

    Each control's changes are validated on their own first, so a bad value is reported
    next to the control that set it, with the scenario layer's key-path message; then
    all together. Values missing from ``values`` keep the scenario's own. Volumes read
    from CSV files are carried as the values read, so no file is opened again.
    """
    original, scenario = scenario, _without_files(scenario)
    controls = {c.key: c for c in controls_for(scenario)}
    defaults = {key: c.default for key, c in controls.items()}
    data = scenario_to_dict(scenario)
    errors: dict[str, str] = {}
    changes: dict[str, Any] = {}
    for key, value in values.items():
        control = controls.get(key)
        if control is None:
            errors[key] = f"{key}: not a control of this scenario"
            continue
        if key == "callbacks" and "callback_threshold_s" in values:
            continue  # both make one change; a bad threshold is reported at the threshold
        problem = _bad_number(control, value)
        if problem is not None:
            errors[key] = problem
            continue
        try:
            own = _changes_of(scenario, data, key, value, values, defaults)
            with_changes(scenario, own, base_dir)
        except OverrideError as error:
            errors[key] = short_message(error)
            continue
        changes.update(own)
    if errors:
        return Applied(None, changes, errors)
    if not changes:
        return Applied(original, changes, {})
    try:
        changed = with_changes(scenario, changes, base_dir)
    except (OverrideError, ScenarioError) as error:
        return Applied(None, changes, {"": str(error)})
    return Applied(changed, changes, {})
