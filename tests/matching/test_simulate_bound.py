"""The fill-rate bound: a linear program over every allocation a policy could end a run with.

It is only evidence if it is a true relaxation, so every policy's real outcome must be one of
its allocations; and on hand-made worlds it must give the answers worked out by hand.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from mutualaid.matching.simulation import report as sim
from mutualaid.matching.simulation.bound import (
    FillRateProgram,
    fill_rate_bound,
    hood_counts,
    run_capacity,
    usable_pairs,
)
from mutualaid.matching.simulation.config import neighbourhoods
from mutualaid.matching.simulation.metrics import gini
from mutualaid.matching.simulation.world import World, build_world
from tests.matching.test_simulate import ALL_POLICIES, SMALL, tiny_world


def two_neighbourhoods(posted: list[float]) -> World:
    """One helper with a cap of 2 a week; needs 0 and 1 live 1 km away (neighbourhood A),
    needs 2 and 3 live 5 km away (neighbourhood B)."""
    world = tiny_world([[1.0], [1.0], [5.0], [5.0]], posted, cap=[2])
    hood = np.array([0, 0, 1, 1], dtype=np.int64)
    return replace(
        world,
        places=neighbourhoods("city")[:2],
        requesters=replace(world.requesters, hood=hood),
    )


MET_IN_A = np.array([True, True, False, False])


def test_hand_made_world_gives_the_hand_worked_answers() -> None:
    world = two_neighbourhoods([0.0, 1.0, 2.0, 3.0])  # all within one week: room for 2
    assert gini(hood_counts(world, MET_IN_A) / 2) == pytest.approx(0.5)

    # equal fill rates take one need from each side: 1 km + 5 km
    assert fill_rate_bound(
        world, gini_target=0.0, baseline_met=MET_IN_A, keep="total"
    ) == pytest.approx(6.0)
    # ... which would leave A with fewer needs met than before: not allowed with "each"
    assert fill_rate_bound(world, gini_target=0.0, baseline_met=MET_IN_A, keep="each") is None
    # the baseline's own Gini is reached by the baseline itself, at its own travel
    assert fill_rate_bound(
        world, gini_target=0.5, baseline_met=MET_IN_A, keep="each"
    ) == pytest.approx(2.0)


def test_a_run_spanning_two_weeks_gives_each_helper_two_weeks_of_room() -> None:
    world = two_neighbourhoods([0.0, 1.0, 2.0, 170.0])  # the last need expires in week 2
    assert run_capacity(world).tolist() == [4]
    assert fill_rate_bound(
        world, gini_target=0.0, baseline_met=MET_IN_A, keep="each"
    ) == pytest.approx(12.0)


def test_a_pair_whose_draw_is_above_the_curve_at_zero_load_is_never_usable() -> None:
    world = two_neighbourhoods([0.0, 1.0, 2.0, 3.0])
    draws = world.accept_draw.copy()
    draws[2:, 0] = 0.99  # B's needs would be declined even by a helper with nothing to do
    world = replace(world, accept_draw=draws)
    assert usable_pairs(world)[:, 0].tolist() == [True, True, False, False]
    assert fill_rate_bound(world, gini_target=0.0, baseline_met=MET_IN_A, keep="total") is None


@pytest.mark.parametrize("seed", [3, 5])
def test_every_policys_outcome_is_one_of_the_bounds_allocations(seed: int) -> None:
    world = build_world(replace(SMALL, weeks=2, needs_per_day=40, helpers=40, seed=seed))
    usable, capacity = usable_pairs(world), run_capacity(world)
    for name in ALL_POLICIES:
        out = sim.run_policy(world, name)
        met = np.flatnonzero(~np.isnan(out.met_at))
        assert len(met) > 0, name
        assert usable[met, out.helper[met]].all(), name
        per_helper = np.bincount(out.helper[met], minlength=len(world.helpers.id))
        assert (per_helper <= capacity).all(), name
        # so at the policy's own fill rates the bound is reachable, and at no more travel
        rates = hood_counts(world, ~np.isnan(out.met_at)) / np.bincount(
            world.need_hood, minlength=len(world.places)
        ).clip(min=1)
        travel = float(world.distance_km[met, out.helper[met]].astype(float).sum())
        least = fill_rate_bound(
            world, gini_target=gini(rates) + 1e-9, baseline_met=~np.isnan(out.met_at)
        )
        assert least is not None, name
        assert least <= travel + 1e-6, name


def test_the_report_gives_the_goals_target_the_lowest_gini_and_the_least_travel() -> None:
    small = replace(SMALL, weeks=2, needs_per_day=40, helpers=40)
    report = sim.fill_rate_bounds(replace(small, seed=3))
    greedy_gini = report["greedy"]["gini_fill_rate_neighbourhoods"]
    assert report["target_gini"] == pytest.approx(0.7 * greedy_gini, abs=2e-4)
    assert report["least_km_at_greedy_gini"] <= report["greedy"]["total_travel_km"]
    # keeping every neighbourhood whole is a stricter rule than keeping the total
    each, total = (
        report["lowest_gini_no_neighbourhood_worse_off"],
        report["lowest_gini_as_many_met"],
    )
    assert total <= each < greedy_gini
    assert each <= report["target_gini"]  # so the target is reachable here, at a travel cost
    least_each = report["least_km_at_target_no_neighbourhood_worse_off"]
    least_total = report["least_km_at_target_as_many_met"]
    assert report["least_km_at_greedy_gini"] < least_total < least_each

    # a world where the goal is out of reach unless some neighbourhood gets less help
    report = sim.fill_rate_bounds(replace(small, seed=6))
    assert report["lowest_gini_no_neighbourhood_worse_off"] > report["target_gini"]
    assert report["least_km_at_target_no_neighbourhood_worse_off"] is None
    assert report["least_km_at_target_as_many_met"] is not None


def test_the_lowest_gini_is_the_edge_between_reachable_and_not() -> None:
    world = build_world(replace(SMALL, weeks=2, needs_per_day=40, helpers=40, seed=6))
    met = ~np.isnan(sim.run_policy(world, "greedy").met_at)
    program = FillRateProgram(world, baseline_met=met, keep="each")
    start = gini(hood_counts(world, met) / np.bincount(world.need_hood, minlength=7)) + 1e-9
    lowest = program.lowest_gini(start, tolerance=1e-5)
    assert 0 < lowest < start
    assert program.least_travel(lowest) is not None
    assert program.least_travel(lowest - 2e-5) is None


def test_a_pair_accepted_at_the_float32_edge_of_the_curve_is_usable() -> None:
    # the run compares a float32 draw with a float64 curve; a draw that rounding puts just
    # under the curve in either precision is accepted there, so the bound must keep the pair
    for km in np.linspace(0.01, 9.0, 200):
        world = tiny_world([[float(km)]], [0.0], cap=[1])
        curve = world.accept_probability(float(np.float32(km)), 0)
        draw = np.nextafter(np.float32(curve), np.float32(0))  # the largest float32 below it
        world = replace(world, accept_draw=np.array([[draw]], dtype=np.float32))
        met = ~np.isnan(sim.run_policy(world, "greedy").met_at)
        assert met[0], km
        assert usable_pairs(world)[0, 0], km


@pytest.mark.parametrize("greedy_gini", [0.0438, 0.0868, 0.194, 0.2127])
def test_the_goals_gini_is_the_loosest_the_goals_own_check_passes(greedy_gini: float) -> None:
    def passes(gini_value: float) -> bool:
        mine = {"gini_fill_rate_neighbourhoods": round(gini_value, 4), "total_travel_km": 1.0}
        greedy = {"gini_fill_rate_neighbourhoods": greedy_gini, "total_travel_km": 1.0}
        return bool(sim._vs_greedy(mine, greedy)["fill_gini_at_least_30pct_lower"])

    target = sim.goal_fill_gini(greedy_gini)
    assert passes(target - 1e-7)
    assert not passes(target + 1e-4)


def test_no_gini_passes_the_goal_when_greedys_is_already_zero() -> None:
    assert sim.goal_fill_gini(0.0) is None
