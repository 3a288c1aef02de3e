"""Scenario models of the caller's journey: IVR menus, transfers, escalation, incentives,
recontacts.

Cross-references (queue names, reachability of every call type's target through the
menu, escalation targets) are checked by ``Scenario`` once the whole file is known.
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, model_validator

from simulator.distributions import Deterministic, Distribution, NoDistribution
from simulator.scenario.base import Duration, NonNegative, Probability, StrictModel

__all__ = [
    "INCENTIVE_EFFECTS",
    "Escalation",
    "Incentive",
    "Ivr",
    "Menu",
    "MenuOption",
    "ProactiveUpdates",
    "Recontact",
    "SelfService",
    "Transfers",
    "ZeroOut",
]


def _positive_mean(delay: Distribution, what: str) -> None:
    if not delay.mean > 0:
        raise ValueError(f"the {what} delay must have a positive mean")


class Recontact(StrictModel):
    """An unresolved caller calls again later (a new contact with origin ``recontact``)."""

    probability: Probability = Field(description="Chance an unresolved caller calls again.")
    delay: Duration = Field(
        description="Time from the unresolved contact's end to the recontact (seconds)."
    )

    @model_validator(mode="after")
    def _delay_takes_time(self) -> Self:
        _positive_mean(self.delay, "recontact")
        return self


class ProactiveUpdates(StrictModel):
    """Keeping customers informed prevents "where is my case?" calls."""

    recontact_reduction: Probability = Field(
        default=0.0,
        description="Share by which proactive status updates lower the recontact probability.",
    )


# --------------------------------------------------------------------------- IVR


class SelfService(StrictModel):
    """A self-service leaf: it resolves some callers of ``queue``; the rest go on to ``queue``."""

    queue: str = Field(description="The queue whose callers this option serves.")
    resolve_probability: Probability = Field(
        description="Chance a caller of that queue is resolved by self-service."
    )
    time: Duration = Field(description="Time spent in self-service (seconds).")


class MenuOption(StrictModel):
    """One key of a menu: exactly one of a queue, a submenu or self-service."""

    queue: str | None = Field(default=None, description="Queue this option leads to.")
    menu: Menu | None = Field(default=None, description="A submenu.")
    self_service: SelfService | None = Field(default=None, description="A self-service leaf.")

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        given = [k for k in ("queue", "menu", "self_service") if getattr(self, k) is not None]
        if len(given) != 1:
            found = f"found {' and '.join(given)}" if given else "found none"
            raise ValueError(f"give exactly one of queue, menu or self_service; {found}")
        return self


class Menu(StrictModel):
    """A menu level: the options read out to the caller, in key order."""

    options: dict[str, MenuOption] = Field(
        min_length=1, description='Key pressed -> option, e.g. {"1": {queue: cards}}.'
    )


class ZeroOut(StrictModel):
    """Pressing 0 for a person: the caller joins ``queue`` and is served there like anyone
    else (resolved with that group's probability, or transferred along the matrix).
    """

    allowed: bool = Field(default=True, description="Whether 0 reaches a person.")
    queue: str = Field(description="The queue a caller pressing 0 joins.")
    probability: Probability = Field(
        default=0.0, description="Chance a caller presses 0 at the first menu."
    )


class Ivr(StrictModel):
    """An IVR in front of the queues.

    A caller hears the greeting, then at each level all the options
    (``seconds_per_option`` each) and picks the one leading to its call type's target
    — or, with probability ``misroute_per_option`` x options heard, a wrong one
    (chosen uniformly; below a wrong submenu it picks at random) — down to a leaf.
    A caller whose IVR patience runs out hangs up in the IVR.
    """

    greeting_s: NonNegative = Field(default=0.0, description="Greeting length (seconds).")
    seconds_per_option: NonNegative = Field(
        default=4.0, description="Time to read out one option (seconds)."
    )
    misroute_per_option: Probability = Field(
        default=0.0, description="Chance of a wrong choice per option heard at a level."
    )
    zero_out: ZeroOut | None = Field(default=None, description="Press 0 for a person.")
    patience: Distribution = Field(
        default_factory=NoDistribution,
        description="How long a caller tolerates the IVR before hanging up (seconds).",
    )
    menu: Menu | None = Field(
        default=None, description="The menu tree; absent: after the greeting, the target queue."
    )


# --------------------------------------------------------------------------- transfers


class Transfers(StrictModel):
    """What happens when an agent cannot resolve a contact."""

    mode: Literal["cold", "warm", "context"] = Field(
        default="cold",
        description=(
            "`cold`: the caller queues again and explains again; `warm`: the agent stays on "
            "the line until the next answers and briefs them (both busy), no re-explaining; "
            "`context`: cold, but a note spares the re-explanation with "
            "`context_keeps_story`."
        ),
    )
    context_keeps_story: Probability = Field(
        default=0.8, description="With mode=context: chance the note spares a re-explanation."
    )
    briefing: Duration = Field(
        default_factory=lambda: Deterministic(value=30.0),
        description="With mode=warm: how long the first agent briefs the next (seconds).",
    )
    max_per_contact: int = Field(
        default=10,
        ge=1,
        le=100,
        description=(
            "Transfers after which a caller gives up, unresolved (a cycle of departments that "
            "never resolve would otherwise bounce a patient caller forever)."
        ),
    )
    matrix: dict[str, dict[str, Probability]] = Field(
        default_factory=dict,
        description=(
            "From queue -> {to queue: probability} for contacts not resolved there; a row "
            "summing below 1 leaves the rest unresolved."
        ),
    )


class Escalation(StrictModel):
    """Where a caller who needs a decision goes when the agent cannot decide."""

    path: Literal["none", "supervisor", "management"] = Field(
        default="none",
        description=(
            "`none`: the agent offers the scripted remedy and the contact ends unresolved; "
            "`supervisor`: transfer to the supervisors' queue; `management`: a direct line to "
            "the managers' queue."
        ),
    )
    queue: str | None = Field(
        default=None,
        description=(
            "The queue escalated callers join; default: the first queue served by a group "
            "with role supervisor (or manager, for path management)."
        ),
    )


# --------------------------------------------------------------------------- incentives

INCENTIVE_EFFECTS: dict[str, tuple[float, float, float]] = {
    "none": (1.0, 1.0, 1.0),
    "calls_per_hour": (0.80, 0.85, 1.5),
    "handle_time_target": (0.90, 0.93, 1.2),
    "resolution": (1.20, 1.10, 0.7),
}
"""Default (handle time, resolve probability, transfer propensity) multipliers per scheme.

ASSUMPTIONS to calibrate, not measured effects: published accounts give only the direction
(rewarding calls per hour makes agents rush and shed hard calls; rewarding solving makes
calls longer and resolved). A scenario overrides any of them under ``incentive:``."""


class Incentive(StrictModel):
    """How front-line agents (role ``agent``) are rewarded, and what that does to them."""

    scheme: Literal["none", "calls_per_hour", "handle_time_target", "resolution"] = Field(
        default="none", description="The reward scheme."
    )
    handle_time_factor: float | None = Field(
        default=None, gt=0, description="Override: talk-time multiplier (default by scheme)."
    )
    resolve_factor: float | None = Field(
        default=None, gt=0, description="Override: resolve-probability multiplier (capped at 1)."
    )
    transfer_factor: float | None = Field(
        default=None,
        ge=0,
        description="Override: multiplier on the transfer-matrix row of an unresolved contact.",
    )

    def effects(self) -> tuple[float, float, float]:
        """(handle time, resolve probability, transfer propensity) multipliers in force."""
        handle, resolve, transfer = INCENTIVE_EFFECTS[self.scheme]
        return (
            self.handle_time_factor if self.handle_time_factor is not None else handle,
            self.resolve_factor if self.resolve_factor is not None else resolve,
            self.transfer_factor if self.transfer_factor is not None else transfer,
        )
