"""Baselines to measure the engine against: greedy dispatch and the exact reference."""

from __future__ import annotations

import dataclasses
import time

import numpy as np

from mutualaid.matching.core.candidates import Candidates
from mutualaid.matching.core.policy import Policy, load_units
from mutualaid.matching.core.problem import Problem
from mutualaid.matching.core.solver import (
    Result,
    find_candidates,
    flow_assign,
    make_result,
    problem_unmatched,
)


def greedy(problem: Problem, policy: Policy | None = None, *, limit: int = 50) -> Result:
    """Needs in arrival order (longest waiting first) each take the nearest feasible helper
    with capacity left, among their ``limit`` nearest feasible helpers. Its ``total_cost`` is
    measured with ``policy``'s objective, so it compares with the engine's."""
    policy = policy or Policy()
    t0 = time.perf_counter()
    nearest = dataclasses.replace(policy, load_weight=0.0, rotate_first=False)
    cands = find_candidates(problem, nearest, limit=limit, prune=False)
    t1 = time.perf_counter()
    left = problem.helper_capacity.astype(np.int64).copy()
    starts = np.searchsorted(cands.need_row, np.arange(problem.n_needs + 1))
    arrival = np.lexsort((problem.need_id, -problem.need_waiting_hours))
    helper_rows = cands.helper_row.tolist()
    picked: list[int] = []
    for need in arrival.tolist():
        for at in range(int(starts[need]), int(starts[need + 1])):
            h = helper_rows[at]
            if left[h] > 0:
                left[h] -= 1
                picked.append(at)
                break
    chosen = cands.take(np.array(picked, dtype=np.int64))
    cost = chosen.cost + load_units(problem.helper_recent_load[chosen.helper_row], policy)
    chosen = Candidates(chosen.need_row, chosen.helper_row, chosen.distance_km, cost)
    stats = {"candidate_seconds": t1 - t0, "solve_seconds": time.perf_counter() - t1}
    stats["arcs"] = len(cands)
    return make_result(problem, policy, chosen, stats)


def reference(
    problem: Problem, policy: Policy | None = None, *, limit: int | None = None
) -> Result:
    """One exact min-cost flow over every feasible pair (each need's ``limit`` cheapest when
    given), with no pruning: the optimum the engine's shortcuts are measured against."""
    policy = policy or Policy()
    t0 = time.perf_counter()
    cands = find_candidates(problem, policy, limit=limit, prune=False)
    t1 = time.perf_counter()
    chosen = flow_assign(cands, problem_unmatched(problem, policy), problem.helper_capacity)
    stats = {"candidate_seconds": t1 - t0, "solve_seconds": time.perf_counter() - t1}
    stats["arcs"] = len(cands)
    return make_result(problem, policy, cands.take(chosen), stats)
