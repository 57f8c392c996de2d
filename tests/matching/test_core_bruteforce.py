"""An independent brute-force matcher for small instances, and the instances themselves.

Everything here is written again from the rules in docs/matching.md, with plain Python and
math, so that the engine is checked against something that shares none of its code.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
from h3.api import basic_int as h3i
from hypothesis import strategies as st

from mutualaid.matching.core import Policy, Problem

BASE_CELL = h3i.latlng_to_cell(29.76, -95.37, 8)
NEARBY = sorted(h3i.grid_disk(BASE_CELL, 5))
FAR_CELL = h3i.latlng_to_cell(40.71, -74.0, 8)  # another city, far beyond any radius


def km_between(a: int, b: int) -> float:
    lat1, lng1 = (math.radians(x) for x in h3i.cell_to_latlng(a))
    lat2, lng2 = (math.radians(x) for x in h3i.cell_to_latlng(b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(math.sqrt(min(h, 1.0)))


def pair_cost(p: Problem, policy: Policy, i: int, j: int) -> int:
    km = km_between(int(p.need_cell[i]), int(p.helper_cell[j]))
    load = float(p.helper_recent_load[j])
    helper_points = policy.load_weight * load
    if policy.rotate_first and load > 0:
        helper_points += policy.rotate_penalty
    return round(km * policy.distance_weight * policy.cost_scale) + round(
        helper_points * policy.cost_scale
    )


def unmatched_cost(p: Problem, policy: Policy, i: int) -> int:
    points = (
        policy.unmatched_base
        + policy.urgency_weight * int(p.need_urgency[i])
        + policy.waiting_weight * min(float(p.need_waiting_hours[i]), policy.waiting_cap_hours)
        + policy.fairness_weight / (1 + float(p.need_requester_help[i]))
        + policy.area_weight * float(p.need_area_shortfall[i])
    )
    return round(points * policy.cost_scale)


def feasible(p: Problem, i: int, j: int) -> bool:
    """Every hard rule, checked one by one."""
    requester, helper = int(p.need_requester[i]), int(p.helper_id[j])
    blocked = {(int(a), int(b)) for a, b in p.blocked_members.tolist()}
    declined = {(int(a), int(b)) for a, b in p.declined_pairs.tolist()}
    asked = int(p.need_languages[i])
    return (
        (int(p.helper_categories[j]) >> int(p.need_category[i])) & 1 == 1
        and (asked == 0 or asked & int(p.helper_languages[j]) != 0)
        and km_between(int(p.need_cell[i]), int(p.helper_cell[j])) <= float(p.helper_radius_km[j])
        and int(p.need_slots[i]) & int(p.helper_slots[j]) != 0
        and int(p.helper_capacity[j]) > 0
        and (requester, helper) not in blocked
        and (helper, requester) not in blocked
        and (int(p.need_id[i]), helper) not in declined
        and requester != helper
    )


@dataclass
class Brute:
    cost: int
    matched: int


def brute_force(p: Problem, policy: Policy) -> Brute:
    """The optimum by enumerating every assignment of needs to feasible helpers (or none)."""
    options = []
    for i in range(p.n_needs):
        opts: list[int | None] = [None]
        opts += [j for j in range(p.n_helpers) if feasible(p, i, j)]
        options.append(opts)
    best = Brute(cost=math.inf, matched=0)  # type: ignore[arg-type]
    for choice in itertools.product(*options):
        used = [0] * p.n_helpers
        cost = 0
        for i, j in enumerate(choice):
            if j is None:
                cost += unmatched_cost(p, policy, i)
            else:
                used[j] += 1
                cost += pair_cost(p, policy, i, j)
        if all(u <= int(c) for u, c in zip(used, p.helper_capacity, strict=True)):
            if cost < best.cost:
                best = Brute(cost, sum(j is not None for j in choice))
    return best


@st.composite
def small_problems(draw: st.DrawFn, max_needs: int = 5, max_helpers: int = 4) -> Problem:
    n = draw(st.integers(0, max_needs))
    m = draw(st.integers(0, max_helpers))
    cells = st.sampled_from(NEARBY)
    members = st.integers(1, 6)
    helper_ids = draw(st.lists(st.integers(3, 12), min_size=m, max_size=m, unique=True))
    need_ids = draw(st.lists(st.integers(100, 200), min_size=n, max_size=n, unique=True))
    ints = st.integers
    need_requester = draw(st.lists(members, min_size=n, max_size=n))
    pair_members = st.tuples(ints(1, 12), ints(1, 12))
    blocked = draw(st.lists(pair_members, max_size=3))
    decline_pairs = st.tuples(st.sampled_from(need_ids or [0]), st.sampled_from(helper_ids or [0]))
    declined = draw(st.lists(decline_pairs, max_size=3))
    return Problem.build(
        need_id=need_ids,
        need_cell=draw(st.lists(cells, min_size=n, max_size=n)),
        need_category=draw(st.lists(ints(0, 3), min_size=n, max_size=n)),
        need_languages=draw(st.lists(ints(0, 3), min_size=n, max_size=n)),
        need_urgency=draw(st.lists(ints(0, 2), min_size=n, max_size=n)),
        need_waiting_hours=draw(st.lists(st.floats(0, 100), min_size=n, max_size=n)),
        need_slots=draw(st.lists(ints(0, 7), min_size=n, max_size=n)),
        need_requester=need_requester,
        need_requester_help=draw(st.lists(st.floats(0, 3), min_size=n, max_size=n)),
        need_area_shortfall=draw(st.lists(st.floats(0, 1), min_size=n, max_size=n)),
        helper_id=helper_ids,
        helper_cell=draw(st.lists(cells, min_size=m, max_size=m)),
        helper_categories=draw(st.lists(ints(0, 15), min_size=m, max_size=m)),
        helper_languages=draw(st.lists(ints(0, 3), min_size=m, max_size=m)),
        helper_slots=draw(st.lists(ints(0, 7), min_size=m, max_size=m)),
        helper_capacity=draw(st.lists(ints(0, 2), min_size=m, max_size=m)),
        helper_radius_km=draw(st.lists(st.floats(0.3, 6.0), min_size=m, max_size=m)),
        helper_recent_load=draw(st.lists(st.floats(0, 30), min_size=m, max_size=m)),
        blocked_members=np.array(blocked, dtype=np.int64).reshape(-1, 2),
        declined_pairs=np.array(declined, dtype=np.int64).reshape(-1, 2),
    )


policies = st.builds(
    Policy,
    distance_weight=st.sampled_from([0.5, 1.0, 3.0]),
    load_weight=st.sampled_from([0.0, 0.5, 2.0]),
    rotate_first=st.booleans(),
    unmatched_base=st.sampled_from([2.0, 5.0, 20.0]),
    area_weight=st.sampled_from([0.0, 5.0, 20.0]),
    max_candidates_per_need=st.integers(1, 3),
)


def test_brute_force_counts_an_unmatched_need_at_its_unmatched_cost() -> None:
    # Given one need and no helpers
    p = Problem.build(
        need_id=[1],
        need_cell=[BASE_CELL],
        need_category=[0],
        need_languages=[0],
        need_urgency=[2],
        need_waiting_hours=[10.0],
        need_slots=[1],
        need_requester=[5],
        need_requester_help=[0.0],
        **{f: [] for f in Problem.__dataclass_fields__ if f.startswith("helper_")},
    )
    # Then the optimum is leaving it unmatched: 20 + 2*10 + 0.1*10 + 10/1 = 51 points
    assert brute_force(p, Policy()) == Brute(cost=5100, matched=0)
