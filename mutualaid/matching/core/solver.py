"""From candidates to proposals: one min-cost flow, or one per region in parallel.

The flow network: every need supplies one unit. It flows either along a candidate arc to a
helper (cost = pair cost) and on to the sink (capacity = the helper's remaining capacity), or
straight to the sink along its "unmatched" arc (cost = unmatched cost). The minimum-cost flow
is therefore the cheapest set of proposals, counting every need left without a helper.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from h3.api import basic_int as h3i
from ortools.graph.python import min_cost_flow

from mutualaid.matching.core.candidates import (
    Candidates,
    HelperIndex,
    banned_pairs,
    concat,
    top_k_per_need,
)
from mutualaid.matching.core.policy import MAX_COST_UNITS, Policy, unmatched_units
from mutualaid.matching.core.problem import Problem

I64 = npt.NDArray[np.int64]


# Solves of the whole (unsplit) engine unless told otherwise: enough to prove optimality on
# every instance we have measured.
EXACT_ROUNDS = 50


class SolverError(RuntimeError):
    """OR-Tools did not return an optimal flow (this indicates a bug, not bad input)."""


@dataclass(frozen=True)
class Result:
    """Proposed pairs and what they cost.

    ``total_cost`` is the objective in integer units: the pair costs of all proposals plus the
    unmatched cost of every need left without a helper, so any two results for the same
    problem and policy can be compared directly.
    """

    need_id: I64
    helper_id: I64
    distance_km: npt.NDArray[np.float64]
    cost: I64
    unmatched_need_id: I64
    total_cost: int
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def n_matched(self) -> int:
        return len(self.need_id)


@dataclass(frozen=True)
class RegionResult:
    """One region's chosen pairs (rows of the whole problem) and what finding them took."""

    chosen: Candidates
    candidate_seconds: float
    solve_seconds: float
    arcs: int


def flow_assign(cands: Candidates, unmatched: I64, capacity: npt.NDArray[np.int32]) -> Any:
    """Solve the min-cost flow over ``cands``; returns a boolean mask of chosen candidates.

    ``unmatched`` and ``capacity`` are indexed by the candidates' need and helper rows.
    """
    if len(cands) == 0:
        return np.zeros(0, dtype=bool)
    needs, need_node = np.unique(cands.need_row, return_inverse=True)
    helpers, helper_node = np.unique(cands.helper_row, return_inverse=True)
    n, m = len(needs), len(helpers)
    sink = n + m
    tails = np.concatenate([need_node, np.arange(n), n + np.arange(m)]).astype(np.int32)
    heads = np.concatenate([n + helper_node, np.full(n, sink), np.full(m, sink)]).astype(np.int32)
    caps = np.concatenate(
        [np.ones(len(cands) + n, dtype=np.int64), capacity[helpers].astype(np.int64)]
    )
    costs = np.concatenate([cands.cost, unmatched[needs], np.zeros(m, dtype=np.int64)])
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs.astype(np.int64))
    supplies = np.zeros(n + m + 1, dtype=np.int64)
    supplies[:n] = 1
    supplies[sink] = -n
    flow.set_nodes_supplies(np.arange(n + m + 1, dtype=np.int32), supplies)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise SolverError(f"min-cost flow ended with status {status}")
    return flow.flows(np.arange(len(cands), dtype=np.int32)) > 0


def problem_unmatched(problem: Problem, policy: Policy) -> I64:
    """The unmatched cost of every need of the problem, in integer units."""
    return unmatched_units(
        problem.need_urgency,
        problem.need_waiting_hours,
        problem.need_requester_help,
        policy,
        problem.need_area_shortfall,
    )


def find_candidates(
    problem: Problem,
    policy: Policy,
    need_rows: I64 | None = None,
    *,
    index: HelperIndex | None = None,
    limit: int | None = -1,
    prune: bool = True,
    banned: I64 | None = None,
    prefix: int | None = None,
) -> Candidates:
    """Candidate pairs for the needs at ``need_rows`` (all needs by default).

    ``limit=-1`` means the policy's ``max_candidates_per_need``; None keeps every feasible
    pair. ``prune`` drops pairs costing at least the need's unmatched cost.
    """
    rows = np.arange(problem.n_needs) if need_rows is None else need_rows
    index = index or HelperIndex.from_problem(problem, policy)
    ceiling = problem_unmatched(problem, policy)[rows] if prune else None
    cands = index.candidates(
        cell=problem.need_cell[rows],
        category=problem.need_category[rows],
        languages=problem.need_languages[rows],
        slots=problem.need_slots[rows],
        requester=problem.need_requester[rows],
        limit=policy.max_candidates_per_need if limit == -1 else limit,
        ceiling=ceiling,
        banned=banned_pairs(problem, rows) if banned is None else banned,
        prefix=prefix,
    )
    return Candidates(rows[cands.need_row], cands.helper_row, cands.distance_km, cands.cost)


def make_result(
    problem: Problem, policy: Policy, cands: Candidates, stats: dict[str, Any]
) -> Result:
    """Turn chosen candidates into a Result with the full objective."""
    unmatched = problem_unmatched(problem, policy)
    matched = np.zeros(problem.n_needs, dtype=bool)
    matched[cands.need_row] = True
    order = np.argsort(cands.need_row, kind="stable")
    cands = cands.take(order)
    total = int(cands.cost.sum() + unmatched[~matched].sum())
    return Result(
        need_id=problem.need_id[cands.need_row],
        helper_id=problem.helper_id[cands.helper_row],
        distance_km=cands.distance_km,
        cost=cands.cost,
        unmatched_need_id=problem.need_id[~matched],
        total_cost=total,
        stats=stats,
    )


def solve(
    problem: Problem,
    policy: Policy | None = None,
    *,
    workers: int = 1,
    split: bool | None = None,
    max_rounds: int | None = None,
) -> Result:
    """Propose helpers for needs at minimum total cost (see the module docstring).

    The whole solve is exact over every feasible pair: it starts from each need's
    ``max_candidates_per_need`` cheapest helpers and adds, round by round, the left-out pairs
    whose reduced cost is negative (``price_rounds``), until none is left.

    ``max_rounds`` caps the solves; by default the whole solve runs until it is proven optimal
    (at most ``EXACT_ROUNDS``).

    With ``split`` (the default when ``workers > 1``) the needs are divided into regions by
    H3 parent cell, solved independently in a pool of ``workers`` processes (``workers=1``:
    one after the other, in this process), and the needs no region could serve are then
    matched across borders (``cross_borders``). This is the fast mode for large jobs and is
    not exact: by default each region gets ``policy.split_rounds`` solves and the border pass
    ``policy.border_rounds`` (``max_rounds``, when given, caps both).
    """
    policy = policy or Policy()
    split = workers > 1 if split is None else split
    if split:
        return _solve_split(problem, policy, workers, max_rounds)
    chosen, stats = _solve_whole(
        problem, policy, EXACT_ROUNDS if max_rounds is None else max_rounds
    )
    return make_result(problem, policy, chosen, stats)


def _solve_whole(
    problem: Problem, policy: Policy, max_rounds: int
) -> tuple[Candidates, dict[str, Any]]:
    t0 = time.perf_counter()
    index = HelperIndex.from_problem(problem, policy)
    rows = np.arange(problem.n_needs)
    banned = banned_pairs(problem, rows)
    cands = find_candidates(
        problem, policy, rows, index=index, banned=banned, prefix=_prefix(policy)
    )
    t1 = time.perf_counter()
    cands, chosen, stats = price_rounds(
        problem, policy, index, rows, cands, banned, max_rounds=max_rounds
    )
    stats["candidate_seconds"] += t1 - t0
    stats["regions"] = 1
    return cands.take(chosen), stats


def price_rounds(
    problem: Problem,
    policy: Policy,
    index: HelperIndex,
    rows: I64,
    cands: Candidates,
    banned: I64,
    *,
    max_rounds: int = 50,
) -> tuple[Candidates, npt.NDArray[np.bool_], dict[str, Any]]:
    """Solve over ``cands``, then add every left-out pair that would lower the cost; repeat.

    After each solve the flow's dual prices are read from the residual graph
    (``potentials``): a need's price is what it pays now (its pair plus the knock-on effects,
    or its unmatched cost), a helper's price is what taking one more task from them costs
    the others. A left-out pair (i, j) can improve the solution only if
    cost(i, j) + price(j) < price(i); the index finds exactly those pairs by search with the
    helpers' costs raised by their prices and each need's ceiling set to its price. When none
    is found the solution is optimal over every feasible pair, not only the candidates.
    ``max_rounds`` caps the solves (``stats["proven_optimal"]`` says whether it was reached).
    """
    unmatched = problem_unmatched(problem, policy)
    capacity = problem.helper_capacity
    stats: dict[str, Any] = {"candidate_seconds": 0.0, "solve_seconds": 0.0, "rounds": 0}
    stats["proven_optimal"] = False
    while True:
        t0 = time.perf_counter()
        chosen = flow_assign(cands, unmatched, capacity)
        t1 = time.perf_counter()
        stats["solve_seconds"] += t1 - t0
        stats["rounds"] += 1
        if stats["rounds"] >= max_rounds:
            break
        need_price, helper_price = potentials(cands, chosen, unmatched, capacity, problem.n_needs)
        pricing = index.with_extra_cost(helper_price)
        args = (problem, policy, pricing, rows, need_price, helper_price, banned, cands)
        fresh = _price(*args, exact=False)
        stats["candidate_seconds"] += time.perf_counter() - t1
        if len(fresh) == 0:  # the quick search found nothing: make sure with the full one
            t1 = time.perf_counter()
            fresh = _price(*args, exact=True)
            stats["candidate_seconds"] += time.perf_counter() - t1
            stats["exact_pricing_rounds"] = stats.get("exact_pricing_rounds", 0) + 1
        if len(fresh) == 0:
            stats["proven_optimal"] = True
            break
        cands = top_k_per_need(concat([cands, fresh]), None)
    stats["arcs"] = len(cands)
    return cands, chosen, stats


def _prefix(policy: Policy) -> int:
    return 2 * policy.max_candidates_per_need


def _price(
    problem: Problem,
    policy: Policy,
    pricing: HelperIndex,
    rows: I64,
    need_price: I64,
    helper_price: I64,
    banned: I64,
    cands: Candidates,
    *,
    exact: bool,
) -> Candidates:
    """Left-out pairs with negative reduced cost, at most ``max_candidates_per_need`` per need."""
    found = pricing.candidates(
        cell=problem.need_cell[rows],
        category=problem.need_category[rows],
        languages=problem.need_languages[rows],
        slots=problem.need_slots[rows],
        requester=problem.need_requester[rows],
        limit=policy.max_candidates_per_need,
        ceiling=need_price[rows],
        banned=banned,
        prefix=None if exact else _prefix(policy),
    )
    found = Candidates(
        rows[found.need_row],
        found.helper_row,
        found.distance_km,
        found.cost - helper_price[found.helper_row],
    )
    m = max(problem.n_helpers, 1)
    known = np.sort(cands.need_row * m + cands.helper_row)
    new_keys = found.need_row * m + found.helper_row
    if len(known) == 0:
        return found
    at = np.minimum(np.searchsorted(known, new_keys), len(known) - 1)
    return found.take(known[at] != new_keys)


def potentials(
    cands: Candidates,
    chosen: npt.NDArray[np.bool_],
    unmatched: I64,
    capacity: npt.NDArray[np.int32],
    n_needs: int,
) -> tuple[I64, I64]:
    """Dual prices of an optimal flow, by Bellman-Ford on its residual graph.

    Distances run to the sink: a helper with capacity left is at 0; a full helper is at the
    best (need price - pair cost) over the needs assigned to it; a matched need is at the
    cheapest of its unmatched cost and (pair cost + helper price) over its unused pairs. An
    unmatched need's price is its unmatched cost. Needs and helpers outside ``cands`` get
    their unmatched cost and 0.
    """
    n_helpers = len(capacity)
    inf = np.int64(1) << np.int64(50)
    used = np.bincount(cands.helper_row[chosen], minlength=n_helpers)
    full = used >= capacity
    matched = np.zeros(n_needs, dtype=bool)
    matched[cands.need_row[chosen]] = True
    free, taken = cands.take(~chosen), cands.take(chosen)
    free = free.take(np.argsort(free.need_row, kind="stable"))
    free_needs, free_start = np.unique(free.need_row, return_index=True)
    need_price = np.where(matched, unmatched, inf).astype(np.int64)
    base_helper = np.where(full, inf, 0).astype(np.int64)
    helper_price = base_helper.copy()
    for _ in range(n_needs + n_helpers + 1):
        if len(free):
            via = np.minimum.reduceat(free.cost + helper_price[free.helper_row], free_start)
            need_price[free_needs] = np.minimum(need_price[free_needs], via)
        new_helper = base_helper.copy()
        np.minimum.at(new_helper, taken.helper_row, need_price[taken.need_row] - taken.cost)
        if np.array_equal(new_helper, helper_price):
            break
        helper_price = new_helper
    need_price = np.where(matched, need_price, unmatched)
    return need_price, np.clip(helper_price, 0, MAX_COST_UNITS)


@dataclass(frozen=True)
class Region:
    """One region of a split job: rows of its needs and of the helpers who live in it."""

    key: int
    need_rows: I64
    helper_rows: I64


def _parents(cells: npt.NDArray[np.uint64], res: int) -> npt.NDArray[np.uint64]:
    unique, inverse = np.unique(cells, return_inverse=True)
    parents = [h3i.cell_to_parent(c, min(res, h3i.get_resolution(c))) for c in unique.tolist()]
    return np.array(parents, dtype=np.uint64).reshape(-1)[inverse]


def split_regions(problem: Problem, policy: Policy) -> list[Region]:
    """Needs and helpers grouped by the H3 parent of their cell at ``region_resolution``.

    Each helper belongs to exactly one region, so regions never compete for capacity and can
    be solved anywhere, in any order. Regions without needs are left out.
    """
    if problem.n_needs == 0:
        return []
    res = policy.region_resolution
    need_key = _parents(problem.need_cell, res)
    helper_key = _parents(problem.helper_cell, res)
    regions = []
    for key in np.unique(need_key).tolist():
        regions.append(
            Region(
                key=int(key),
                need_rows=np.flatnonzero(need_key == key).astype(np.int64),
                helper_rows=np.flatnonzero(helper_key == key).astype(np.int64),
            )
        )
    return regions


def subproblem(
    problem: Problem,
    need_rows: I64,
    helper_rows: I64,
    capacity: npt.NDArray[np.int32] | None = None,
) -> Problem:
    """The problem restricted to some needs and helpers (optionally with other capacities)."""
    values = problem.arrays()
    for name in values:
        if name.startswith("need_"):
            values[name] = values[name][need_rows]
        elif name.startswith("helper_"):
            values[name] = values[name][helper_rows]
    if capacity is not None:
        values["helper_capacity"] = capacity.astype(np.int32)
    return Problem(**values)


def solve_region(
    problem: Problem, region: Region, policy: Policy, max_rounds: int = 50
) -> RegionResult:
    """Solve one region: its needs with its own helpers, as one whole solve.

    Arguments and result are plain arrays and dataclasses, so another process or machine can
    run it. The chosen pairs use the rows of the whole problem.
    """
    sub = subproblem(problem, region.need_rows, region.helper_rows)
    chosen, stats = _solve_whole(sub, policy, max_rounds)
    chosen = Candidates(
        region.need_rows[chosen.need_row],
        region.helper_rows[chosen.helper_row],
        chosen.distance_km,
        chosen.cost,
    )
    return RegionResult(
        chosen, stats["candidate_seconds"], stats["solve_seconds"], int(stats["arcs"])
    )


# The problem and settings of each worker process, set once by the pool initializer.
_WORKER: dict[str, Any] = {}


def _init_worker(problem: Problem, policy: Policy, max_rounds: int) -> None:
    _WORKER["problem"] = problem
    _WORKER["policy"] = policy
    _WORKER["max_rounds"] = max_rounds


def _solve_batch(batch: list[Region]) -> list[RegionResult]:
    problem, policy, rounds = _WORKER["problem"], _WORKER["policy"], _WORKER["max_rounds"]
    return [solve_region(problem, region, policy, rounds) for region in batch]


def _batches(regions: list[Region], count: int) -> list[list[Region]]:
    """Deal regions, largest first, into ``count`` batches of similar total size."""
    batches: list[list[Region]] = [[] for _ in range(count)]
    sizes = [0] * count
    for region in sorted(regions, key=lambda r: len(r.need_rows), reverse=True):
        i = sizes.index(min(sizes))
        batches[i].append(region)
        sizes[i] += len(region.need_rows)
    return [b for b in batches if b]


def _solve_split(problem: Problem, policy: Policy, workers: int, max_rounds: int | None) -> Result:
    region_rounds = policy.split_rounds if max_rounds is None else max_rounds
    border_rounds = policy.border_rounds if max_rounds is None else max_rounds
    chosen, stats = _split_chosen(
        problem, policy, workers, region_rounds, border_rounds, policy.seam_candidates
    )
    return make_result(problem, policy, chosen, stats)


def _split_chosen(
    problem: Problem,
    policy: Policy,
    workers: int,
    max_rounds: int,
    border_rounds: int,
    seam: int,
) -> tuple[Candidates, dict[str, Any]]:
    t0 = time.perf_counter()
    regions = split_regions(problem, policy)
    if workers > 1 and len(regions) > 1:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(
            workers,
            mp_context=context,
            initializer=_init_worker,
            initargs=(problem, policy, max_rounds),
        ) as pool:
            batches = _batches(regions, workers * 2)
            results = [r for batch in pool.map(_solve_batch, batches) for r in batch]
    else:
        results = [solve_region(problem, region, policy, max_rounds) for region in regions]
    t1 = time.perf_counter()
    chosen, border = cross_borders(problem, policy, results, border_rounds, seam)
    stats = {
        "candidate_seconds": sum(r.candidate_seconds for r in results)
        + border["candidate_seconds"],
        "solve_seconds": sum(r.solve_seconds for r in results) + border["solve_seconds"],
        "wall_seconds": time.perf_counter() - t0,
        "border_seconds": time.perf_counter() - t1,
        "arcs": sum(r.arcs for r in results) + int(border.get("arcs", 0)),
        "regions": len(regions),
        "workers": workers,
        "border_needs": border["needs"],
        "reopened_needs": border["reopened_needs"],
    }
    return chosen, stats


def cross_borders(
    problem: Problem,
    policy: Policy,
    results: list[RegionResult],
    max_rounds: int = 50,
    seam: int = 0,
) -> tuple[Candidates, dict[str, Any]]:
    """Combine regional results, then match what is left across region borders.

    The needs no region could serve are solved together against every helper's remaining
    capacity, wherever the helper lives. Capacity is never counted twice, so the combined
    result is always feasible; it can cost more than one whole solve, because a region does
    not know that a helper next door could have freed one of its own.

    With ``seam`` > 0 that is partly repaired: each left-over need looks up its ``seam``
    cheapest helpers over the whole problem, and the needs that regions gave to those helpers
    when they are full are reopened and solved again together with the left-over needs (split
    by regions one level coarser, then plainly across borders), so a reopened need can move
    to a free helper and leave its own to a left-over need. This is a heuristic: it usually
    lowers the cost a lot, but nothing proves it never raises it.
    """
    chosen = concat([r.chosen for r in results])
    left = problem.helper_capacity.astype(np.int64).copy()
    np.subtract.at(left, chosen.helper_row, 1)
    matched = np.zeros(problem.n_needs, dtype=bool)
    matched[chosen.need_row] = True
    need_rows = np.flatnonzero(~matched).astype(np.int64)
    border: dict[str, Any] = {"candidate_seconds": 0.0, "solve_seconds": 0.0}
    border["needs"] = len(need_rows)
    border["reopened_needs"] = 0
    if seam and len(need_rows) and len(chosen):
        # Reopen the needs served by full helpers that a left-over need would want: the
        # border pass may then move them to a free helper and give their helper away.
        t0 = time.perf_counter()
        wanted = find_candidates(problem, policy, need_rows, limit=seam, prefix=seam)
        full = np.zeros(problem.n_helpers, dtype=bool)
        full[wanted.helper_row] = True
        full &= left <= 0
        reopen = full[chosen.helper_row]
        np.add.at(left, chosen.helper_row[reopen], 1)
        need_rows = np.sort(np.concatenate([need_rows, chosen.need_row[reopen]]))
        chosen = chosen.take(~reopen)
        border["reopened_needs"] = int(reopen.sum())
        border["candidate_seconds"] += time.perf_counter() - t0
    helper_rows = np.flatnonzero(left > 0).astype(np.int64)
    if len(need_rows) == 0 or len(helper_rows) == 0:
        return chosen, border
    sub = subproblem(problem, need_rows, helper_rows, left[helper_rows].astype(np.int32))
    if seam and policy.region_resolution > 0:
        # The reopened needs are many: solve them split again, by regions one level
        # coarser (so the old borders lie inside the new regions), then plainly across
        # the new borders.
        coarser = dataclasses.replace(policy, region_resolution=policy.region_resolution - 1)
        more, stats = _split_chosen(sub, coarser, 1, max_rounds, max_rounds, 0)
    else:
        more, stats = _solve_whole(sub, policy, max_rounds)
    border["candidate_seconds"] += stats["candidate_seconds"]
    border["solve_seconds"] = stats["solve_seconds"]
    border["arcs"] = stats["arcs"]
    more = Candidates(
        need_rows[more.need_row], helper_rows[more.helper_row], more.distance_km, more.cost
    )
    return concat([chosen, more]), border
