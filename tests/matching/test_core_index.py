"""Instant suggestions agree with brute force; the core stays free of Django."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from mutualaid.matching.core import HelperIndex, Policy, Problem
from tests.matching.test_core_bruteforce import (
    NEARBY,
    feasible,
    pair_cost,
    policies,
    small_problems,
)

CORE = Path(__file__).resolve().parents[2] / "mutualaid" / "matching" / "core"


@settings(max_examples=60, deadline=None)
@given(
    problem=small_problems(max_needs=1, max_helpers=8),
    policy=policies,
    k=st.integers(1, 5),
)
def test_top_returns_the_cheapest_feasible_helpers(
    problem: Problem, policy: Policy, k: int
) -> None:
    if problem.n_needs == 0:
        return
    # Given the index over the helpers of a random instance, and its one need
    index = HelperIndex.from_problem(problem, policy)
    excluded = [int(h) for n, h in problem.declined_pairs.tolist() if n == problem.need_id[0]]
    requester = int(problem.need_requester[0])
    blocked = [b if a == requester else a for a, b in problem.blocked_members.tolist()]
    blocked = [
        m
        for m, (a, b) in zip(blocked, problem.blocked_members.tolist(), strict=True)
        if requester in (a, b)
    ]
    # When asked for the best k
    top = index.top(
        cell=int(problem.need_cell[0]),
        category=int(problem.need_category[0]),
        languages=int(problem.need_languages[0]),
        slots=int(problem.need_slots[0]),
        requester=int(problem.need_requester[0]),
        k=k,
        exclude_helper_ids=np.array([*excluded, *blocked], dtype=np.int64),
    )
    # Then it gives the k cheapest of the feasible helpers found by brute force
    costs = sorted(
        pair_cost(problem, policy, 0, j)
        for j in range(problem.n_helpers)
        if feasible(problem, 0, j)
    )
    assert top.cost.tolist() == costs[:k]


def test_top_for_a_need_nobody_can_take_is_empty() -> None:
    index = HelperIndex(
        helper_id=np.array([1], dtype="int64"),
        helper_cell=np.array([NEARBY[0]], dtype="uint64"),
        helper_categories=np.array([1], dtype="uint64"),
        helper_languages=np.array([1], dtype="uint64"),
        helper_slots=np.array([1], dtype="uint32"),
        helper_capacity=np.array([1], dtype="int32"),
        helper_radius_km=np.array([3.0]),
        helper_recent_load=np.array([0.0]),
    )
    assert len(index.top(cell=NEARBY[0], category=5).helper_id) == 0
    assert index.top(cell=NEARBY[0], category=0).helper_id.tolist() == [1]


def test_the_core_imports_nothing_from_django() -> None:
    for path in CORE.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not any(n.split(".")[0] == "django" for n in names), path
    code = (
        "import sys; import mutualaid.matching.core; "
        "assert not any(m.split('.')[0] == 'django' for m in sys.modules), 'django imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
