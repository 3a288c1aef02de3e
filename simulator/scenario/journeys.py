"""Scenario models of the caller's journey: IVR menus, transfers, escalation, incentives,
recontacts.

Cross-references (queue names, reachability of every call type's target through the
menu, escalation targets) are checked by ``Scenario`` once the whole file is known.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import Field, model_validator

from simulator.distributions import Deterministic, Distribution, NoDistribution
from simulator.scenario.base import Duration, NonNegative, Probability, StrictModel
from simulator.scenario.variants import default_tag

__all__ = [
    "DEFAULT_ESCALATION_PATH",
    "DEFAULT_INCENTIVE_SCHEME",
    "DEFAULT_TRANSFER_MODE",
    "INCENTIVE_EFFECTS",
    "CallsPerHourIncentive",
    "ColdTransfers",
    "ContextTransfers",
    "Escalation",
    "EscalationSpec",
    "HandleTimeTargetIncentive",
    "Incentive",
    "IncentiveSpec",
    "Ivr",
    "ManagementEscalation",
    "Menu",
    "MenuOption",
    "NoEscalation",
    "NoIncentive",
    "ProactiveUpdates",
    "Recontact",
    "ResolutionIncentive",
    "SelfService",
    "SupervisorEscalation",
    "Transfers",
    "TransfersSpec",
    "WarmTransfers",
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


class _TransfersBase(StrictModel):
    """What every transfer mode shares: where unresolved contacts go, and when callers
    give up being passed on.
    """

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


class ColdTransfers(_TransfersBase):
    """The first agent is freed at once; the caller queues again and explains again."""

    mode: Literal["cold"] = Field(
        default="cold", description="`cold`: the caller starts over with the next agent."
    )


class WarmTransfers(_TransfersBase):
    """The first agent stays on the line until the next one answers, and briefs them (both
    busy during the briefing); the caller does not explain again.
    """

    mode: Literal["warm"] = Field(description="`warm`: the agent hands the caller over.")
    briefing: Duration = Field(
        default_factory=lambda: Deterministic(value=30.0),
        description="How long the first agent briefs the next (seconds).",
    )


class ContextTransfers(_TransfersBase):
    """Cold, but a note passed along spares the re-explanation with
    probability ``context_keeps_story``.
    """

    mode: Literal["context"] = Field(description="`context`: cold, with a note.")
    context_keeps_story: Probability = Field(
        default=0.8, description="Chance the note spares the caller a re-explanation."
    )


DEFAULT_TRANSFER_MODE = "cold"

TransfersSpec = ColdTransfers | WarmTransfers | ContextTransfers
"""Every transfer mode's model."""

Transfers = Annotated[
    TransfersSpec, Field(discriminator="mode"), default_tag("mode", DEFAULT_TRANSFER_MODE)
]
"""The ``transfers`` key: the model its ``mode`` names (``cold`` when left out)."""


# --------------------------------------------------------------------------- escalation


class NoEscalation(StrictModel):
    """No path up: the agent offers the scripted remedy and the contact ends unresolved."""

    path: Literal["none"] = Field(default="none", description="`none`: no path up.")
    role: ClassVar[None] = None
    queue: ClassVar[None] = None


class _EscalationUp(StrictModel):
    """A path to the queue of a group with authority."""

    role: ClassVar[str]
    """The role of the groups whose first queue is the default destination."""
    queue: str | None = Field(
        default=None,
        description=(
            "The queue escalated callers join; default: the first queue served by a group "
            "with the path's role (supervisor, or manager for path management)."
        ),
    )


class SupervisorEscalation(_EscalationUp):
    """Transfer to the supervisors' queue."""

    path: Literal["supervisor"] = Field(description="`supervisor`: to the supervisors.")
    role: ClassVar[str] = "supervisor"


class ManagementEscalation(_EscalationUp):
    """A direct line to the managers' queue."""

    path: Literal["management"] = Field(description="`management`: straight to management.")
    role: ClassVar[str] = "manager"


DEFAULT_ESCALATION_PATH = "none"

EscalationSpec = NoEscalation | SupervisorEscalation | ManagementEscalation
"""Every escalation path's model."""

Escalation = Annotated[
    EscalationSpec, Field(discriminator="path"), default_tag("path", DEFAULT_ESCALATION_PATH)
]
"""The ``escalation`` key: where a caller who needs a decision goes when the agent cannot
decide (the model its ``path`` names; ``none`` when left out)."""


# --------------------------------------------------------------------------- incentives
#
# The default effect sizes of each scheme are ASSUMPTIONS to calibrate, not measured
# effects: published accounts give only the direction (rewarding calls per hour makes
# agents rush and shed hard calls; rewarding solving makes calls longer and resolved).
# A scenario overrides any of them under ``incentive:``.


def _handle_time_factor(default: float) -> Any:
    return Field(default=default, gt=0, description="Front-line talk-time multiplier.")


def _resolve_factor(default: float) -> Any:
    return Field(
        default=default,
        gt=0,
        description="Front-line resolve-probability multiplier (the result capped at 1).",
    )


def _transfer_factor(default: float) -> Any:
    return Field(
        default=default,
        ge=0,
        description=(
            "Multiplier on the transfer-matrix row of a contact a front-line agent did not "
            "resolve (a row pushed above 1 in total is scaled back to 1)."
        ),
    )


class NoIncentive(StrictModel):
    """No reward scheme: agents work as their group's parameters say."""

    scheme: Literal["none"] = Field(default="none", description="`none`: no reward scheme.")

    def effects(self) -> tuple[float, float, float]:
        """(handle time, resolve probability, transfer propensity) multipliers: none."""
        return (1.0, 1.0, 1.0)


class _RewardScheme(StrictModel):
    """A scheme that changes how front-line agents (role ``agent``) work."""

    handle_time_factor: float
    resolve_factor: float
    transfer_factor: float

    def effects(self) -> tuple[float, float, float]:
        """(handle time, resolve probability, transfer propensity) multipliers in force."""
        return (self.handle_time_factor, self.resolve_factor, self.transfer_factor)


class CallsPerHourIncentive(_RewardScheme):
    """Rewarding calls per hour: agents rush, resolve less and pass hard calls on."""

    scheme: Literal["calls_per_hour"] = Field(description="`calls_per_hour`.")
    handle_time_factor: float = _handle_time_factor(0.80)
    resolve_factor: float = _resolve_factor(0.85)
    transfer_factor: float = _transfer_factor(1.5)


class HandleTimeTargetIncentive(_RewardScheme):
    """A handle-time target: a milder rush than calls per hour."""

    scheme: Literal["handle_time_target"] = Field(description="`handle_time_target`.")
    handle_time_factor: float = _handle_time_factor(0.90)
    resolve_factor: float = _resolve_factor(0.93)
    transfer_factor: float = _transfer_factor(1.2)


class ResolutionIncentive(_RewardScheme):
    """Rewarding problems solved: longer calls, more of them resolved, fewer passed on."""

    scheme: Literal["resolution"] = Field(description="`resolution`.")
    handle_time_factor: float = _handle_time_factor(1.20)
    resolve_factor: float = _resolve_factor(1.10)
    transfer_factor: float = _transfer_factor(0.7)


DEFAULT_INCENTIVE_SCHEME = "none"

IncentiveSpec = (
    NoIncentive | CallsPerHourIncentive | HandleTimeTargetIncentive | ResolutionIncentive
)
"""Every incentive scheme's model."""

Incentive = Annotated[
    IncentiveSpec, Field(discriminator="scheme"), default_tag("scheme", DEFAULT_INCENTIVE_SCHEME)
]
"""The ``incentive`` key: how front-line agents are rewarded, and what that does to them
(the model its ``scheme`` names; ``none`` when left out)."""

INCENTIVE_EFFECTS: dict[str, tuple[float, float, float]] = {
    scheme.scheme: scheme.effects()
    for scheme in (
        NoIncentive(),
        CallsPerHourIncentive(scheme="calls_per_hour"),
        HandleTimeTargetIncentive(scheme="handle_time_target"),
        ResolutionIncentive(scheme="resolution"),
    )
}
"""Default (handle time, resolve probability, transfer propensity) multipliers per scheme,
read from the models (a table for documentation)."""
