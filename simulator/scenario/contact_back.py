"""Scenario models for callbacks, voicemail, delay announcements and wait estimates
(scenario keys ``callback``, ``voicemail``, ``announcement``): replies that must come
within minutes, voicemail as no service, and announced waits that shape satisfaction.
"""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from simulator.distributions import Deterministic, Exponential
from simulator.scenario.base import Duration, NonNegative, Probability, StrictModel
from simulator.scenario.variants import default_tag

__all__ = [
    "DEFAULT_ANNOUNCEMENT_MODE",
    "DEFAULT_CALLBACK_MODE",
    "DEFAULT_WAIT_PREDICTOR",
    "AccurateAnnouncement",
    "Announcement",
    "AnnouncementSpec",
    "AnswerProbability",
    "Callback",
    "CallbackSpec",
    "LastDelayEstimate",
    "NoAnnouncement",
    "OptimisticAnnouncement",
    "PessimisticAnnouncement",
    "QueueLengthEstimate",
    "RoundedAnnouncement",
    "ScheduledCallback",
    "VirtualHoldCallback",
    "Voicemail",
    "WaitEstimate",
    "WaitEstimateSpec",
]


class QueueLengthEstimate(StrictModel):
    """(callers waiting ahead + 1) x mean service time / agents on duty who can serve the
    queue — the classic estimator (Whitt 1999, "Predicting queueing delays").
    """

    predictor: Literal["queue_length"] = Field(
        default="queue_length", description="`queue_length`: from the callers ahead."
    )


class LastDelayEstimate(StrictModel):
    """The wait of the last caller to reach an agent from that queue (the delay-history
    estimator of Ibrahim & Whitt 2009).
    """

    predictor: Literal["last_delay"] = Field(
        description="`last_delay`: what the last caller served waited."
    )


DEFAULT_WAIT_PREDICTOR = "queue_length"

WaitEstimateSpec = QueueLengthEstimate | LastDelayEstimate
"""Every wait predictor's model."""

WaitEstimate = Annotated[
    WaitEstimateSpec,
    Field(discriminator="predictor"),
    default_tag("predictor", DEFAULT_WAIT_PREDICTOR),
]
"""The ``wait_estimate`` key: how the centre estimates a newly arriving caller's wait (for
offers, voicemail and announcements); the model its ``predictor`` names."""


class AnswerProbability(StrictModel):
    """Chance a called-back customer answers: ``at_zero_delay x 0.5^(delay / half_life)``."""

    at_zero_delay: Probability = Field(
        default=0.95, description="Chance of answering a callback placed at once."
    )
    half_life_minutes: float = Field(
        default=30.0,
        gt=0,
        description="Delay after which that chance has halved (the caller found a competitor).",
    )


def _clock_minutes(value: str) -> int:
    hours, _, minutes = value.partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise ValueError(f'{value!r} is not a time "HH:MM"')
    total = int(hours) * 60 + int(minutes)
    if not 0 <= total <= 24 * 60 or int(minutes) >= 60:
        raise ValueError(f'{value!r} is not a time between "00:00" and "24:00"')
    return total


class _Dialling(StrictModel):
    """Rules for ringing a customer back (callbacks and voicemail returns)."""

    calling_hours_local: tuple[str, str] = Field(
        default=("09:00", "21:00"),
        strict=False,  # a list in the file; its items must still be strings
        description='Window ["HH:MM", "HH:MM"] in which a customer may be rung, in their time.',
    )
    clock: Literal["caller_local", "site"] = Field(
        default="caller_local",
        description=(
            "Whose clock the window is read on: `caller_local` (right) or `site` (the "
            "misconfiguration that rings customers in other time zones at night)."
        ),
    )
    answer_probability: AnswerProbability = Field(
        default_factory=AnswerProbability, description="How answering decays with the delay."
    )
    max_attempts: int = Field(default=3, ge=1, le=20, description="Attempts before giving up.")
    retry_after_s: NonNegative = Field(
        default=600.0, description="Time between unanswered attempts (seconds)."
    )
    dial_time: Duration = Field(
        default_factory=lambda: Deterministic(value=20.0),
        description="Agent time per attempt: dialling and ringing (seconds).",
    )

    @model_validator(mode="after")
    def _window(self) -> Self:
        start, end = (_clock_minutes(t) for t in self.calling_hours_local)
        if end <= start:
            raise ValueError("calling_hours_local must end after it starts")
        return self

    def window_s(self) -> tuple[float, float]:
        """Calling window as seconds after local midnight."""
        start, end = (_clock_minutes(t) * 60.0 for t in self.calling_hours_local)
        return start, end


class _CallbackBase(_Dialling):
    """Offering to call the customer back instead of keeping them on hold."""

    offer_when_expected_wait_s: NonNegative = Field(
        description="Offer a callback to callers whose estimated wait exceeds this (seconds)."
    )
    accept_probability: Probability = Field(description="Chance an offered caller accepts.")
    counts_in_service_level: Literal["answered_when_connected", "excluded"] = Field(
        default="answered_when_connected",
        description=(
            "How an inbound call that accepted a callback enters service_level and "
            "abandon_rate: as answered within the threshold once the callback connects "
            "(never as an abandon), or left out of both denominators."
        ),
    )


class VirtualHoldCallback(_CallbackBase):
    """The caller hangs up but keeps the place in the queue; the agent whose turn it is
    dials.
    """

    mode: Literal["virtual_hold"] = Field(
        default="virtual_hold", description="`virtual_hold`: keeps the caller's place."
    )


class ScheduledCallback(_CallbackBase):
    """The callback joins the queue a fixed delay after the caller accepted."""

    mode: Literal["scheduled"] = Field(description="`scheduled`: queued later.")
    scheduled_after_s: NonNegative = Field(
        default=1800.0, description="Delay before the callback is queued (seconds)."
    )


DEFAULT_CALLBACK_MODE = "virtual_hold"

CallbackSpec = VirtualHoldCallback | ScheduledCallback
"""Every callback mode's model."""

Callback = Annotated[
    CallbackSpec, Field(discriminator="mode"), default_tag("mode", DEFAULT_CALLBACK_MODE)
]
"""The ``callback`` key: offering to call the customer back (the model its ``mode`` names;
``virtual_hold`` when left out)."""


class Voicemail(_Dialling):
    """Sending callers to leave a message; an agent listens later and calls back."""

    when_expected_wait_s_over: float | None = Field(
        default=None, ge=0, description="Send callers whose estimated wait exceeds this."
    )
    after_wait_s: float | None = Field(
        default=None, ge=0, description="Send a caller still waiting after this long (seconds)."
    )
    when_closed: bool = Field(
        default=True,
        description="Redials and recontacts due while the centre is closed leave a message.",
    )
    message_time: Duration = Field(
        default_factory=lambda: Deterministic(value=45.0),
        description="Time the caller spends leaving the message (seconds).",
    )
    listen_time: Duration = Field(
        default_factory=lambda: Deterministic(value=60.0),
        description="Agent time to listen to a message (seconds).",
    )
    return_delay: Duration = Field(
        default_factory=lambda: Exponential(mean=7200.0),
        description="From the message to the agent starting on it (seconds).",
    )


class NoAnnouncement(StrictModel):
    """Callers are not told how long they will wait."""

    mode: Literal["none"] = Field(default="none", description="`none`: no announcement.")


class _Announcing(StrictModel):
    """Telling a waiting caller how long the wait will be."""

    patience_after_overrun: float = Field(
        default=0.5,
        gt=0,
        le=1,
        description=(
            "A caller still waiting when the announced time has passed keeps this share of "
            "their remaining patience (waiting longer than promised makes callers less patient)."
        ),
    )


class AccurateAnnouncement(_Announcing):
    """The caller hears the estimate."""

    mode: Literal["accurate"] = Field(description="`accurate`: the estimate.")


class OptimisticAnnouncement(_Announcing):
    """The caller hears less than the estimate (overpromising)."""

    mode: Literal["optimistic"] = Field(description="`optimistic`: estimate / factor.")
    factor: float = Field(default=1.3, ge=1, description="How far below the estimate.")


class PessimisticAnnouncement(_Announcing):
    """The caller hears more than the estimate (underpromising)."""

    mode: Literal["pessimistic"] = Field(description="`pessimistic`: estimate x factor.")
    factor: float = Field(default=1.3, ge=1, description="How far above the estimate.")


class RoundedAnnouncement(_Announcing):
    """The caller hears the estimate rounded up to whole steps ("about 3 minutes"), as
    most systems say it: never less than the estimate, less than one step more.
    """

    mode: Literal["rounded"] = Field(description="`rounded`: the estimate, rounded up.")
    step_s: float = Field(
        default=60.0, gt=0, description="The unit the wait is told in (seconds; 60: minutes)."
    )


DEFAULT_ANNOUNCEMENT_MODE = "none"

AnnouncementSpec = (
    NoAnnouncement
    | AccurateAnnouncement
    | OptimisticAnnouncement
    | PessimisticAnnouncement
    | RoundedAnnouncement
)
"""Every announcement mode's model."""

Announcement = Annotated[
    AnnouncementSpec,
    Field(discriminator="mode"),
    default_tag("mode", DEFAULT_ANNOUNCEMENT_MODE),
]
"""The ``announcement`` key: what a caller who must wait is told (the model its ``mode``
names; ``none`` when left out)."""
