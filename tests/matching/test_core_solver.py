"""The engine against brute force on random small instances (pure, no database)."""

from __future__ import annotations

from collections import Counter

import numpy as np
from h3.api import basic_int as h3i
from hypothesis import HealthCheck, given, settings

from mutualaid.matching.core import (
    Policy,
    Problem,
    Result,
    reference,
    solve,
    solve_region,
    split_regions,
)
from tests.matching.test_core_bruteforce import (
    BASE_CELL,
    brute_force,
    feasible,
    policies,
    small_problems,
)

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_valid(problem: Problem, result: Result) -> None:
    """Each need at most once, no helper over capacity, every pair within every hard rule."""
    assert len(set(result.need_id.tolist())) == len(result.need_id)
    rows = {int(h): j for j, h in enumerate(problem.helper_id.tolist())}
    need_rows = {int(n): i for i, n in enumerate(problem.need_id.tolist())}
    load = Counter(result.helper_id.tolist())
    for helper, count in load.items():
        assert count <= problem.helper_capacity[rows[helper]]
    for need, helper in zip(result.need_id.tolist(), result.helper_id.tolist(), strict=True):
        assert feasible(problem, need_rows[need], rows[helper])
    matched = set(result.need_id.tolist())
    assert matched.isdisjoint(result.unmatched_need_id.tolist())
    assert len(matched) + len(result.unmatched_need_id) == problem.n_needs


@SETTINGS
@given(problem=small_problems(), policy=policies)
def test_the_engine_finds_the_brute_force_optimum(problem: Problem, policy: Policy) -> None:
    # Given a random small instance, when the engine solves it
    result = solve(problem, policy)
    # Then its cost is the optimum found by enumerating every assignment
    assert result.total_cost == brute_force(problem, policy).cost
    # And what it proposes breaks no rule and no helper's capacity
    assert_valid(problem, result)


@SETTINGS
@given(problem=small_problems(), policy=policies)
def test_the_region_split_is_always_feasible(problem: Problem, policy: Policy) -> None:
    small_regions = Policy(**{**policy.__dict__, "region_resolution": 7})
    result = solve(problem, small_regions, split=True)
    assert_valid(problem, result)
    assert result.total_cost >= brute_force(problem, small_regions).cost


@SETTINGS
@given(problem=small_problems(max_needs=4, max_helpers=3))
def test_the_reference_and_the_engine_agree(problem: Problem) -> None:
    assert reference(problem).total_cost == solve(problem).total_cost


def test_a_crowded_instance_is_solved_exactly_despite_few_candidates() -> None:
    # Given many needs competing for few nearby helpers, and a policy that starts from one
    # candidate per need, so the pricing rounds must find the rest
    rng = np.random.default_rng(7)
    cells = sorted(h3i.grid_disk(BASE_CELL, 4))
    n, m = 40, 12
    problem = Problem.build(
        need_id=np.arange(n),
        need_cell=rng.choice(cells, n),
        need_category=rng.integers(0, 2, n),
        need_languages=np.zeros(n),
        need_urgency=rng.integers(0, 3, n),
        need_waiting_hours=rng.uniform(0, 50, n),
        need_slots=np.full(n, 7),
        need_requester=np.arange(n) + 1000,
        need_requester_help=rng.uniform(0, 2, n),
        helper_id=np.arange(m),
        helper_cell=rng.choice(cells, m),
        helper_categories=np.full(m, 3),
        helper_languages=np.ones(m),
        helper_slots=np.full(m, 7),
        helper_capacity=rng.integers(1, 4, m),
        helper_radius_km=rng.uniform(1, 6, m),
        helper_recent_load=rng.poisson(1.0, m).astype(float),
    )
    policy = Policy(max_candidates_per_need=1)
    # When the engine solves it
    result = solve(problem, policy)
    # Then it costs exactly what one solve over every feasible pair costs
    assert result.total_cost == reference(problem, policy).total_cost
    assert result.stats["proven_optimal"]
    assert_valid(problem, result)


def test_two_far_apart_cities_split_into_regions_without_loss() -> None:
    # Given two cities far beyond any helper's radius
    rng = np.random.default_rng(3)
    here = sorted(h3i.grid_disk(BASE_CELL, 3))
    there = sorted(h3i.grid_disk(h3i.latlng_to_cell(40.71, -74.0, 8), 3))
    n, m = 30, 16
    need_cells = [*rng.choice(here, n // 2), *rng.choice(there, n - n // 2)]
    helper_cells = [*rng.choice(here, m // 2), *rng.choice(there, m - m // 2)]
    problem = Problem.build(
        need_id=np.arange(n),
        need_cell=need_cells,
        need_category=rng.integers(0, 3, n),
        need_languages=np.zeros(n),
        need_urgency=rng.integers(0, 3, n),
        need_waiting_hours=rng.uniform(0, 50, n),
        need_slots=np.full(n, 7),
        need_requester=np.arange(n) + 1000,
        need_requester_help=np.zeros(n),
        helper_id=np.arange(m),
        helper_cell=helper_cells,
        helper_categories=np.full(m, 7),
        helper_languages=np.ones(m),
        helper_slots=np.full(m, 7),
        helper_capacity=np.full(m, 1),
        helper_radius_km=np.full(m, 5.0),
        helper_recent_load=np.zeros(m),
    )
    # When it is solved whole, and split into regions in two worker processes
    policy = Policy(region_resolution=2)  # cells ~160 km across: one per city here
    whole = solve(problem, policy)
    split = solve(problem, policy, workers=2, max_rounds=50)
    # Then the regions are independent and the split (with exact regional solves) loses nothing
    assert split.stats["regions"] == 2
    assert split.total_cost == whole.total_cost
    assert_valid(problem, split)


def test_mixed_resolutions_use_each_cells_own_centre() -> None:
    # Given a helper stored at resolution 9 and a need at resolution 7
    helper_cell = h3i.latlng_to_cell(29.76, -95.37, 9)
    need_cell = h3i.latlng_to_cell(29.775, -95.37, 7)
    problem = Problem.build(
        need_id=[1],
        need_cell=[need_cell],
        need_category=[0],
        need_languages=[0],
        need_urgency=[0],
        need_waiting_hours=[0.0],
        need_slots=[1],
        need_requester=[10],
        need_requester_help=[0.0],
        helper_id=[2, 3],
        helper_cell=[helper_cell, h3i.latlng_to_cell(29.80, -95.37, 9)],
        helper_categories=[1, 1],
        helper_languages=[0, 0],
        helper_slots=[1, 1],
        helper_capacity=[1, 1],
        helper_radius_km=[10.0, 10.0],
        helper_recent_load=[0.0, 0.0],
    )
    assert solve(problem).total_cost == brute_force(problem, Policy()).cost


@SETTINGS
@given(problem=small_problems(max_needs=6, max_helpers=4))
def test_each_region_on_its_own_is_feasible(problem: Problem) -> None:
    # Given the needs split into small regions
    policy = Policy(region_resolution=8, max_candidates_per_need=2)
    for region in split_regions(problem, policy):
        # When one region is solved on its own
        chosen = solve_region(problem, region, policy).chosen
        # Then it only pairs its own needs and helpers, once each, within rules and capacity
        assert set(chosen.need_row.tolist()) <= set(region.need_rows.tolist())
        assert set(chosen.helper_row.tolist()) <= set(region.helper_rows.tolist())
        assert len(set(chosen.need_row.tolist())) == len(chosen.need_row)
        load = Counter(chosen.helper_row.tolist())
        assert all(n <= problem.helper_capacity[j] for j, n in load.items())
        for i, j in zip(chosen.need_row.tolist(), chosen.helper_row.tolist(), strict=True):
            assert feasible(problem, i, j)


def test_the_seam_repair_reopens_needs_and_stays_feasible() -> None:
    # Given a crowded city cut into many small regions, so that needs near a border have
    # only helpers next door, whom their own region's needs took
    rng = np.random.default_rng(11)
    cells = sorted(h3i.grid_disk(BASE_CELL, 12))
    n, m = 300, 120
    problem = Problem.build(
        need_id=np.arange(n),
        need_cell=rng.choice(cells, n),
        need_category=rng.integers(0, 2, n),
        need_languages=np.zeros(n),
        need_urgency=rng.integers(0, 3, n),
        need_waiting_hours=rng.uniform(0, 50, n),
        need_slots=np.full(n, 7),
        need_requester=np.arange(n) + 1000,
        need_requester_help=np.zeros(n),
        helper_id=np.arange(m),
        helper_cell=rng.choice(cells, m),
        helper_categories=np.full(m, 3),
        helper_languages=np.ones(m),
        helper_slots=np.full(m, 7),
        helper_capacity=rng.integers(1, 4, m),
        helper_radius_km=rng.uniform(2, 8, m),
        helper_recent_load=np.zeros(m),
    )
    plain = Policy(region_resolution=8, seam_candidates=0)
    seam = Policy(region_resolution=8)
    # When it is split with and without the seam repair
    without = solve(problem, plain, split=True)
    repaired = solve(problem, seam, split=True)
    # Then the repair reopens needs, and both results keep every rule and every capacity
    assert without.stats["reopened_needs"] == 0
    assert repaired.stats["reopened_needs"] > 0
    assert_valid(problem, without)
    assert_valid(problem, repaired)
    assert repaired.total_cost >= solve(problem, seam).total_cost
