"""Structured facts about one proposed pair, for the plain-words explanation.

The Django layer turns them into words ("1.2 km away · speaks Spanish · free Saturday
morning"); nothing here is translated.
"""

from __future__ import annotations

import numpy as np

from mutualaid.matching.core.geo import cell_centres, haversine_km
from mutualaid.matching.core.policy import Policy, distance_units, load_units, unmatched_units
from mutualaid.matching.core.problem import Problem


def explain(
    problem: Problem, need_row: int, helper_row: int, policy: Policy | None = None
) -> list[tuple[str, object]]:
    """Facts about the pair (need at ``need_row``, helper at ``helper_row``), in this order:

    distance_km (float, 1 decimal), category (int), language_bits (int: languages both share,
    0 when the need asked for none), slots (int: weekly slots both are free, bit day*3+part),
    helper_recent_load (float), cost and unmatched_cost (int units), and ``broken``: the list
    of hard rules the pair breaks (empty for every pair the engine proposes).
    """
    policy = policy or Policy()
    i, j = int(need_row), int(helper_row)
    lat1, lng1 = cell_centres(problem.need_cell[i : i + 1])
    lat2, lng2 = cell_centres(problem.helper_cell[j : j + 1])
    km = haversine_km(lat1, lng1, lat2, lng2)
    load = problem.helper_recent_load[j : j + 1]
    asked = int(problem.need_languages[i])
    shared = asked & int(problem.helper_languages[j])
    slots = int(problem.need_slots[i]) & int(problem.helper_slots[j])
    unmatched = unmatched_units(
        problem.need_urgency[i : i + 1],
        problem.need_waiting_hours[i : i + 1],
        problem.need_requester_help[i : i + 1],
        policy,
        problem.need_area_shortfall[i : i + 1],
    )
    return [
        ("distance_km", round(float(km[0]), 1)),
        ("category", int(problem.need_category[i])),
        ("language_bits", shared),
        ("slots", slots),
        ("helper_recent_load", float(load[0])),
        ("cost", int(distance_units(km, policy)[0] + load_units(load, policy)[0])),
        ("unmatched_cost", int(unmatched[0])),
        ("broken", broken_rules(problem, i, j, float(km[0]))),
    ]


def broken_rules(problem: Problem, i: int, j: int, km: float) -> list[str]:
    """The hard rules that the pair (need row i, helper row j) breaks, by name."""
    broken = []
    if not (int(problem.helper_categories[j]) >> int(problem.need_category[i])) & 1:
        broken.append("category")
    asked = int(problem.need_languages[i])
    if asked and not asked & int(problem.helper_languages[j]):
        broken.append("language")
    if km > float(problem.helper_radius_km[j]):
        broken.append("radius")
    if not int(problem.need_slots[i]) & int(problem.helper_slots[j]):
        broken.append("slots")
    if problem.helper_capacity[j] <= 0:
        broken.append("capacity")
    requester, helper = int(problem.need_requester[i]), int(problem.helper_id[j])
    if requester == helper:
        broken.append("self")
    pairs = problem.blocked_members
    if len(pairs) and bool(
        np.any(
            ((pairs[:, 0] == requester) & (pairs[:, 1] == helper))
            | ((pairs[:, 0] == helper) & (pairs[:, 1] == requester))
        )
    ):
        broken.append("blocked")
    declined = problem.declined_pairs
    if len(declined) and bool(
        np.any((declined[:, 0] == problem.need_id[i]) & (declined[:, 1] == helper))
    ):
        broken.append("declined")
    return broken
