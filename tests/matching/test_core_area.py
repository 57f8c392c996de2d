"""The area-fairness term: an optional per-need array, weighed by Policy.area_weight."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from h3.api import basic_int as h3i

from mutualaid.matching.core import AREA_RESOLUTION, Policy, Problem, ProblemError, area_shortfall
from mutualaid.matching.core import solve as solve_problem
from mutualaid.matching.core.solver import problem_unmatched
from tests.matching.test_core_bruteforce import BASE_CELL
from tests.matching.test_core_problem import fields

# two res-8 cells in different areas (res-7 parents), about 2 km apart
OTHER_AREA = next(
    c
    for c in sorted(h3i.grid_ring(BASE_CELL, 3))
    if h3i.cell_to_parent(c, AREA_RESOLUTION) != h3i.cell_to_parent(BASE_CELL, AREA_RESOLUTION)
)


def test_without_the_array_every_need_has_no_shortfall_and_costs_as_before() -> None:
    problem = Problem(**fields())
    assert problem.need_area_shortfall.tolist() == [0.0, 0.0]
    with_weight = Policy(area_weight=50.0)
    assert problem_unmatched(problem, with_weight).tolist() == (
        problem_unmatched(problem, Policy()).tolist()
    )


def test_the_shortfall_raises_a_needs_unmatched_cost_by_the_area_weight() -> None:
    problem = Problem(**fields(need_area_shortfall=np.array([0.0, 0.5])))
    base = problem_unmatched(problem, Policy())
    raised = problem_unmatched(problem, Policy(area_weight=10.0))
    assert (raised - base).tolist() == [0, 500]  # 10 points x 0.5, at 100 units a point


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (np.array([0.5]), "one value per need"),
        (np.array([0.5, 1.5]), "need_area_shortfall must be <= 1"),
        (np.array([-0.1, 0.0]), "need_area_shortfall must be >= 0"),
        (np.array([np.nan, 0.0]), "NaN"),
        (np.array([1, 0], dtype=np.int64), "dtype float64"),
    ],
)
def test_a_bad_shortfall_is_refused_naming_the_field(value: np.ndarray, words: str) -> None:
    with pytest.raises(ProblemError, match=words):
        Problem(**fields(need_area_shortfall=value))


def test_the_shortfall_is_saved_and_loaded_and_old_files_load_without_it(tmp_path: Path) -> None:
    problem = Problem(**fields(need_area_shortfall=np.array([0.25, 0.75])))
    problem.save(tmp_path / "with.npz")
    assert Problem.load(tmp_path / "with.npz").need_area_shortfall.tolist() == [0.25, 0.75]
    old = {k: v for k, v in problem.arrays().items() if k != "need_area_shortfall"}
    np.savez_compressed(tmp_path / "old.npz", **old)
    assert Problem.load(tmp_path / "old.npz").need_area_shortfall.tolist() == [0.0, 0.0]


def test_when_two_needs_want_one_helper_the_worse_served_area_goes_first() -> None:
    # given two equal needs, the second a little further from the only helper, in an area
    # where most recent needs went without help
    values = fields(
        need_category=np.array([0, 0], dtype=np.int16),
        need_languages=np.array([0, 0], dtype=np.uint64),
        need_urgency=np.array([1, 1], dtype=np.int8),
        need_waiting_hours=np.array([1.0, 1.0]),
        need_slots=np.array([1, 1], dtype=np.uint32),
        need_requester_help=np.array([0.0, 0.0]),
        need_cell=np.array([BASE_CELL, OTHER_AREA], dtype=np.uint64),
        need_area_shortfall=np.array([0.0, 0.8]),
        helper_id=np.array([10], dtype=np.int64),
        helper_cell=np.array([BASE_CELL], dtype=np.uint64),
        helper_categories=np.array([1], dtype=np.uint64),
        helper_languages=np.array([1], dtype=np.uint64),
        helper_slots=np.array([1], dtype=np.uint32),
        helper_capacity=np.array([1], dtype=np.int32),
        helper_radius_km=np.array([10.0]),
        helper_recent_load=np.array([0.0]),
    )
    problem = Problem(**values)
    # then without the area weight the nearer need gets the helper, and with it the other one
    assert solve_problem(problem, Policy()).need_id.tolist() == [1]
    assert solve_problem(problem, Policy(area_weight=20.0)).need_id.tolist() == [2]


def test_an_areas_shortfall_is_its_share_of_needs_without_help_shrunk_towards_the_network() -> None:
    here, there = np.uint64(BASE_CELL), np.uint64(OTHER_AREA)
    # given 6 recent needs here, 2 of them met, and 2 there, both met (overall 4 of 8 unmet)
    recent = np.array([here] * 6 + [there] * 2, dtype=np.uint64)
    met = np.array([True, True, False, False, False, False, True, True])
    out = area_shortfall(np.array([here, there], dtype=np.uint64), recent, met)
    # then (unmet + 4 x 0.5) / (ended + 4) for each area
    assert out.tolist() == pytest.approx([(4 + 2) / 10, (0 + 2) / 6])


def test_an_area_with_no_history_counts_as_the_network_and_no_history_as_nothing() -> None:
    far = np.uint64(h3i.latlng_to_cell(40.0, -100.0, 8))
    recent = np.array([BASE_CELL] * 4, dtype=np.uint64)
    met = np.array([True, False, False, False])
    assert area_shortfall(np.array([far], dtype=np.uint64), recent, met).tolist() == [0.75]
    empty = area_shortfall(
        np.array([far], dtype=np.uint64), np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=bool)
    )
    assert empty.tolist() == [0.0]
