"""Callbacks and voicemail: work the centre owes a caller who is no longer on the line.

An accepted callback or a voicemail becomes a *task*: a contact of its own (origin
``callback`` or ``voicemail_return``) that waits in the caller's queue like anyone
else — with ``virtual_hold`` it takes the place the caller had. When an agent reaches
it, the agent dials: each attempt takes agent time (``dial_time``; a voicemail's first
attempt also ``listen_time``) and is answered with probability
``at_zero_delay x 0.5^(delay / half_life)``, the delay counted from the request (the
caller may have found a competitor). An unanswered attempt is retried after
``retry_after_s`` up to ``max_attempts``. Calls are placed only inside
``calling_hours_local`` read on the configured clock: the caller's own (right) or the
site's (the misconfiguration that rang a customer at 4 a.m.); a task due outside the
window waits for it. Tasks do not hold trunk lines and do not keep agents after closing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import simpy

from simulator.metrics.log import Origin, Outcome
from simulator.model.agents import Agent
from simulator.model.callers import JourneyDraws
from simulator.model.contact import CALLBACK_TASK, INBOUND, VOICEMAIL_TASK, Contact
from simulator.model.events import Wakeup
from simulator.policies.callbacks import CallbackMode
from simulator.randomness import BufferedDraws
from simulator.scenario.contact_back import CallbackSpec, Voicemail

if TYPE_CHECKING:
    from simulator.model.centre import Centre

__all__ = ["CallbackDesk", "Dialler"]

DAY_S = 86_400.0
HOUR_S = 3_600.0


class Dialler:
    """The rules for ringing a customer: window, clock, answer decay, attempts."""

    def __init__(self, config: CallbackSpec | Voicemail, draws: JourneyDraws) -> None:
        self.start_s, self.end_s = config.window_s()
        self.site_clock = config.clock == "site"
        self.p0 = config.answer_probability.at_zero_delay
        self.half_life_s = config.answer_probability.half_life_minutes * 60.0
        self.max_attempts = config.max_attempts
        self.retry_after_s = config.retry_after_s
        self.dial_time = draws.buffered(config.dial_time, "dial")

    def in_window(self, t: float, tz: float) -> bool:
        """Whether site time ``t`` is inside the calling hours in time zone ``tz``."""
        local = (t + tz * HOUR_S) % DAY_S
        return self.start_s <= local < self.end_s

    def clock_tz(self, contact: Contact) -> float:
        """The time zone the configured clock reads: the caller's, or the site's (0)."""
        return 0.0 if self.site_clock else contact.tz

    def next_window(self, t: float, tz: float) -> float:
        """The earliest site time at or after ``t`` inside the calling hours of ``tz``."""
        local = (t + tz * HOUR_S) % DAY_S
        if local < self.start_s:
            return t + self.start_s - local
        if local >= self.end_s:
            return t + DAY_S - local + self.start_s
        return t

    def answer_probability(self, delay_s: float) -> float:
        """Chance the customer answers a call placed ``delay_s`` after the request."""
        return float(self.p0 * 0.5 ** (delay_s / self.half_life_s))


class CallbackDesk:
    """Offers callbacks, takes messages, and dials customers back for the centre."""

    def __init__(
        self,
        centre: Centre,
        callback: CallbackSpec | None,
        voicemail: Voicemail | None,
        draws: JourneyDraws,
    ) -> None:
        self.centre = centre
        self.env = centre.env
        self.draws = draws
        self.callback = callback
        mode: CallbackMode | None = centre.rules.callback_mode
        self.callback_delay_s = mode.delay_s if mode is not None else 0.0
        """From acceptance to the callback joining the queue, as the callback mode says."""
        self.voicemail = voicemail
        self.callback_dialler = Dialler(callback, draws) if callback is not None else None
        self.voicemail_dialler = Dialler(voicemail, draws) if voicemail is not None else None
        vm = voicemail
        self.message_time: BufferedDraws | None = None
        self.listen_time: BufferedDraws | None = None
        self.return_delay: BufferedDraws | None = None
        if vm is not None:
            self.message_time = draws.buffered(vm.message_time, "message")
            self.listen_time = draws.buffered(vm.listen_time, "listen")
            self.return_delay = draws.buffered(vm.return_delay, "return")

    # --- decisions at the queue -----------------------------------------------------------

    def wants_voicemail(self, estimate: float) -> bool:
        """The estimated wait is long enough to send the caller to leave a message."""
        vm = self.voicemail
        return (
            vm is not None
            and vm.when_expected_wait_s_over is not None
            and estimate > vm.when_expected_wait_s_over
        )

    def offer_callback(self, contact: Contact, queue: int, estimate: float, now: float) -> bool:
        """Offer a callback if the wait warrants it; True when the caller accepts (and is gone)."""
        cb = self.callback
        if cb is None or estimate <= cb.offer_when_expected_wait_s:
            return False
        contact.callback_offered = True
        if self.draws.uniform.next() >= cb.accept_probability:
            return False
        centre = self.centre
        centre.hang_up(contact, Outcome.CALLBACK_ACCEPTED, now)
        task = self._task(contact, Origin.CALLBACK, CALLBACK_TASK, now)
        task.misplaced = contact.misplaced
        delay = self.callback_delay_s
        if delay > 0.0:
            Wakeup(self.env, delay, self._on_task_due, (task, queue))
        else:
            self._join(task, queue, now)
        return True

    # --- voicemail ------------------------------------------------------------------------

    def take_message(self, contact: Contact, now: float) -> None:
        """The caller leaves a message; the line is busy while they speak."""
        assert self.message_time is not None
        Wakeup(self.env, self.message_time.next(), self._on_message_left, contact)

    def _on_message_left(self, event: simpy.Event) -> None:
        contact = cast(Contact, event.value)
        now = self.env.now
        self.centre.hang_up(contact, Outcome.VOICEMAIL, now)
        task = self._task(contact, Origin.VOICEMAIL_RETURN, VOICEMAIL_TASK, now)
        assert self.return_delay is not None
        queue = contact.queue if contact.queue_entry == contact.queue_entry else contact.target
        Wakeup(self.env, self.return_delay.next(), self._on_task_due, (task, queue))

    # --- tasks ----------------------------------------------------------------------------

    def _task(self, contact: Contact, origin: Origin, kind: int, now: float) -> Contact:
        """The outbound contact the centre now owes the caller."""
        day, interval = self.centre.interval_of(now)
        task = Contact(
            self.centre.new_contact_id(),
            contact.caller,
            contact.call_type,
            origin,
            now,
            day,
            interval,
            contact.target,
            float("inf"),
            contact.handle,
            contact.wrap,
            1.0,
            contact.needs_authority,
            contact.tz,
        )
        task.kind = kind
        task.requested_at = now
        task.follows_first = contact.origin == Origin.FIRST
        task.told_before = contact.told_before
        return task

    def _dialler(self, task: Contact) -> Dialler:
        dialler = self.callback_dialler if task.kind == CALLBACK_TASK else self.voicemail_dialler
        assert dialler is not None
        return dialler

    def _on_task_due(self, event: simpy.Event) -> None:
        task, queue = cast(tuple[Contact, int], event.value)
        self._join(task, queue, self.env.now)

    def _join(self, task: Contact, queue: int, now: float) -> None:
        """Queue the task, or wait for the calling window (and an open centre) first."""
        dialler = self._dialler(task)
        when = dialler.next_window(now, dialler.clock_tz(task))
        if when > now:
            Wakeup(self.env, when - now, self._on_task_due, (task, queue))
            return
        first = task.queue_entry != task.queue_entry  # NaN: never queued yet
        self.centre.queueing.enter(task, queue, now, first=first, retry=not first)

    def dial(self, task: Contact, agent: Agent, queue: int, now: float) -> None:
        """An agent reached the task: dial, unless the window has closed meanwhile."""
        dialler = self._dialler(task)
        if not dialler.in_window(now, dialler.clock_tz(task)):
            Wakeup(
                self.env,
                dialler.next_window(now, dialler.clock_tz(task)) - now,
                self._on_task_due,
                (task, queue),
            )
            self.centre.next_work(agent, now)
            return
        task.attempts += 1
        task.dialled_at = now
        if not dialler.in_window(now, task.tz):
            task.outside_hours += 1  # rung outside the caller's own calling hours
        duration = dialler.dial_time.next()
        if task.kind == VOICEMAIL_TASK and task.attempts == 1:
            assert self.listen_time is not None
            duration += self.listen_time.next()
        task.backoffice += duration
        Wakeup(self.env, duration, self._on_dialled, (task, agent, queue))

    def _on_dialled(self, event: simpy.Event) -> None:
        task, agent, queue = cast(tuple[Contact, Agent, int], event.value)
        now = self.env.now
        dialler = self._dialler(task)
        centre = self.centre
        if self.draws.uniform.next() < dialler.answer_probability(now - task.requested_at):
            centre.service.converse(task, agent, queue, now)
            return
        centre.after_work(agent, 0.0, now)
        if task.attempts < dialler.max_attempts:
            Wakeup(self.env, dialler.retry_after_s, self._on_task_due, (task, queue))
        else:
            centre.end(task, Outcome.UNREACHED, now)

    def is_task(self, contact: Contact) -> bool:
        """True for callbacks and voicemail returns (no line, no patience)."""
        return contact.kind != INBOUND
