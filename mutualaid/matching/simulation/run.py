"""The discrete-event loop: one policy, one world, from the first need to the last expiry.

Events are need arrivals, helpers' answers to proposals, finished tasks, expiries, the weekly
reset of caps, and (for batch policies) the batch clock. A helper can be proposed to only while
not busy with a task and while accepted tasks this week plus unanswered proposals are below the
weekly cap; that one rule is what keeps every policy within every cap. A need has at most
`asks_per_need` unanswered proposals at a time (one for fcfs and greedy; the engine follows the
network's setting, one by default; with `ask_next_after_h` > 0 one more helper is asked only when
the last ask has gone that long unanswered). The requester accepts the first helper who accepts, and
the other helpers asked about that need are told at once that it is taken (the app withdraws
their suggestions), which frees them.
"""

from __future__ import annotations

import bisect
import heapq
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from mutualaid.matching.simulation.world import F64, I64, Bool, World

WEEK_H = 7 * 24.0
# "recently", as the app counts it (selectors.RECENT_DAYS = 28): help a requester received and
# tasks a helper took on in the last four weeks; only the engine reads these
RECENT_HELP_H = 28 * 24.0
RECENT_LOAD_H = 28 * 24.0


class RuleBroken(RuntimeError):
    """A policy tried a proposal the rules forbid (a bug in the policy, never in the data)."""


ARRIVE, RESPONSE, TASK_DONE, EXPIRE, WEEK, BATCH = range(6)


@dataclass
class Outcome:
    """What happened under one policy; metrics are computed from this."""

    policy: str
    met_at: F64  # per need, hours; nan if never met
    helper: I64  # per need, helper index or -1
    proposals: int = 0
    declines: int = 0
    refused: int = 0  # batch proposals that broke a hard rule and were not sent
    # why unmet needs went unmet: no possible helper / every possible helper declined / other
    unmet_reasons: dict[str, int] = field(default_factory=dict)
    accepted: list[tuple[int, int, float, int]] = field(default_factory=list)  # n, h, t, week
    first_asked_at: F64 | None = None  # per need, hours of its first proposal; nan if never
    proposals_by_origin: dict[str, int] = field(default_factory=dict)  # e.g. instant / batch
    withdrawn: int = 0  # proposals made moot because another helper said yes first
    asks: Counter[tuple[int, int]] = field(default_factory=Counter)  # (helper, week) -> asks


class State:
    """Mutable state of one run. Policies read it and call `propose`."""

    def __init__(
        self, world: World, policy: str, asks_per_need: int = 1, ask_next_after_h: float = 0.0
    ) -> None:
        self.world = world
        n, h = world.distance_km.shape
        self.now = 0.0
        self.asks_per_need = asks_per_need
        self.ask_next_after_h = ask_next_after_h
        self.last_ask_at = np.zeros(n, dtype=np.float64)
        self.open = np.zeros(n, dtype=bool)
        self.pending = np.full(n, -1, dtype=np.int64)  # the helper asked last, while unanswered
        self.asks = np.zeros(n, dtype=np.int64)  # unanswered proposals per need
        self.asking = np.zeros((n, h), dtype=bool)  # unanswered (need, helper) proposals
        self.declined = np.zeros((n, h), dtype=bool)
        self.week_load = np.zeros(h, dtype=np.int64)
        self.unanswered = np.zeros(h, dtype=np.int64)
        self.busy_until = np.zeros(h, dtype=np.float64)
        self.accept_times: list[list[float]] = [[] for _ in range(h)]
        self.help_times: list[list[float]] = [[] for _ in range(len(world.requester_id))]
        # open needs with fewer than asks_per_need unanswered proposals, oldest first
        self.waiting: list[int] = []
        self.events: list[tuple[float, int, int, int, int]] = []
        self._seq = 0
        self.out = Outcome(policy, np.full(n, np.nan), np.full(n, -1, dtype=np.int64))
        self.out.first_asked_at = np.full(n, np.nan)

    # --- what policies may ask ---
    def available(self) -> Bool:
        """Helpers who may receive a proposal right now."""
        spare = self.world.helpers.cap - self.week_load - self.unanswered
        ok: Bool = (spare > 0) & (self.busy_until <= self.now)
        return ok

    def spare(self) -> I64:
        spare: I64 = np.where(
            self.busy_until <= self.now,
            self.world.helpers.cap - self.week_load - self.unanswered,
            0,
        )
        return np.maximum(spare, 0)

    def eligible(self, need: int, helpers: I64 | None = None) -> Bool:
        """Hard rules for one need against all helpers (or a subset, by index)."""
        if helpers is None:
            ok: Bool = (
                self.world.allowed[need]
                & ~self.declined[need]
                & ~self.asking[need]
                & self.available()
            )
            return ok
        sub: Bool = (
            self.world.allowed[need, helpers]
            & ~self.declined[need, helpers]
            & ~self.asking[need, helpers]
            & self.available()[helpers]
        )
        return sub

    def recent_help(self, requester: int) -> float:
        return float(sum(1 for t in self.help_times[requester] if self.now - t < RECENT_HELP_H))

    def recent_load(self, helper: int) -> float:
        return float(sum(1 for t in self.accept_times[helper] if self.now - t < RECENT_LOAD_H))

    def room(self, need: int) -> int:
        """How many more helpers may be asked about this need right now: up to
        asks_per_need at once, or, with ask_next_after_h, one more only when the last ask has
        gone that long unanswered."""
        free = self.asks_per_need - int(self.asks[need])
        if free <= 0:
            return 0
        if self.ask_next_after_h <= 0:
            return free
        if self.asks[need] == 0 or self.now - self.last_ask_at[need] >= self.ask_next_after_h:
            return 1
        return 0

    def can_propose(self, need: int, helper: int) -> bool:
        return bool(
            self.open[need]
            and self.room(need) > 0
            and not self.asking[need, helper]
            and self.available()[helper]
            and self.world.allowed[need, helper]
            and not self.declined[need, helper]
        )

    # --- what policies may do ---
    def propose(self, need: int, helper: int, origin: str = "") -> None:
        if not self.can_propose(need, helper):
            raise RuleBroken(f"need {need} may not be proposed to helper {helper} now")
        self.pending[need] = helper
        self.asks[need] += 1
        self.last_ask_at[need] = self.now
        self.asking[need, helper] = True
        self.unanswered[helper] += 1
        self.out.proposals += 1
        self.out.asks[(helper, int(self.now // WEEK_H))] += 1
        if origin:
            by = self.out.proposals_by_origin
            by[origin] = by.get(origin, 0) + 1
        asked = self.out.first_asked_at
        if asked is not None and np.isnan(asked[need]):
            asked[need] = self.now
        if self.asks[need] >= self.asks_per_need:
            self._remove_waiting(need)
        self.schedule(self.now + float(self.world.response_h[need, helper]), RESPONSE, need, helper)

    # --- the loop ---
    def schedule(self, at: float, kind: int, a: int = -1, b: int = -1) -> None:
        self._seq += 1
        heapq.heappush(self.events, (at, self._seq, kind, a, b))

    def _remove_waiting(self, need: int) -> None:
        i = bisect.bisect_left(self.waiting, need)
        if i < len(self.waiting) and self.waiting[i] == need:
            del self.waiting[i]

    def _add_waiting(self, need: int) -> None:
        i = bisect.bisect_left(self.waiting, need)
        if i == len(self.waiting) or self.waiting[i] != need:
            self.waiting.insert(i, need)


Dispatch = Callable[[State, list[int], list[int]], None]
"""A continuous policy: called after every event with needs that just started waiting and
helpers that just became free. It may call state.propose."""

Batch = Callable[[State], None]
"""A batch policy: called on the batch clock; it may call state.propose."""


def run(world: World, policy: str, dispatch: Dispatch | None = None,
        batch: Batch | None = None, batch_hours: float = 1.0,
        asks_per_need: int = 1, ask_next_after_h: float = 0.0) -> Outcome:  # fmt: skip
    """Play every event of `world` under one policy and return what happened."""
    s = State(world, policy, asks_per_need, ask_next_after_h)
    needs = world.needs
    for i, t in enumerate(needs.posted_h):
        s.schedule(float(t), ARRIVE, i)
        s.schedule(float(needs.expires_h[i]), EXPIRE, i)
    end = float(needs.expires_h.max()) if len(needs.id) else 0.0
    for w in range(1, int(end // WEEK_H) + 1):
        s.schedule(w * WEEK_H, WEEK, w)
    if batch is not None:
        for k in range(1, int(end / batch_hours) + 1):
            s.schedule(k * batch_hours, BATCH)
    while s.events:
        at, _, kind, a, b = heapq.heappop(s.events)
        s.now = at
        if kind == BATCH and batch is not None:
            batch(s)
            continue
        new, freed = _apply(s, kind, a, b)
        if dispatch is not None and (new or freed):
            dispatch(s, new, freed)
    s.out.unmet_reasons = _unmet_reasons(s)
    return s.out


def _unmet_reasons(s: State) -> dict[str, int]:
    unmet = np.isnan(s.out.met_at)
    possible = s.world.allowed.any(axis=1)
    untried = (s.world.allowed & ~s.declined).any(axis=1)
    return {
        "no_possible_helper": int((unmet & ~possible).sum()),
        "every_possible_helper_declined": int((unmet & possible & ~untried).sum()),
        "expired_with_helpers_untried": int((unmet & untried).sum()),
    }


def _apply(s: State, kind: int, a: int, b: int) -> tuple[list[int], list[int]]:
    """Apply one event; return needs that started waiting and helpers that became free."""
    if kind == ARRIVE:
        s.open[a] = True
        s._add_waiting(a)
        return [a], []
    if kind == EXPIRE:
        if s.open[a]:
            s.open[a] = False
            s._remove_waiting(a)
        return [], []
    if kind == WEEK:
        s.week_load[:] = 0
        return [], list(range(len(s.week_load)))
    if kind == TASK_DONE:
        return [], [a] if s.busy_until[a] <= s.now else []
    return _answer(s, a, b)


def _answer(s: State, need: int, helper: int) -> tuple[list[int], list[int]]:
    """A helper answers a proposal, with the pair's shared random draw."""
    w = s.world
    if not s.asking[need, helper]:  # withdrawn: another helper said yes first
        return [], []
    s.unanswered[helper] -= 1
    s.asks[need] -= 1
    s.asking[need, helper] = False
    if s.pending[need] == helper:
        s.pending[need] = -1
    if not s.open[need]:  # expired while the helper was thinking
        return [], [helper]
    p = w.accept_probability(float(w.distance_km[need, helper]), int(s.week_load[helper]))
    if w.accept_draw[need, helper] >= p:
        s.declined[need, helper] = True
        s.out.declines += 1
        s._add_waiting(need)
        return [need], [helper]
    s.open[need] = False
    s._remove_waiting(need)
    others = np.flatnonzero(s.asking[need])
    if len(others):  # the other helpers asked are told at once that it is taken
        s.asking[need, others] = False
        s.unanswered[others] -= 1
        s.asks[need] = 0
        s.pending[need] = -1
        s.out.withdrawn += len(others)
    s.week_load[helper] += 1
    s.busy_until[helper] = max(s.busy_until[helper], s.now) + float(w.needs.task_hours[need])
    s.schedule(float(s.busy_until[helper]), TASK_DONE, helper)
    s.accept_times[helper].append(s.now)
    s.help_times[int(w.needs.requester[need])].append(s.now)
    s.out.met_at[need] = s.now
    s.out.helper[need] = helper
    s.out.accepted.append((need, helper, s.now, int(s.now // WEEK_H)))
    return [], [int(h) for h in others]


def candidates_for(s: State, new: Iterable[int], freed: list[int]) -> list[tuple[int, I64 | None]]:
    """Which waiting needs to look at, oldest first, and which helpers each may now reach.

    Invariant: after every dispatch, no waiting need has an eligible helper. So a need that was
    already waiting can only gain one of the `freed` helpers, while a newly waiting need may take
    anyone. Older needs come first, so they get first claim on a freed helper.
    """
    fresh = set(new)
    look: list[tuple[int, I64 | None]] = []
    if freed and s.waiting:
        f = np.sort(np.asarray(freed, dtype=np.int64))
        rows = np.asarray(s.waiting, dtype=np.int64)
        grid = np.ix_(rows, f)
        reach = (s.world.allowed[grid] & ~s.declined[grid] & ~s.asking[grid]).any(axis=1)
        hits = set(rows[reach].tolist())
    else:
        f, hits = np.zeros(0, dtype=np.int64), set()
    for need in s.waiting:
        if need in fresh:
            look.append((need, None))
        elif need in hits:
            look.append((need, f))
    return look
