"""Bad input gets a clear ProblemError naming the field; edge cases give sane answers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from mutualaid.matching.core import Policy, PolicyError, Problem, ProblemError, explain, solve
from tests.matching.test_core_bruteforce import BASE_CELL, FAR_CELL


def fields(**overrides: Any) -> dict[str, Any]:
    """Two needs and two helpers, all valid, as typed arrays."""
    values: dict[str, Any] = {
        "need_id": np.array([1, 2], dtype=np.int64),
        "need_cell": np.array([BASE_CELL, BASE_CELL], dtype=np.uint64),
        "need_category": np.array([0, 1], dtype=np.int16),
        "need_languages": np.array([0, 2], dtype=np.uint64),
        "need_urgency": np.array([0, 2], dtype=np.int8),
        "need_waiting_hours": np.array([1.0, 5.0]),
        "need_slots": np.array([1, 3], dtype=np.uint32),
        "need_requester": np.array([100, 101], dtype=np.int64),
        "need_requester_help": np.array([0.0, 2.0]),
        "helper_id": np.array([10, 11], dtype=np.int64),
        "helper_cell": np.array([BASE_CELL, BASE_CELL], dtype=np.uint64),
        "helper_categories": np.array([0b11, 0b11], dtype=np.uint64),
        "helper_languages": np.array([1, 2], dtype=np.uint64),
        "helper_slots": np.array([1, 2], dtype=np.uint32),
        "helper_capacity": np.array([1, 1], dtype=np.int32),
        "helper_radius_km": np.array([5.0, 5.0]),
        "helper_recent_load": np.array([0.0, 1.0]),
        "blocked_members": np.zeros((0, 2), dtype=np.int64),
        "declined_pairs": np.zeros((0, 2), dtype=np.int64),
    }
    values.update(overrides)
    return values


def test_a_valid_problem_is_matched() -> None:
    result = solve(Problem(**fields()))
    assert sorted(zip(result.need_id.tolist(), result.helper_id.tolist(), strict=True)) == [
        (1, 10),
        (2, 11),
    ]


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"need_id": np.array([1, 1], dtype=np.int64)}, "need_id"),
        ({"helper_id": np.array([3, 3], dtype=np.int64)}, "helper_id"),
        ({"need_id": np.array([1, 2], dtype=np.int32)}, "need_id"),
        ({"need_cell": np.array([BASE_CELL], dtype=np.uint64)}, "one length"),
        ({"helper_capacity": np.array([1, -1], dtype=np.int32)}, "helper_capacity"),
        ({"helper_radius_km": np.array([0.0, 1.0])}, "helper_radius_km"),
        ({"helper_radius_km": np.array([np.nan, 1.0])}, "helper_radius_km"),
        ({"need_waiting_hours": np.array([-1.0, 1.0])}, "need_waiting_hours"),
        ({"need_waiting_hours": np.array([np.inf, 1.0])}, "need_waiting_hours"),
        ({"need_requester_help": np.array([np.nan, 1.0])}, "need_requester_help"),
        ({"helper_recent_load": np.array([-0.5, 1.0])}, "helper_recent_load"),
        ({"need_category": np.array([0, 64], dtype=np.int16)}, "need_category"),
        ({"need_urgency": np.array([0, 3], dtype=np.int8)}, "need_urgency"),
        ({"need_slots": np.array([0, 1 << 21], dtype=np.uint32)}, "need_slots"),
        ({"need_cell": np.array([BASE_CELL, 12345], dtype=np.uint64)}, "need_cell"),
        ({"helper_cell": np.array([BASE_CELL, 0], dtype=np.uint64)}, "helper_cell"),
        ({"need_cell": [BASE_CELL, BASE_CELL]}, "need_cell"),
        ({"blocked_members": np.zeros((2, 3), dtype=np.int64)}, "blocked_members"),
        ({"declined_pairs": np.zeros(4, dtype=np.int64)}, "declined_pairs"),
    ],
)
def test_bad_input_names_the_field(override: dict[str, Any], field: str) -> None:
    with pytest.raises(ProblemError, match=field):
        Problem(**fields(**override))


def test_cells_coarser_than_resolution_5_are_refused() -> None:
    from h3.api import basic_int as h3i

    coarse = h3i.cell_to_parent(BASE_CELL, 4)
    with pytest.raises(ProblemError, match="resolution 5"):
        Problem(**fields(need_cell=np.array([coarse, BASE_CELL], dtype=np.uint64)))


def test_build_converts_lists_and_refuses_what_does_not_fit() -> None:
    values = {k: v.tolist() for k, v in fields().items()}
    assert Problem.build(**values).n_needs == 2
    with pytest.raises(ProblemError, match="need_id"):
        Problem.build(**{**values, "need_id": [1.5, 2]})
    with pytest.raises(ProblemError, match="helper_capacity"):
        Problem.build(**{**values, "helper_capacity": [2**40, 1]})
    with pytest.raises(ProblemError, match="unknown"):
        Problem.build(**{**values, "colour": [1, 2]})


def test_empty_needs_and_empty_helpers_give_no_proposals() -> None:
    empty_needs = {k: v[:0] for k, v in fields().items() if k.startswith("need_")}
    empty_helpers = {k: v[:0] for k, v in fields().items() if k.startswith("helper_")}
    for override in (empty_needs, empty_helpers, {**empty_needs, **empty_helpers}):
        problem = Problem(**fields(**override))
        for result in (solve(problem), solve(problem, split=True)):
            assert result.n_matched == 0
            assert len(result.unmatched_need_id) == problem.n_needs


def test_a_need_nobody_can_take_stays_unmatched() -> None:
    far = np.array([FAR_CELL, BASE_CELL], dtype=np.uint64)
    result = solve(Problem(**fields(need_cell=far)))
    assert result.unmatched_need_id.tolist() == [1]


def test_a_helper_with_no_capacity_left_is_never_proposed() -> None:
    result = solve(Problem(**fields(helper_capacity=np.array([0, 5], dtype=np.int32))))
    assert 10 not in result.helper_id.tolist()


def test_declines_blocks_and_self_matches_are_respected() -> None:
    declined = np.array([[1, 10]], dtype=np.int64)
    blocked = np.array([[11, 101]], dtype=np.int64)  # the helper blocked the requester
    result = solve(Problem(**fields(declined_pairs=declined, blocked_members=blocked)))
    assert result.n_matched == 0
    own = solve(Problem(**fields(need_requester=np.array([10, 11], dtype=np.int64))))
    assert own.n_matched == 0


def test_ids_from_elsewhere_in_blocks_and_declines_are_ignored() -> None:
    blocked = np.array([[999, 998]], dtype=np.int64)
    declined = np.array([[777, 10]], dtype=np.int64)
    result = solve(Problem(**fields(blocked_members=blocked, declined_pairs=declined)))
    assert result.n_matched == 2


def test_an_instance_survives_a_round_trip_through_npz(tmp_path: Path) -> None:
    problem = Problem(**fields())
    policy = Policy(distance_weight=2.0, rotate_first=True)
    problem.save(tmp_path / "one.npz", policy)
    again = Problem.load(tmp_path / "one.npz")
    for name, value in problem.arrays().items():
        assert np.array_equal(getattr(again, name), value)
    with np.load(tmp_path / "one.npz") as data:
        assert Policy.from_arrays(dict(data)) == policy


def test_a_file_missing_a_field_is_refused(tmp_path: Path) -> None:
    values = fields()
    del values["helper_slots"]
    np.savez(tmp_path / "bad.npz", **values)
    with pytest.raises(ProblemError, match="helper_slots"):
        Problem.load(tmp_path / "bad.npz")


def test_a_bad_policy_is_refused() -> None:
    with pytest.raises(PolicyError, match="distance_weight"):
        Policy(distance_weight=-1.0)
    with pytest.raises(PolicyError, match="max_candidates_per_need"):
        Policy(max_candidates_per_need=0)
    with pytest.raises(PolicyError, match="split_rounds"):
        Policy(split_rounds=0)


def test_explain_gives_the_facts_behind_a_pair() -> None:
    problem = Problem(**fields())
    facts = dict(explain(problem, 1, 1))
    assert facts["distance_km"] == 0.0
    assert facts["language_bits"] == 2
    assert facts["slots"] == 2
    assert facts["broken"] == []
    assert dict(explain(problem, 1, 0))["broken"] == ["language"]
