"""pydantic models of the scenario file: pure data, validated strictly.

Each model forbids unknown keys and is immutable; each field's description is
its reference documentation. Checks that involve one object live on its model
(a calendar's interval must divide its opening hours); checks that relate
objects to each other (a skill naming a queue, a profile as long as the
calendar's day) live on :class:`Scenario` and report every offender at once as
a :class:`~simulator.scenario.errors.ScenarioError`.

Times of day are strings ``"HH:MM"`` (``"24:00"`` allowed as a closing time);
durations are in seconds unless the key says minutes.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Annotated, Any, Literal, Self

import numpy as np
from pydantic import (
    Field,
    ValidationError,
    model_validator,
)

from simulator.distributions import Distribution, NoDistribution
from simulator.scenario.base import Date, Duration, Probability, StrictModel
from simulator.scenario.channels import ChatCapacity, email_problems
from simulator.scenario.clock import ClockTime, clock_label, minutes_of
from simulator.scenario.contact_back import (
    Announcement,
    Callback,
    NoAnnouncement,
    QueueLengthEstimate,
    Voicemail,
    WaitEstimate,
)
from simulator.scenario.demand import (
    MAX_CALLS_PER_DAY,
    WEEKDAYS,
    Busyness,
    Volume,
    Weekday,
    demand_problems,
)
from simulator.scenario.errors import (
    Problem,
    ScenarioError,
    join_path,
    key_segment,
    problems_from_validation_error,
)
from simulator.scenario.journey_checks import escalation_queue, journey_problems
from simulator.scenario.journeys import (
    ColdTransfers,
    Escalation,
    Incentive,
    Ivr,
    NoEscalation,
    NoIncentive,
    ProactiveUpdates,
    Recontact,
    Transfers,
)
from simulator.scenario.limits import scenario_limit_problems
from simulator.scenario.reachability import served_queues, unserved_route_problems
from simulator.scenario.routing import (
    Overflow,
    PriorityLongestIdleRouting,
    Routing,
)
from simulator.scenario.supply import (
    Break,
    MultiplierByInterval,
    ShareByInterval,
    break_problems,
    shift_agents_at_work,
    supply_problems,
    values_by_interval,
)

__all__ = [
    "AgentGroup",
    "Calendar",
    "CallType",
    "Callers",
    "Costs",
    "Overflow",
    "QueueSpec",
    "Redial",
    "Routing",
    "Scenario",
    "ServiceLevel",
    "Shift",
    "Volume",
]

SECONDS_PER_DAY = 86400.0

_Model = StrictModel

NonNegativeInt = Annotated[int, Field(ge=0)]


# --------------------------------------------------------------------------- calendar


class Calendar(_Model):
    """Opening hours and the interval grid on which volumes, staffing and KPIs are given."""

    days: int = Field(default=1, ge=1, description="Number of consecutive days simulated.")
    open: ClockTime = Field(
        default="08:00", description='Opening time "HH:MM": calls arrive from then on.'
    )
    close: ClockTime = Field(
        default="20:00",
        description='Closing time "HH:MM" (may be "24:00"), after `open`: no new calls after it.',
    )
    interval_minutes: int = Field(
        default=30,
        ge=1,
        description="Length of a planning interval; must divide the opening hours exactly.",
    )
    start_date: Date | None = Field(
        default=None,
        description=(
            "Date of the first day (YYYY-MM-DD): lets volumes vary by weekday and by date."
        ),
    )
    start_weekday: Weekday | None = Field(
        default=None,
        description="Weekday of the first day (mon ... sun), when no start_date is given.",
    )
    at_close: Literal["finish", "disconnect"] = Field(
        default="finish",
        description=(
            "What happens at closing: `finish` keeps the last interval's agents until every "
            "contact in the system is served or abandons; `disconnect` cuts off callers still "
            "waiting (counted as disconnected)."
        ),
    )

    @model_validator(mode="after")
    def _check_grid(self) -> Self:
        if self.start_date is not None and self.start_weekday is not None:
            weekday = WEEKDAYS[self.start_date.weekday()]
            if weekday != self.start_weekday:
                raise ScenarioError(
                    [
                        Problem(
                            "start_weekday",
                            f"{self.start_date.isoformat()} is a {weekday}, not a "
                            f"{self.start_weekday}: give one of start_date and start_weekday",
                        )
                    ]
                )
        start, end = minutes_of(self.open), minutes_of(self.close)
        if end <= start:
            raise ScenarioError(
                [Problem("close", f"must be after open ({self.open}), got {self.close!r}")]
            )
        if (end - start) % self.interval_minutes:
            raise ScenarioError(
                [
                    Problem(
                        "interval_minutes",
                        f"must divide the opening hours {self.open}-{self.close} "
                        f"({end - start} min) exactly, got {self.interval_minutes}",
                    )
                ]
            )
        return self

    @property
    def open_s(self) -> float:
        """Opening time in seconds since midnight."""
        return minutes_of(self.open) * 60.0

    @property
    def close_s(self) -> float:
        """Closing time in seconds since midnight."""
        return minutes_of(self.close) * 60.0

    @property
    def interval_s(self) -> float:
        """Length of one interval in seconds."""
        return self.interval_minutes * 60.0

    @property
    def intervals_per_day(self) -> int:
        """Number of intervals between opening and closing."""
        return (minutes_of(self.close) - minutes_of(self.open)) // self.interval_minutes

    @property
    def day_s(self) -> float:
        """Length of a day in seconds (86400): day ``d`` opens at ``d * day_s + open_s``."""
        return SECONDS_PER_DAY

    def date_of(self, day: int) -> datetime.date | None:
        """Date of calendar day ``day`` (0 is the first), or None without a start date."""
        if self.start_date is None:
            return None
        return self.start_date + datetime.timedelta(days=day)

    def weekday_of(self, day: int) -> Weekday | None:
        """Weekday of calendar day ``day``, or None when the calendar states neither."""
        if self.start_date is not None:
            return WEEKDAYS[(self.start_date.weekday() + day) % 7]
        if self.start_weekday is not None:
            return WEEKDAYS[(WEEKDAYS.index(self.start_weekday) + day) % 7]
        return None

    def interval_starts_s(self) -> np.ndarray:
        """Start of each interval of a day, in seconds since midnight (float64)."""
        return self.open_s + self.interval_s * np.arange(self.intervals_per_day, dtype=np.float64)

    def interval_labels(self) -> list[str]:
        """Start of each interval of a day as ``"HH:MM"``."""
        start = minutes_of(self.open)
        return [
            clock_label(start + i * self.interval_minutes) for i in range(self.intervals_per_day)
        ]

    def describe(self) -> str:
        """One phrase for messages: ``24 intervals of 30 min from 08:00 to 20:00``."""
        return (
            f"{self.intervals_per_day} intervals of {self.interval_minutes} min "
            f"from {self.open} to {self.close}"
        )


class ServiceLevel(_Model):
    """How the service level KPI is defined."""

    threshold_s: float = Field(
        default=20, gt=0, description="Answered within this many seconds counts as within."
    )
    definition: Literal["offered", "answered", "exclude_short_abandons"] = Field(
        default="offered",
        description=(
            "Denominator: `offered` (abandons before the threshold count as not within), "
            "`answered`, or `exclude_short_abandons` (offered minus abandons shorter than "
            "`short_abandon_s`)."
        ),
    )
    short_abandon_s: float = Field(
        default=5,
        ge=0,
        description="Abandons shorter than this are excluded with `exclude_short_abandons`.",
    )
    email_threshold_hours: float = Field(
        default=8,
        gt=0,
        le=10_000,
        description=(
            "E-mails answered within this many working hours (opening hours only: the clock "
            "stops while the centre is closed) count as within the e-mail service level."
        ),
    )


# --------------------------------------------------------------------------- demand


class QueueTarget(_Model):
    """What a staffing search must achieve for one queue in every interval."""

    service_level: float | None = Field(
        default=None, gt=0, lt=1, description="Floor on the queue's service level (0-1)."
    )
    abandon_rate: float | None = Field(
        default=None, gt=0, lt=1, description="Ceiling on the queue's abandonment rate (0-1)."
    )
    asa_s: float | None = Field(
        default=None, gt=0, description="Ceiling on the queue's average speed of answer (s)."
    )
    threshold_s: float | None = Field(
        default=None,
        gt=0,
        description=(
            "This queue's service-level threshold (s), e.g. 10 for 90 % within 10 s: its "
            "contacts count as answered within it in every output (runs, reports, staffing); "
            "default the scenario's `service_level.threshold_s`."
        ),
    )


class QueueSpec(_Model):
    """A queue: a skill or department that agents serve."""

    name: str = Field(min_length=1, description="Unique queue name, referenced by skills etc.")
    target: QueueTarget | None = Field(
        default=None,
        description="This queue's staffing targets (`ccsim staff`); the command line's "
        "per-queue targets override them, its overall targets apply under them.",
    )
    channel: Literal["voice", "chat", "email"] = Field(
        default="voice",
        description=(
            "What its contacts are: calls (an agent takes one at a time), chats (an agent "
            "takes up to its group's chat.slots at once; chats skip the IVR) or e-mails (a "
            "backlog: an agent takes one at a time, only when no call or chat it serves is "
            "waiting and only while the centre is open; e-mails never abandon and wait "
            "overnight)."
        ),
    )


class CallType(_Model):
    """What callers need: a target queue, how many call, how long they talk and wait."""

    name: str = Field(min_length=1, description="Unique call type name.")
    target: str = Field(description="The queue that can resolve this call type.")
    volume: Volume = Field(
        description="Expected calls: rate_per_hour, profile_per_interval or csv."
    )
    day_to_day_cv: float = Field(
        default=0,
        ge=0,
        description="CV of a gamma multiplier (mean 1) drawn per day on the whole day's volume.",
    )
    handle_time: Duration = Field(description="Talk time distribution (seconds).")
    wrap_up: Duration | None = Field(
        default=None, description="After-call work (seconds): agent busy, caller gone."
    )
    patience: Distribution = Field(
        default_factory=NoDistribution,
        description="Time a caller waits before hanging up (seconds); `none` never abandons.",
    )
    balk_probability: float = Field(
        default=0,
        ge=0,
        le=1,
        description="Chance that a caller who finds every agent busy hangs up at once.",
    )
    overnight_rate_per_hour: float = Field(
        default=0,
        ge=0,
        description=(
            "E-mails per hour arriving while the centre is closed, each night before "
            "the second and later days (e-mail call types only; times the day's factors): "
            "they wait for the next opening, where their working-hours clock starts."
        ),
    )
    needs_authority: Probability = Field(
        default=0.0,
        description="Share of these callers only someone who can decide (`can_decide`) can help.",
    )
    handle_time_multiplier: MultiplierByInterval = Field(
        default=1.0,
        description=(
            "Talk time multiplier by the interval a conversation starts in: a number, one "
            'per interval, or a profile {"HH:MM": factor}; the callers\' draws are unchanged.'
        ),
    )
    patience_multiplier: MultiplierByInterval = Field(
        default=1.0,
        description=(
            "Patience multiplier by the interval a caller starts waiting in: a number, one "
            'per interval, or a profile {"HH:MM": factor}; the callers\' draws are unchanged.'
        ),
    )


class Redial(_Model):
    """Callers who abandoned may call again after a delay."""

    probability: float = Field(ge=0, le=1, description="Chance an abandoned caller redials.")
    delay: Duration = Field(
        description="Time from abandoning to redialling (seconds); its mean must be positive."
    )

    @model_validator(mode="after")
    def _delay_takes_time(self) -> Self:
        # A redial at the very instant of the hang-up could repeat forever at one instant.
        if not self.delay.mean > 0:
            raise ValueError("the redial delay must have a positive mean")
        return self


class Callers(_Model):
    """Caller behaviour shared by every call type."""

    redial: Redial | None = Field(
        default=None, description="Redials after abandoning; none if absent."
    )
    recontact: Recontact | None = Field(
        default=None, description="Unresolved callers calling again later; none if absent."
    )
    explain_time: Duration | None = Field(
        default=None,
        description="Agent time each time a caller tells their story (seconds); none: free.",
    )
    case_history: bool = Field(
        default=False,
        description="Whether the agent on a recontact knows the history (no re-explaining).",
    )
    timezones: dict[str, Probability] = Field(
        default_factory=lambda: {"0": 1.0},
        description=(
            'Caller time zones as hours relative to the site clock ("+2", "-5", "5.5") -> '
            "share of callers; shares sum to 1."
        ),
    )

    @model_validator(mode="after")
    def _zones(self) -> Self:
        for key in self.timezones:
            try:
                hours = float(key)
            except ValueError:
                raise ValueError(f"time zone {key!r} is not a number of hours like +2") from None
            if not -14 <= hours <= 14:
                raise ValueError(f"time zone {key!r} is not between -14 and +14 hours")
        total = sum(self.timezones.values())
        if abs(total - 1.0) > 1e-9:
            raise ValueError(f"time zone shares sum to {total:g}, not 1")
        return self

    def timezone_offsets(self) -> tuple[list[float], list[float]]:
        """Offsets in hours and their shares."""
        return [float(k) for k in self.timezones], list(self.timezones.values())


# --------------------------------------------------------------------------- supply


class Shift(_Model):
    """A block of agents working from ``start`` to ``end`` on every day, with their breaks."""

    start: ClockTime = Field(description='Start "HH:MM", on the interval grid.')
    end: ClockTime = Field(description='End "HH:MM", after start, on the interval grid.')
    count: int = Field(ge=1, description="Agents on this shift.")
    breaks: list[Break] = Field(
        default_factory=list,
        description=(
            "Breaks and lunches, each {after_minutes, minutes}: the shift's agents leave "
            "together at the minute (finishing a call in hand first) and come back."
        ),
    )

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if minutes_of(self.end) <= minutes_of(self.start):
            raise ScenarioError(
                [Problem("end", f"must be after start ({self.start}), got {self.end!r}")]
            )
        problems = [Problem(path, message) for path, message in break_problems(self)]
        if problems:
            raise ScenarioError(problems)
        return self

    @property
    def start_s(self) -> float:
        """Start in seconds since midnight."""
        return minutes_of(self.start) * 60.0

    @property
    def end_s(self) -> float:
        """End in seconds since midnight."""
        return minutes_of(self.end) * 60.0


_STAFFING_FORMS = ("staffing", "shifts", "per_interval")


class AgentGroup(_Model):
    """Agents with the same skills and schedule."""

    name: str = Field(min_length=1, description="Unique group name.")
    skills: dict[str, Annotated[int, Field(ge=1)]] = Field(
        min_length=1,
        description="Queue name -> priority (1 is served first; equal priorities by longest wait).",
    )
    staffing: NonNegativeInt | None = Field(
        default=None, description="Agents scheduled in every interval (one of three forms)."
    )
    shifts: list[Shift] | None = Field(
        default=None,
        min_length=1,
        description="Shifts; an interval is covered by a shift when start <= its start < end.",
    )
    per_interval: list[NonNegativeInt] | None = Field(
        default=None, description="Agents scheduled in each interval of the day."
    )
    shrinkage: ShareByInterval = Field(
        default=0.0,
        description=(
            "Share of agents on duty not available (meetings, coaching, unplanned breaks): "
            'a number, one per interval, or a profile {"HH:MM": share}.'
        ),
    )
    absenteeism: float = Field(
        default=0,
        ge=0,
        lt=1,
        description=(
            "Chance that a scheduled agent is absent for the whole day, drawn per day "
            "(binomial: each agent independently)."
        ),
    )
    handle_time_factor: float = Field(
        default=1.0, gt=0, description="This group's talk time relative to the call type's."
    )
    role: Literal["agent", "supervisor", "manager"] = Field(
        default="agent", description="Front-line agent, supervisor or manager."
    )
    resolve_probability: dict[str, Probability] = Field(
        default_factory=dict,
        description="Queue -> chance this group resolves a contact there (1 if absent).",
    )
    can_decide: bool = Field(
        default=False, description="Has authority for callers who need a decision."
    )
    chat: ChatCapacity = Field(
        default_factory=ChatCapacity,
        description="Chats an agent holds at once and how concurrency slows them.",
    )

    @model_validator(mode="after")
    def _one_form(self) -> Self:
        given = [form for form in _STAFFING_FORMS if getattr(self, form) is not None]
        if len(given) != 1:
            found = f"found {' and '.join(given)}" if given else "found none"
            raise ValueError(f"give exactly one of staffing, shifts or per_interval; {found}")
        return self

    def at_work_per_interval(self, calendar: Calendar) -> np.ndarray:
        """Time-averaged agents at work in each interval of a day (float64): the scheduled
        agents less those on a break, minute by minute; before shrinkage and absence.
        """
        if self.shifts is None:
            return self.scheduled_per_interval(calendar).astype(np.float64)
        return shift_agents_at_work(self.shifts, calendar)

    def shrinkage_per_interval(self, calendar: Calendar) -> np.ndarray:
        """Shrinkage in each interval of a day (float64)."""
        return values_by_interval(self.shrinkage, calendar)

    def scheduled_per_interval(self, calendar: Calendar) -> np.ndarray:
        """Agents scheduled in each interval of a day (int64, before shrinkage)."""
        n = calendar.intervals_per_day
        if self.staffing is not None:
            return np.full(n, self.staffing, dtype=np.int64)
        if self.per_interval is not None:
            if len(self.per_interval) != n:
                raise ValueError(
                    f"per_interval has {len(self.per_interval)} values but {calendar.describe()}"
                )
            return np.asarray(self.per_interval, dtype=np.int64)
        starts = calendar.interval_starts_s()
        scheduled = np.zeros(n, dtype=np.int64)
        for shift in self.shifts or ():
            scheduled[(starts >= shift.start_s) & (starts < shift.end_s)] += shift.count
        return scheduled


# --------------------------------------------------------------------------- costs


class Costs(_Model):
    """What the business pays."""

    agent_hour: float = Field(default=0, ge=0, description="Cost of one paid agent hour.")
    telephony_minute: float = Field(
        default=0, ge=0, description="Cost of one minute of a line in use (waiting or talking)."
    )
    supervisor_hour: float | None = Field(
        default=None, ge=0, description="Cost of a supervisor hour (default: agent_hour)."
    )
    manager_hour: float | None = Field(
        default=None, ge=0, description="Cost of a manager hour (default: agent_hour)."
    )
    currency: str = Field(
        default="",
        max_length=12,
        pattern=r"^[^\s\d]*$",
        description="What money is counted in, written after amounts (e.g. EUR); none by default.",
    )

    def hourly(self, role: str) -> float:
        """Cost of one paid hour of a group with ``role``."""
        rate = {"supervisor": self.supervisor_hour, "manager": self.manager_hour}.get(role)
        return self.agent_hour if rate is None else rate


# --------------------------------------------------------------------------- scenario


class Scenario(_Model):
    """A whole scenario file: calendar, demand, supply, routing and costs."""

    name: str = Field(min_length=1, description="Name shown in outputs and reports.")
    seed: int = Field(default=1, ge=0, description="Root seed; replication r uses its own stream.")
    replications: int = Field(default=10, ge=1, description="Independent replications to run.")
    calendar: Calendar = Field(description="Opening hours and interval grid.")
    warmup_minutes: float = Field(
        default=0, ge=0, description="Contacts arriving before this (from opening) are not counted."
    )
    service_level: ServiceLevel = Field(
        default_factory=ServiceLevel, description="Definition of the service level KPI."
    )
    queues: list[QueueSpec] = Field(min_length=1, description="Queues (skills, departments).")
    call_types: list[CallType] = Field(min_length=1, description="What callers need.")
    busyness: Busyness | None = Field(
        default=None,
        description="A day factor shared by every call type (on top of their own).",
    )
    callers: Callers = Field(default_factory=Callers, description="Caller behaviour.")
    lines: int | None = Field(
        default=None,
        ge=1,
        description="Trunk lines; callers beyond them are blocked; no limit if absent.",
    )
    agent_groups: list[AgentGroup] = Field(
        min_length=1, description="Agents, their skills and schedules."
    )
    routing: Routing = Field(
        default_factory=PriorityLongestIdleRouting,
        description="Routing policy (`policy` names it), its parameters, and overflow.",
    )
    costs: Costs = Field(default_factory=Costs, description="Cost rates.")
    ivr: Ivr | None = Field(default=None, description="An IVR in front of the queues.")
    transfers: Transfers = Field(
        default_factory=ColdTransfers,
        description="Transfer mode (`mode` names it), its parameters, and the matrix.",
    )
    escalation: Escalation = Field(
        default_factory=NoEscalation,
        description="Path (`path` names it) for callers who need a decision.",
    )
    incentive: Incentive = Field(
        default_factory=NoIncentive,
        description="How front-line agents are rewarded (`scheme` names it) and its effects.",
    )
    proactive_updates: ProactiveUpdates = Field(
        default_factory=ProactiveUpdates, description="Proactive status updates."
    )
    wait_estimate: WaitEstimate = Field(
        default_factory=QueueLengthEstimate,
        description="How a caller's wait is estimated (`predictor` names it).",
    )
    callback: Callback | None = Field(
        default=None, description="Callback offers (`mode` names how the callback is queued)."
    )
    voicemail: Voicemail | None = Field(default=None, description="Voicemail.")
    announcement: Announcement = Field(
        default_factory=NoAnnouncement,
        description="Delay announcements (`mode` names what callers are told).",
    )

    @classmethod
    def model_validate(cls, obj: Any, **kwargs: Any) -> Self:
        """Validate ``obj``; every problem is raised together as one ``ScenarioError``."""
        try:
            return super().model_validate(obj, **kwargs)
        except ValidationError as exc:
            raise ScenarioError(problems_from_validation_error(exc, cls)) from None

    def with_changes(self, changes: Mapping[str, Any]) -> Scenario:
        """A copy of the scenario with some keys changed, validated again.

        ``changes`` maps key paths, spelt as in the file and in ``--set``
        (``agent_groups[cards_team].staffing``, ``routing.policy``,
        ``call_types[0].handle_time.mean``), to new values::

            scenario.with_changes({"agent_groups[cards_team].staffing": 6,
                                   "routing.policy": "fcfs"})

        An unknown key path or a value the scenario does not accept raises an
        ``OverrideError`` (a ``ValueError``) naming the key path.
        """
        from simulator.scenario.changes import with_changes

        return with_changes(self, changes)

    @property
    def queue_names(self) -> list[str]:
        """Names of the queues, in file order."""
        return [queue.name for queue in self.queues]

    @property
    def queue_thresholds_s(self) -> list[float]:
        """Each queue's service-level threshold (s), in file order: its target's
        ``threshold_s``, else the scenario's ``service_level.threshold_s``.
        """
        default = self.service_level.threshold_s
        return [
            q.target.threshold_s
            if q.target is not None and q.target.threshold_s is not None
            else default
            for q in self.queues
        ]

    @model_validator(mode="after")
    def _check_references(self) -> Self:
        problems = [
            *self._duplicate_names(),
            *self._call_type_problems(),
            *self._agent_group_problems(),
            *self._overflow_problems(),
            *self.routing.reference_problems(
                {group.name: group.skills for group in self.agent_groups}
            ),
            *self._journey_problems(),
            *unserved_route_problems(self),
            *scenario_limit_problems(self),
            *supply_problems(self),
            *demand_problems(self),
            *email_problems(self),
        ]
        if problems:
            raise ScenarioError(problems)
        return self

    def _duplicate_names(self) -> list[Problem]:
        problems = []
        for key, names in (
            ("queues", [item.name for item in self.queues]),
            ("call_types", [item.name for item in self.call_types]),
            ("agent_groups", [item.name for item in self.agent_groups]),
        ):
            first: dict[str, int] = {}
            for i, name in enumerate(names):
                if name in first:
                    problems.append(
                        Problem(
                            f"{key}[{i}].name",
                            f"duplicate name {name!r} (already used by {key}[{first[name]}])",
                        )
                    )
                else:
                    first[name] = i
        return problems

    def _known_queues(self) -> str:
        return f"known queues: {', '.join(self.queue_names)}"

    def _call_type_problems(self) -> list[Problem]:
        problems = []
        queues = set(self.queue_names)
        served = served_queues(self)
        n = self.calendar.intervals_per_day
        for i, call_type in enumerate(self.call_types):
            path = f"call_types[{i}]"
            if call_type.target not in queues:
                problems.append(
                    Problem(
                        f"{path}.target",
                        f"unknown queue {call_type.target!r} ({self._known_queues()})",
                    )
                )
            elif call_type.target not in served:
                problems.append(
                    Problem(
                        f"{path}.target",
                        f"no agent group has a skill for queue {call_type.target!r} and no "
                        "overflow leads from it to a served queue: its calls would wait forever",
                    )
                )
            volume = call_type.volume
            values = volume.values_per_interval()
            if values is not None and len(values) != n:
                form = "csv" if volume.csv is not None else "profile_per_interval"
                problems.append(
                    Problem(
                        f"{path}.volume.{form}",
                        f"has {len(values)} values but needs {n}: the calendar has "
                        f"{self.calendar.describe()}",
                    )
                )
            elif (per_day := float(volume.expected_per_interval(self.calendar).sum())) > (
                MAX_CALLS_PER_DAY
            ):
                problems.append(
                    Problem(
                        f"{path}.volume",
                        f"expects {per_day:,.0f} calls a day; one call type may expect at most "
                        f"{MAX_CALLS_PER_DAY:,} (is the rate in calls per hour?)",
                    )
                )
        return problems

    def _agent_group_problems(self) -> list[Problem]:
        problems = []
        queues = set(self.queue_names)
        calendar = self.calendar
        n = calendar.intervals_per_day
        open_min, close_min = minutes_of(calendar.open), minutes_of(calendar.close)
        for i, group in enumerate(self.agent_groups):
            path = f"agent_groups[{i}]"
            for queue in group.skills:
                if queue not in queues:
                    problems.append(
                        Problem(
                            f"{path}.skills{key_segment(queue)}",
                            f"unknown queue {queue!r} ({self._known_queues()})",
                        )
                    )
            if group.per_interval is not None and len(group.per_interval) != n:
                problems.append(
                    Problem(
                        f"{path}.per_interval",
                        f"has {len(group.per_interval)} values but needs {n}: the calendar has "
                        f"{calendar.describe()}",
                    )
                )
            for j, shift in enumerate(group.shifts or ()):
                for key in ("start", "end"):
                    clock: str = getattr(shift, key)
                    minute = minutes_of(clock)
                    where = join_path(f"{path}.shifts[{j}]", key)
                    if not open_min <= minute <= close_min:
                        problems.append(
                            Problem(
                                where,
                                f"{clock} is outside the opening hours "
                                f"{calendar.open}-{calendar.close}",
                            )
                        )
                    elif (minute - open_min) % calendar.interval_minutes:
                        problems.append(
                            Problem(
                                where,
                                f"{clock} is not on the interval grid: the calendar has "
                                f"{calendar.describe()}, so shifts start and end at "
                                f"{calendar.open}, "
                                f"{clock_label(open_min + calendar.interval_minutes)}, ...",
                            )
                        )
        return problems

    def _journey_problems(self) -> list[Problem]:
        return journey_problems(self)

    def escalation_queue(self) -> str | None:
        """The queue escalated callers join, or None when there is no escalation path."""
        return escalation_queue(self)

    def _overflow_problems(self) -> list[Problem]:
        problems = []
        queues = set(self.queue_names)
        for k, rule in enumerate(self.routing.overflow):
            path = f"routing.overflow[{k}]"
            for key, queue in (("from", rule.from_), ("to", rule.to)):
                if queue not in queues:
                    problems.append(
                        Problem(
                            f"{path}.{key}",
                            f"unknown queue {queue!r} ({self._known_queues()})",
                        )
                    )
            if rule.from_ == rule.to:
                problems.append(
                    Problem(f"{path}.to", f"overflows to the queue it comes from ({rule.to!r})")
                )
        return problems
