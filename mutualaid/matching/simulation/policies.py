"""The three ways of choosing a helper that the simulation compares.

- fcfs: a dispatcher works through waiting needs oldest first and, for each, asks the first
  helper on the sign-up sheet who is within their radius and free (and fits the hard rules).
- greedy: the same queue, but each need asks the nearest such helper (what the one existing
  open-source mutual-aid matcher does).
- mutualaid: the matching engine as the app runs it. In "instant+batch" mode (the default) a
  need that starts waiting (posted, or its helper declined) asks its best instant suggestion at
  once, as the need page shows them (`HelperIndex.top`, no solve); every batch interval (15
  minutes, the app's schedule) a full solve re-optimises over all waiting needs and free
  helpers, which is how a helper who frees up gets new work. "instant-all+batch" also offers a
  freed helper at once to the waiting needs that could use them (oldest first). In "batch"
  mode only the periodic solve runs. Every declined pair is passed back to the engine so
  it is never proposed again.

By default fcfs and greedy react at once to every event (the most generous reading of a
dispatcher); `dispatch_minutes` puts them on a clock instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from mutualaid.matching.core import HelperIndex, Policy, Problem, area_shortfall, solve
from mutualaid.matching.simulation.run import RECENT_HELP_H, State, candidates_for
from mutualaid.matching.simulation.world import F64, I64

Picker = Callable[[State, int, I64 | None], int]


def first_on_the_list(s: State, need: int, among: I64 | None) -> int:
    """The first eligible helper in sign-up order, or -1."""
    ok = s.eligible(need, among)
    if not ok.any():
        return -1
    i = int(np.argmax(ok))
    return i if among is None else int(among[i])


def nearest(s: State, need: int, among: I64 | None) -> int:
    """The nearest eligible helper, or -1."""
    ok = s.eligible(need, among)
    if not ok.any():
        return -1
    km = s.world.distance_km[need] if among is None else s.world.distance_km[need, among]
    i = int(np.argmin(np.where(ok, km, np.inf)))
    return i if among is None else int(among[i])


def queue_dispatch(pick: Picker) -> Callable[[State, list[int], list[int]], None]:
    """A dispatcher that serves waiting needs oldest first, choosing helpers with `pick`."""

    def dispatch(s: State, new: list[int], freed: list[int]) -> None:
        for need, among in candidates_for(s, new, freed):
            helper = pick(s, need, among)
            if helper >= 0:
                s.propose(need, helper)

    return dispatch


fcfs = queue_dispatch(first_on_the_list)
greedy = queue_dispatch(nearest)


def on_a_clock(dispatch: Callable[[State, list[int], list[int]], None]) -> Callable[[State], None]:
    """The same dispatcher working its whole queue on a clock instead of after every event."""

    def batch(s: State) -> None:
        dispatch(s, list(s.waiting), [])

    return batch


def engine_instant(
    policy: Any = None, k: int = 5, on_free: bool = True
) -> Callable[[State, list[int], list[int]], None]:
    """The app's instant path as a continuous policy: each need that just started waiting (and,
    with `on_free`, each waiting need that a just-freed helper could serve, oldest first, as
    `candidates_for` orders them) asks the first of its `k` best suggestions from
    `HelperIndex.top` over the helpers free right now, excluding helpers who declined it and
    helpers the requester blocked."""

    def dispatch(s: State, new: list[int], freed: list[int]) -> None:
        look = candidates_for(s, new, freed if on_free else [])
        index = None
        for need, _among in look:
            if index is None:
                index = instant_index(s, policy)
                if index is None:
                    return
            room = s.room(need)
            for helper in instant_picks(s, index, need, k)[:room]:
                s.propose(need, helper, "instant")
                index = None  # that helper's room changed: rebuild before the next need

    return dispatch


def instant_index(s: State, policy: Any = None) -> Any:
    """A `HelperIndex` over the helpers who may be asked right now (None if nobody may)."""
    spare = s.spare()
    rows = np.flatnonzero(spare > 0)
    if not len(rows):
        return None
    h = s.world.helpers
    return HelperIndex(
        helper_id=h.id[rows],
        helper_cell=h.where.cell[rows],
        helper_categories=h.categories[rows],
        helper_languages=h.languages[rows],
        helper_slots=h.slots[rows].astype(np.uint32),
        helper_capacity=spare[rows].astype(np.int32),
        helper_radius_km=h.radius_km[rows],
        helper_recent_load=np.array([s.recent_load(int(i)) for i in rows], dtype=np.float64),
        policy=policy if policy is not None else Policy(),
    )


def instant_pick(s: State, index: Any, need: int, k: int = 5) -> int:
    """The first of the need's `k` instant suggestions the simulation's rules allow, or -1."""
    picks = instant_picks(s, index, need, k)
    return picks[0] if picks else -1


def instant_picks(s: State, index: Any, need: int, k: int = 5) -> list[int]:
    """The need's `k` instant suggestions that the simulation's rules allow, best first."""
    w, needs = s.world, s.world.needs
    req = int(needs.requester[need])
    requester_id = int(w.requester_id[req])
    excluded = set(w.helpers.id[s.declined[need] | s.asking[need]].tolist())
    if len(w.blocked):
        excluded |= set(w.blocked[w.blocked[:, 0] == requester_id, 1].tolist())
        excluded |= set(w.blocked[w.blocked[:, 1] == requester_id, 0].tolist())
    top = index.top(
        cell=int(w.requesters.cell[req]),
        category=int(needs.category[need]),
        languages=int(needs.languages[need]),
        slots=int(needs.slots[need]),
        requester=requester_id,
        k=k,
        exclude_helper_ids=np.array(sorted(excluded), dtype=np.int64),
    )
    rows = np.searchsorted(w.helpers.id, top.helper_id)
    return [int(row) for row in rows.tolist() if s.can_propose(need, int(row))]


def engine_batch(solver: Callable[[State], list[tuple[int, int]]]) -> Callable[[State], None]:
    """A batch policy from a function that returns (need index, helper index) proposals."""

    def batch(s: State) -> None:
        for need, helper in solver(s):
            if s.can_propose(need, helper):
                s.propose(need, helper, "batch")
            else:  # the engine broke a rule the simulation checks: count it, do not send it
                s.out.refused += 1

    return batch


def mutualaid_pairs(s: State, policy: Any = None) -> list[tuple[int, int]]:
    """One batch of the matching engine over every open need that is not awaiting an answer.

    This is the one place that knows the engine's array format (docs/matching.md).
    """
    need_rows, helper_rows = matchable(s)
    if not len(need_rows):
        return []
    problem = build_problem(s, need_rows, helper_rows, policy)
    result = solve(problem, policy) if policy is not None else solve(problem)
    need_index = {int(i): k for k, i in zip(need_rows, s.world.needs.id[need_rows], strict=True)}
    helper_index = {
        int(i): k for k, i in zip(helper_rows, s.world.helpers.id[helper_rows], strict=True)
    }
    return [
        (need_index[int(n)], helper_index[int(h)])
        for n, h in zip(result.need_id, result.helper_id, strict=True)
    ]


def matchable(s: State) -> tuple[I64, I64]:
    """Waiting needs and helpers with spare capacity that have at least one pair the hard rules
    allow between them. Only these go to the engine: a need or helper outside every allowed pair
    cannot be matched, so leaving it out changes no result and saves the engine's search time."""
    needs = np.asarray([n for n in s.waiting if s.room(n) > 0], dtype=np.int64)
    helpers = np.flatnonzero(s.spare() > 0).astype(np.int64)
    if not len(needs) or not len(helpers):
        return needs[:0], helpers[:0]
    grid = np.ix_(needs, helpers)
    ok = s.world.allowed[grid] & ~s.declined[grid] & ~s.asking[grid]
    return needs[ok.any(axis=1)], helpers[ok.any(axis=0)]


def recent_area_shortfall(s: State, need_rows: I64) -> F64:
    """How poorly each need's area was served lately, counted as the app's adapter counts it
    (`mutualaid.matching.core.area_shortfall` over the needs posted in the last four weeks
    that are no longer open: met, or expired without help; open needs are not evidence yet)."""
    w, needs = s.world, s.world.needs
    met_at = s.out.met_at
    met = ~np.isnan(met_at)
    ended_at = np.where(met, met_at, needs.expires_h)
    recent = (ended_at <= s.now) & (needs.posted_h > s.now - RECENT_HELP_H)
    cells = w.requesters.cell[needs.requester]
    shortfall: F64 = area_shortfall(cells[need_rows], cells[recent], met[recent])
    return shortfall


def build_problem(s: State, need_rows: I64, helper_rows: I64, policy: Any = None) -> Any:
    """The engine's input for these waiting needs and helpers, in the current state. The area
    shortfall is filled in only when the policy weighs it (as the app's adapter does)."""
    w, needs, helpers = s.world, s.world.needs, s.world.helpers
    spare = s.spare()
    # pairs declined, and pairs asked and not yet answered: never proposed (again) now
    grid = np.ix_(need_rows, helper_rows)
    declined = np.argwhere(s.declined[grid] | s.asking[grid])
    declined_pairs = (
        np.stack(
            [needs.id[need_rows[declined[:, 0]]], helpers.id[helper_rows[declined[:, 1]]]], axis=1
        )
        .astype(np.int64)
        .reshape(-1, 2)
    )
    req = needs.requester[need_rows]
    problem = Problem(
        need_id=needs.id[need_rows],
        need_cell=w.requesters.cell[req],
        need_category=needs.category[need_rows].astype(np.int16),
        need_languages=needs.languages[need_rows],
        need_urgency=needs.urgency[need_rows].astype(np.int8),
        need_waiting_hours=(s.now - needs.posted_h[need_rows]).astype(np.float64),
        need_slots=needs.slots[need_rows].astype(np.uint32),
        need_requester=w.requester_id[req],
        need_requester_help=np.array([s.recent_help(int(r)) for r in req], dtype=np.float64),
        helper_id=helpers.id[helper_rows],
        helper_cell=helpers.where.cell[helper_rows],
        helper_categories=helpers.categories[helper_rows],
        helper_languages=helpers.languages[helper_rows],
        helper_slots=helpers.slots[helper_rows].astype(np.uint32),
        helper_capacity=spare[helper_rows].astype(np.int32),
        helper_radius_km=helpers.radius_km[helper_rows],
        helper_recent_load=np.array([s.recent_load(int(h)) for h in helper_rows], dtype=np.float64),
        blocked_members=w.blocked,
        declined_pairs=declined_pairs,
        need_area_shortfall=(
            recent_area_shortfall(s, need_rows)
            if policy is not None and policy.area_weight > 0
            else np.zeros(0, dtype=np.float64)
        ),
    )
    return problem
