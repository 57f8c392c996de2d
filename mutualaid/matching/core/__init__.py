"""The matching engine: pure numpy + OR-Tools, no Django (a test keeps it that way).

Public API (documented in full in docs/matching.md)::

    from mutualaid.matching.core import Problem, Policy, Result, solve, HelperIndex, explain

- ``Problem``: needs, helpers, blocked member pairs and declined (need, helper) pairs as numpy
  arrays with fixed dtypes. The constructor checks everything and raises ``ProblemError`` (a
  ``ValueError``) naming the field. ``Problem.build(**lists)`` converts lists safely;
  ``Problem.save(path, policy)`` / ``Problem.load(path)`` read and write the .npz format.
- ``Policy``: the network's weights and limits (frozen; defaults are the network defaults).
- ``solve(problem, policy, *, workers=1, split=None) -> Result``: candidates, then one exact
  min-cost flow. With ``workers > 1`` (or ``split=True``) the needs are split into regions by H3
  parent cell (``split_regions``; each helper belongs to one region), each solved by
  ``solve_region`` in a process pool, then the needs left over are matched across borders
  with the capacity left (``cross_borders``).
- ``Result``: ``need_id``, ``helper_id``, ``distance_km``, ``cost`` of each proposal,
  ``unmatched_need_id``, ``total_cost`` (pairs + unmatched penalties, integer units) and
  ``stats`` (candidate_seconds, solve_seconds, arcs, regions ...).
- ``HelperIndex``: helpers indexed once by cell and category; ``.top(cell=..., category=...,
  languages=..., slots=..., requester=..., k=5)`` gives instant suggestions for one new need.
- ``explain(problem, need_row, helper_row, policy)``: structured facts about one pair.
- ``greedy`` and ``reference``: the baselines the benchmark compares against.
- ``area_shortfall(need_cells, recent_cells, recent_met)``: how poorly each need's area was
  served lately, the optional ``Problem.need_area_shortfall`` that ``Policy.area_weight``
  weighs.
"""

from mutualaid.matching.core.area import AREA_RESOLUTION, area_cells, area_shortfall
from mutualaid.matching.core.baselines import greedy, reference
from mutualaid.matching.core.candidates import Candidates, HelperIndex, Suggestions
from mutualaid.matching.core.explain import broken_rules, explain
from mutualaid.matching.core.policy import Policy, PolicyError
from mutualaid.matching.core.problem import ALL_SLOTS, Problem, ProblemError, no_pairs
from mutualaid.matching.core.solver import (
    Region,
    RegionResult,
    Result,
    SolverError,
    cross_borders,
    find_candidates,
    solve,
    solve_region,
    split_regions,
    subproblem,
)

__all__ = [
    "ALL_SLOTS",
    "AREA_RESOLUTION",
    "Candidates",
    "HelperIndex",
    "Policy",
    "PolicyError",
    "Problem",
    "ProblemError",
    "Region",
    "RegionResult",
    "Result",
    "SolverError",
    "Suggestions",
    "area_cells",
    "area_shortfall",
    "broken_rules",
    "cross_borders",
    "explain",
    "find_candidates",
    "greedy",
    "no_pairs",
    "reference",
    "solve",
    "solve_region",
    "split_regions",
    "subproblem",
]
