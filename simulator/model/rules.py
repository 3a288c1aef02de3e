"""The compile step: a scenario becomes the runtime rules the model follows.

Names become indices, options become policy objects and flags, and each part of the
journey gets the few numbers it needs. The model (``Centre`` and its stages) receives
a :class:`CentreRules`, never the scenario: what a stage may depend on is visible in
the fields below, and compiling once lets every replication share the result.
(Random draws are not rules: they are set up per replication from the scenario's
distributions in ``callers.py``.)
"""

from __future__ import annotations

from dataclasses import dataclass

from simulator.model.behaviour import CallerBehaviour
from simulator.model.journey import JourneyRules
from simulator.policies.announcements import Announcer, make_announcer
from simulator.policies.callbacks import CallbackMode, make_callback_mode
from simulator.policies.routing import (
    RoutingPolicy,
    SkillStructure,
    make_routing_policy,
    skill_structure,
)
from simulator.policies.transfers import TransferMode, make_transfer_mode
from simulator.policies.waits import WaitPredictor, make_wait_predictor
from simulator.scenario import Calendar, Scenario
from simulator.scenario.contact_back import CallbackSpec, Voicemail
from simulator.scenario.journeys import Ivr

__all__ = [
    "CentreRules",
    "ChatRules",
    "EmailRules",
    "OverflowRule",
    "WaitRules",
    "compile_rules",
]

NO_LINE_LIMIT = -1
"""``CentreRules.lines`` when the scenario sets no trunk-line limit."""


@dataclass(frozen=True)
class OverflowRule:
    """A contact waiting in ``from_queue`` for ``after_s`` may also be served from ``to``."""

    from_queue: int
    to: int
    after_s: float


@dataclass(frozen=True)
class WaitRules:
    """How waits are estimated and announced."""

    predictor: WaitPredictor
    queue_groups: list[list[int]]
    """Groups that serve each queue (their agents on duty feed the estimate)."""
    mean_service_s: list[float]
    """Mean agent time per call type: handle time, wrap-up and one explanation."""
    announcer: Announcer | None
    """What a caller who must wait is told (None: nothing)."""


@dataclass(frozen=True)
class ChatRules:
    """Which queues are chat, and each group's chat capacity."""

    is_chat: list[bool]
    """Per queue."""
    slots: list[int]
    """Per group: chats an agent holds at once."""
    slowdown: list[float]
    """Per group: with k chats each runs at speed 1 / (1 + slowdown x (k - 1))."""
    tiers: list[list[list[int]]]
    """Per group: its chat queues in priority tiers (what a free chat slot takes)."""

    @property
    def any(self) -> bool:
        """Whether the scenario has a chat queue at all."""
        return any(self.is_chat)


@dataclass(frozen=True)
class EmailRules:
    """Which queues are e-mail, and which of them each group answers."""

    is_email: list[bool]
    """Per queue."""
    tiers: list[list[list[int]]]
    """Per group: its e-mail queues in priority tiers (what a free agent takes when no
    call or chat it serves is waiting)."""

    @property
    def any(self) -> bool:
        """Whether the scenario has an e-mail queue at all."""
        return any(self.is_email)


@dataclass(frozen=True)
class CentreRules:
    """Everything the model needs from a scenario, by index."""

    calendar: Calendar
    n_queues: int
    queue_index: dict[str, int]
    skills: SkillStructure
    routing: RoutingPolicy
    overflow: list[OverflowRule]
    target: list[int]
    """Queue that can resolve each call type."""
    balk_probability: list[float]
    lines: int
    """Trunk lines (``NO_LINE_LIMIT`` when unlimited)."""
    journey: JourneyRules
    transfer_mode: TransferMode
    ivr: Ivr | None
    explains: bool
    """Callers spend time telling their story to each agent who does not know it."""
    recontact_probability: float
    """Chance an unresolved caller calls again (proactive updates already applied)."""
    case_history: bool
    """A recontacting caller's story is known to the next agent."""
    waits: WaitRules
    callback: CallbackSpec | None
    callback_mode: CallbackMode | None
    """When an accepted callback is queued (None without callbacks)."""
    voicemail: Voicemail | None
    chat: ChatRules
    email: EmailRules
    behaviour: CallerBehaviour
    """Handle-time and patience multipliers of each call type by interval of the day."""
    time_zones: list[float]
    """The callers' time zones (hours from the site clock)."""
    needs_authority: list[float]
    """Per call type, the share of callers who need someone who can decide."""

    @property
    def predicts(self) -> bool:
        """Whether a caller who must wait needs a wait estimate (offer, voicemail, announce)."""
        vm = self.voicemail
        return (
            self.callback is not None
            or (vm is not None and vm.when_expected_wait_s_over is not None)
            or self.waits.announcer is not None
        )


def _wait_rules(scenario: Scenario, queue_groups: list[list[int]]) -> WaitRules:
    explain = scenario.callers.explain_time
    extra = explain.mean if explain is not None else 0.0
    return WaitRules(
        predictor=make_wait_predictor(scenario.wait_estimate),
        queue_groups=queue_groups,
        mean_service_s=[
            ct.handle_time.mean + (ct.wrap_up.mean if ct.wrap_up is not None else 0.0) + extra
            for ct in scenario.call_types
        ],
        announcer=make_announcer(scenario.announcement),
    )


def compile_rules(scenario: Scenario) -> CentreRules:
    """Compile ``scenario`` into the rules of its centre."""
    queue_index = {name: i for i, name in enumerate(scenario.queue_names)}
    skills = skill_structure(
        scenario.queue_names,
        [g.name for g in scenario.agent_groups],
        [dict(g.skills) for g in scenario.agent_groups],
    )
    recontact = scenario.callers.recontact
    return CentreRules(
        calendar=scenario.calendar,
        n_queues=len(queue_index),
        queue_index=queue_index,
        skills=skills,
        routing=make_routing_policy(scenario.routing, skills),
        overflow=[
            OverflowRule(queue_index[rule.from_], queue_index[rule.to], rule.after_s)
            for rule in scenario.routing.overflow
        ],
        target=[queue_index[ct.target] for ct in scenario.call_types],
        balk_probability=[ct.balk_probability for ct in scenario.call_types],
        lines=scenario.lines if scenario.lines is not None else NO_LINE_LIMIT,
        journey=JourneyRules(scenario),
        transfer_mode=make_transfer_mode(scenario.transfers),
        ivr=scenario.ivr,
        explains=scenario.callers.explain_time is not None,
        recontact_probability=(
            recontact.probability * (1.0 - scenario.proactive_updates.recontact_reduction)
            if recontact is not None
            else 0.0
        ),
        case_history=scenario.callers.case_history,
        waits=_wait_rules(scenario, skills.queue_groups),
        callback=scenario.callback,
        callback_mode=(
            make_callback_mode(scenario.callback) if scenario.callback is not None else None
        ),
        voicemail=scenario.voicemail,
        chat=_chat_rules(scenario, skills),
        email=_email_rules(scenario, skills),
        behaviour=CallerBehaviour(scenario),
        time_zones=scenario.callers.timezone_offsets()[0],
        needs_authority=[ct.needs_authority for ct in scenario.call_types],
    )


def _chat_rules(scenario: Scenario, skills: SkillStructure) -> ChatRules:
    is_chat = [queue.channel == "chat" for queue in scenario.queues]
    return ChatRules(
        is_chat=is_chat,
        slots=[g.chat.slots for g in scenario.agent_groups],
        slowdown=[g.chat.slowdown for g in scenario.agent_groups],
        tiers=_tiers_among(is_chat, skills),
    )


def _email_rules(scenario: Scenario, skills: SkillStructure) -> EmailRules:
    is_email = [queue.channel == "email" for queue in scenario.queues]
    return EmailRules(
        is_email=is_email,
        tiers=_tiers_among(is_email, skills),
    )


def _tiers_among(chosen: list[bool], skills: SkillStructure) -> list[list[list[int]]]:
    """Each group's priority tiers kept to the ``chosen`` queues (empty tiers dropped)."""
    return [
        [tier for tier in ([q for q in tier if chosen[q]] for tier in tiers) if tier]
        for tiers in skills.group_tiers
    ]
