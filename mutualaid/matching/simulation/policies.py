"""The three ways of choosing a helper that the simulation compares.

- fcfs: a dispatcher works through waiting needs oldest first and, for each, asks the first
  helper on the sign-up sheet who is within their radius and free (and fits the hard rules).
- greedy: the same queue, but each need asks the nearest such helper (what the one existing
  open-source mutual-aid matcher does).
- mutualaid: the matching engine, solved in batches over all open needs, with every declined
  pair passed back so it is never proposed again.

By default fcfs and greedy react at once to every event (the most generous reading of a
dispatcher), while the engine only acts on its batch clock, which costs it up to one batch
interval of waiting per proposal; `dispatch_minutes` puts fcfs and greedy on a clock too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from mutualaid.matching.simulation.run import State, candidates_for
from mutualaid.matching.simulation.world import I64

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


def engine_batch(solver: Callable[[State], list[tuple[int, int]]]) -> Callable[[State], None]:
    """A batch policy from a function that returns (need index, helper index) proposals."""

    def batch(s: State) -> None:
        for need, helper in solver(s):
            if s.can_propose(need, helper):
                s.propose(need, helper)
            else:  # the engine broke a rule the simulation checks: count it, do not send it
                s.out.refused += 1

    return batch


def mutualaid_pairs(s: State, policy: Any = None) -> list[tuple[int, int]]:
    """One batch of the matching engine over every open need that is not awaiting an answer.

    This is the one place that knows the engine's array format (docs/matching.md).
    """
    from mutualaid.matching.core import solve

    need_rows, helper_rows = matchable(s)
    if not len(need_rows):
        return []
    problem = build_problem(s, need_rows, helper_rows)
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
    needs = np.asarray(s.waiting, dtype=np.int64)
    helpers = np.flatnonzero(s.spare() > 0).astype(np.int64)
    if not len(needs) or not len(helpers):
        return needs[:0], helpers[:0]
    grid = np.ix_(needs, helpers)
    ok = s.world.allowed[grid] & ~s.declined[grid]
    return needs[ok.any(axis=1)], helpers[ok.any(axis=0)]


def build_problem(s: State, need_rows: I64, helper_rows: I64) -> Any:
    """The engine's input for these waiting needs and helpers, in the current state."""
    from mutualaid.matching.core import Problem

    w, needs, helpers = s.world, s.world.needs, s.world.helpers
    spare = s.spare()
    declined = np.argwhere(s.declined[np.ix_(need_rows, helper_rows)])
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
    )
    return problem
