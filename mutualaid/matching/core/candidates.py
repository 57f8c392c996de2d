"""Candidate pairs: which helpers may take which need, and at what cost.

Helpers are indexed once by H3 cell and category (``HelperIndex``). For each distinct need cell
the index walks outwards ring by ring (``grid_ring``) and only ever looks at helpers in the cells
it visits, never at all pairs. A need stops searching when it holds ``limit`` candidates whose
cost is no more than any helper further out could cost, when the rings are beyond every helper's
radius, or when anything further out would cost more than leaving the need unmatched.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from h3.api import basic_int as h3i

from mutualaid.matching.core.geo import (
    cell_centres,
    centre_offset_km,
    centre_spacing_km,
    haversine_km,
    resolutions,
    to_resolution,
)
from mutualaid.matching.core.policy import MAX_COST_UNITS, Policy, distance_units, load_units
from mutualaid.matching.core.problem import (
    ALL_SLOTS,
    N_CATEGORIES,
    Problem,
    ProblemError,
    check_cells,
    check_helpers,
)

Array = npt.NDArray[Any]
I64 = npt.NDArray[np.int64]

# The centres of cells k rings away are at least RING_FACTOR * k * spacing apart (a hexagon
# grid gives sqrt(3)/2 = 0.866; the margin absorbs H3's small local distortion).
RING_FACTOR = 0.8
# Rings searched at most; the index resolution is made coarser when radii need more.
MAX_RINGS = 24
# Pairs expanded at once, to keep memory modest on large jobs.
CHUNK_PAIRS = 4_000_000
# Entry sort keys are group << GROUP_SHIFT | cost (costs stay below 2**40).
GROUP_SHIFT = 41


@dataclass(frozen=True)
class Candidates:
    """Candidate pairs, sorted by need row then cost. Rows index the arrays passed in."""

    need_row: I64
    helper_row: I64
    distance_km: npt.NDArray[np.float64]
    cost: I64

    @classmethod
    def empty(cls) -> Candidates:
        z = np.zeros(0, dtype=np.int64)
        return cls(z, z.copy(), np.zeros(0), z.copy())

    def __len__(self) -> int:
        return len(self.need_row)

    def take(self, mask: Array) -> Candidates:
        return Candidates(
            self.need_row[mask], self.helper_row[mask], self.distance_km[mask], self.cost[mask]
        )


@dataclass(frozen=True)
class Suggestions:
    """The best helpers for one need, cheapest first."""

    helper_id: I64
    distance_km: npt.NDArray[np.float64]
    cost: I64


def _expand(counts: I64) -> tuple[I64, I64]:
    """For counts [2, 0, 3]: owners [0, 0, 2, 2, 2] and offsets [0, 1, 0, 1, 2]."""
    owners = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    starts = np.cumsum(counts) - counts
    offsets = np.arange(len(owners), dtype=np.int64) - starts[owners]
    return owners, offsets


# Rings already computed, by (cell, k): regions, rounds and pricing searches walk the same
# rings again and again. Cleared when it grows past RING_CACHE_SIZE entries.
_RING_CACHE: dict[tuple[int, int], list[int]] = {}
RING_CACHE_SIZE = 500_000


def _ring(cell: int, k: int) -> list[int]:
    if k == 0:
        return [cell]
    ring = _RING_CACHE.get((cell, k))
    if ring is None:
        try:
            ring = list(h3i.grid_ring(cell, k))
        except Exception:  # near a pentagon grid_ring can fail; the disk difference cannot
            inner = set(h3i.grid_disk(cell, k - 1))
            ring = [c for c in h3i.grid_disk(cell, k) if c not in inner]
        if len(_RING_CACHE) >= RING_CACHE_SIZE:
            _RING_CACHE.clear()
        _RING_CACHE[(cell, k)] = ring
    return ring


def top_k_per_need(cands: Candidates, limit: int | None) -> Candidates:
    """Sort by (need, cost) and keep each need's ``limit`` cheapest (ties: earlier first)."""
    if len(cands) == 0:
        return cands
    key = (cands.need_row << GROUP_SHIFT) + cands.cost
    cands = cands.take(np.argsort(key, kind="stable"))
    if limit is None:
        return cands
    first = np.r_[True, cands.need_row[1:] != cands.need_row[:-1]]
    group_start = np.maximum.accumulate(np.where(first, np.arange(len(cands)), 0))
    return cands.take(np.arange(len(cands)) - group_start < limit)


class HelperIndex:
    """Helpers indexed by H3 cell and category, built once, queried for many needs.

    ``top`` answers "who are the best five helpers for this one new need?" by a grid-disk
    lookup and a score, without a solve. ``candidates`` does the same for many needs at once.
    """

    def __init__(
        self,
        *,
        helper_id: Array,
        helper_cell: Array,
        helper_categories: Array,
        helper_languages: Array,
        helper_slots: Array,
        helper_capacity: Array,
        helper_radius_km: Array,
        helper_recent_load: Array,
        policy: Policy | None = None,
        validate: bool = True,
    ) -> None:
        values = {
            "helper_id": helper_id,
            "helper_cell": helper_cell,
            "helper_categories": helper_categories,
            "helper_languages": helper_languages,
            "helper_slots": helper_slots,
            "helper_capacity": helper_capacity,
            "helper_radius_km": helper_radius_km,
            "helper_recent_load": helper_recent_load,
        }
        h = check_helpers(values) if validate else values
        self.policy = policy or Policy()
        self.helper_id: I64 = h["helper_id"]
        self.languages: Array = h["helper_languages"]
        self.slots: Array = h["helper_slots"]
        self.radius: npt.NDArray[np.float64] = h["helper_radius_km"]
        self.load_cost: I64 = load_units(h["helper_recent_load"], self.policy)
        self.n_helpers = len(self.helper_id)
        self._id_order = np.argsort(self.helper_id, kind="stable")
        usable = np.flatnonzero(h["helper_capacity"] > 0)
        self.max_radius = float(self.radius[usable].max()) if len(usable) else 0.0
        self.min_load_cost = int(self.load_cost[usable].min()) if len(usable) else 0
        self._build_cells(h["helper_cell"], usable)
        self._build_groups(h["helper_categories"], usable)

    @classmethod
    def from_problem(cls, problem: Problem, policy: Policy | None = None) -> HelperIndex:
        """The index over a problem's helpers (the problem is already validated)."""
        return cls(
            helper_id=problem.helper_id,
            helper_cell=problem.helper_cell,
            helper_categories=problem.helper_categories,
            helper_languages=problem.helper_languages,
            helper_slots=problem.helper_slots,
            helper_capacity=problem.helper_capacity,
            helper_radius_km=problem.helper_radius_km,
            helper_recent_load=problem.helper_recent_load,
            policy=policy,
            validate=False,
        )

    def _build_cells(self, cells: Array, usable: I64) -> None:
        res = int(resolutions(cells[usable]).min()) if len(usable) else 8
        # Coarsen the index until MAX_RINGS rings reach the largest radius.
        while res > 0 and RING_FACTOR * MAX_RINGS * _spacing(res) < self.max_radius:
            res -= 1
        self.index_resolution = res
        index_cells = to_resolution(cells[usable], res) if len(usable) else cells[usable]
        self.cells, cell_of = np.unique(index_cells, return_inverse=True)
        self.cell_of_helper = np.full(self.n_helpers, -1, dtype=np.int64)
        self.cell_of_helper[usable] = cell_of
        self.cell_lat, self.cell_lng = cell_centres(self.cells)
        self.helper_lat, self.helper_lng = cell_centres(cells)
        offset = np.zeros(self.n_helpers)
        if len(usable):
            offset[usable] = centre_offset_km(cells[usable], res)
        self.uniform = bool((offset[usable] == 0).all())
        self.cell_slack = np.zeros(len(self.cells))
        self.cell_max_radius = np.zeros(len(self.cells))
        np.maximum.at(self.cell_slack, cell_of, offset[usable])
        np.maximum.at(self.cell_max_radius, cell_of, self.radius[usable])
        self.max_slack = float(self.cell_slack.max()) if len(self.cells) else 0.0

    def _build_groups(self, categories: Array, usable: I64) -> None:
        rows, keys = [], []
        for bit in range(N_CATEGORIES):
            has = usable[(categories[usable] >> np.uint64(bit)) & np.uint64(1) == 1]
            rows.append(has)
            keys.append(self.cell_of_helper[has] * N_CATEGORIES + bit)
        self.entry_row = np.concatenate(rows).astype(np.int64)
        entry_key = np.concatenate(keys).astype(np.int64)
        self.group_key, group_of = np.unique(entry_key, return_inverse=True)
        self.group_of_entry = group_of.astype(np.int64)
        self._sort_groups()

    def _sort_groups(self) -> None:
        """Order each group's entries by helper cost, so a cost cut-off is one searchsorted."""
        order = np.lexsort((self.load_cost[self.entry_row], self.group_of_entry))
        self.entry_row = self.entry_row[order]
        self.group_of_entry = self.group_of_entry[order]
        counts = np.bincount(self.group_of_entry, minlength=len(self.group_key))
        self.group_len = counts.astype(np.int64)
        self.group_start = np.cumsum(self.group_len) - self.group_len
        self.entry_sort_key = (self.group_of_entry << GROUP_SHIFT) + self.load_cost[self.entry_row]

    def with_extra_cost(self, extra: I64) -> HelperIndex:
        """A copy whose helper costs are raised by ``extra`` (per helper row, >= 0).

        The solver prices arcs left out of a restricted solve with the helpers' dual prices
        this way: a pair is worth adding only if distance + helper cost + price < the need's
        price, and the cost-ordered groups skip the rest without looking at them.
        """
        clone = copy.copy(self)
        clone.load_cost = np.minimum(self.load_cost + extra, MAX_COST_UNITS)
        clone._sort_groups()
        return clone

    def rows_of_ids(self, ids: I64) -> I64:
        """Helper rows for helper ids (-1 where the id is not in the index)."""
        if self.n_helpers == 0:
            return np.full(len(ids), -1, dtype=np.int64)
        pos = np.searchsorted(self.helper_id[self._id_order], ids)
        pos = np.minimum(pos, self.n_helpers - 1)
        rows = self._id_order[pos]
        return np.where(self.helper_id[rows] == ids, rows, -1)

    def top(
        self,
        *,
        cell: int,
        category: int,
        languages: int = 0,
        slots: int = ALL_SLOTS,
        requester: int = -1,
        k: int = 5,
        exclude_helper_ids: Array | None = None,
    ) -> Suggestions:
        """The ``k`` cheapest feasible helpers for one new need (no solve, no capacity race)."""
        if not 0 <= category < N_CATEGORIES:
            raise ProblemError(f"category must be in 0..{N_CATEGORIES - 1}, got {category}")
        cells = np.array([cell], dtype=np.uint64)
        check_cells("cell", cells)
        banned = None
        if exclude_helper_ids is not None and len(exclude_helper_ids):
            rows = self.rows_of_ids(np.asarray(exclude_helper_ids, dtype=np.int64))
            banned = np.sort(rows[rows >= 0])
        cands = self.candidates(
            cell=cells,
            category=np.array([category], dtype=np.int16),
            languages=np.array([languages], dtype=np.uint64),
            slots=np.array([slots], dtype=np.uint32),
            requester=np.array([requester], dtype=np.int64),
            limit=k,
            banned=banned,
        )
        return Suggestions(self.helper_id[cands.helper_row], cands.distance_km, cands.cost)

    def candidates(
        self,
        *,
        cell: Array,
        category: Array,
        languages: Array,
        slots: Array,
        requester: Array,
        limit: int | None,
        ceiling: I64 | None = None,
        banned: I64 | None = None,
        prefix: int | None = None,
    ) -> Candidates:
        """Each need's ``limit`` cheapest feasible helpers (all of them when ``limit`` is None).

        ``prefix`` makes the search a fast heuristic: from each cell's helpers of the need's
        category only the ``prefix`` cheapest are looked at (the solver's pricing rounds make
        up for anything this misses).

        ``ceiling`` (per need, integer units) drops pairs costing that much or more: they are
        never better than leaving the need unmatched. ``banned`` holds sorted pair keys
        ``need_row * n_helpers + helper_row`` that may never be proposed.
        """
        search = _Search(self, cell, category, languages, slots, requester, limit, ceiling, banned)
        search.prefix = prefix
        return search.run()


def _spacing(res: int) -> float:
    return float(h3i.average_hexagon_edge_length(res, "km")) * math.sqrt(3.0) * 0.9


class _Search:
    """The ring-by-ring walk for one batch of needs."""

    def __init__(
        self,
        index: HelperIndex,
        cell: Array,
        category: Array,
        languages: Array,
        slots: Array,
        requester: Array,
        limit: int | None,
        ceiling: I64 | None,
        banned: I64 | None,
    ) -> None:
        self.ix = index
        self.category = category.astype(np.int64)
        self.languages, self.slots, self.requester = languages, slots, requester
        self.limit, self.ceiling, self.banned = limit, ceiling, banned
        self.prefix: int | None = None
        self.n = len(cell)
        res = index.index_resolution
        origin = to_resolution(cell, res) if self.n else cell
        self.origins, self.origin_of = np.unique(origin, return_inverse=True)
        self.origin_lat, self.origin_lng = cell_centres(self.origins)
        self.spacing = centre_spacing_km(self.origins)
        self.need_lat, self.need_lng = cell_centres(cell)
        offset = centre_offset_km(cell, res) if self.n else np.zeros(0)
        self.exact = not (index.uniform and (offset == 0).all())
        self.origin_slack = np.zeros(len(self.origins))
        np.maximum.at(self.origin_slack, self.origin_of, offset)

    def run(self) -> Candidates:
        ix = self.ix
        kept = Candidates.empty()
        if self.n == 0 or len(ix.cells) == 0:
            return kept
        active = np.ones(self.n, dtype=bool)
        parts: list[Candidates] = []
        k0, k1 = 0, 1
        while active.any():
            found = self._stage(np.flatnonzero(active), k0, k1)
            if self.limit is None:
                parts.append(found)
            else:
                kept = top_k_per_need(concat([kept, found]), self.limit)
            active &= ~self._done(kept, k1 + 1)
            k0, k1 = k1 + 1, k1 + 1 + max(1, (k1 + 1) // 2)
        if self.limit is None:
            kept = top_k_per_need(concat(parts), None)
        return kept

    def _done(self, kept: Candidates, next_k: int) -> npt.NDArray[np.bool_]:
        ix = self.ix
        lb_km = (
            RING_FACTOR * next_k * self.spacing[self.origin_of]
            - self.origin_slack[self.origin_of]
            - ix.max_slack
        )
        done = lb_km > ix.max_radius
        lb_cost = distance_units(np.maximum(lb_km, 0.0), ix.policy) + ix.min_load_cost
        if self.ceiling is not None:
            done |= lb_cost >= self.ceiling
        if self.limit is not None:
            count = np.bincount(kept.need_row, minlength=self.n)
            kth = np.full(self.n, np.iinfo(np.int64).max)
            if len(kept):
                rank = np.arange(len(kept)) - np.searchsorted(kept.need_row, kept.need_row)
                last = rank == self.limit - 1
                kth[kept.need_row[last]] = kept.cost[last]
            done |= (count >= self.limit) & (kth <= lb_cost)
        return np.asarray(done)

    def _stage(self, needs: I64, k0: int, k1: int) -> Candidates:
        ix = self.ix
        origins = np.unique(self.origin_of[needs])
        owner_list: list[int] = []
        ring_list: list[int] = []
        for o in origins.tolist():
            cell = int(self.origins[o])
            for k in range(k0, k1 + 1):
                ring = _ring(cell, k)
                ring_list.extend(ring)
                owner_list.extend([o] * len(ring))
        ring_cells = np.array(ring_list, dtype=np.uint64)
        owner = np.array(owner_list, dtype=np.int64)
        pos = np.minimum(np.searchsorted(ix.cells, ring_cells), len(ix.cells) - 1)
        hit = ix.cells[pos] == ring_cells
        owner, hcell = owner[hit], pos[hit]
        dist = haversine_km(
            self.origin_lat[owner], self.origin_lng[owner], ix.cell_lat[hcell], ix.cell_lng[hcell]
        )
        near = dist - self.origin_slack[owner] - ix.cell_slack[hcell] <= ix.cell_max_radius[hcell]
        owner, hcell, dist = owner[near], hcell[near], dist[near]
        # Cell pairs -> (need, helper cell) pairs, for the active needs of each origin cell.
        order = needs[np.argsort(self.origin_of[needs], kind="stable")]
        per_origin = np.bincount(self.origin_of[order], minlength=len(self.origins))
        first = np.cumsum(per_origin) - per_origin
        pair, offset = _expand(per_origin[owner])
        need = order[first[owner[pair]] + offset]
        hcell, dist = hcell[pair], dist[pair]
        # (need, helper cell) -> the helpers of that cell who do the need's category.
        key = hcell * N_CATEGORIES + self.category[need]
        g = np.minimum(np.searchsorted(ix.group_key, key), max(len(ix.group_key) - 1, 0))
        has = ix.group_key[g] == key if len(ix.group_key) else np.zeros(len(key), dtype=bool)
        need, dist, g = need[has], dist[has], g[has]
        sizes = ix.group_len[g]
        if self.ceiling is not None:
            # Only helpers whose own cost leaves the pair under the need's ceiling.
            near_km = np.maximum(dist - self.origin_slack[self.origin_of[need]] - ix.max_slack, 0)
            room = self.ceiling[need] - distance_units(near_km, ix.policy)
            room = np.clip(room, 0, MAX_COST_UNITS)
            below = np.searchsorted(ix.entry_sort_key, (g << GROUP_SHIFT) + room, side="left")
            sizes = np.clip(below - ix.group_start[g], 0, sizes)
        if self.prefix is not None:
            sizes = np.minimum(sizes, self.prefix)
        if sizes.sum() == 0:
            return Candidates.empty()
        found: list[Candidates] = []
        bounds = np.searchsorted(np.cumsum(sizes), np.arange(0, sizes.sum(), CHUNK_PAIRS))
        for lo, hi in zip(bounds, [*bounds[1:], len(sizes)], strict=True):
            part = self._pairs(need[lo:hi], dist[lo:hi], g[lo:hi], sizes[lo:hi])
            found.append(top_k_per_need(part, self.limit) if self.limit is not None else part)
        return concat(found)

    def _pairs(self, need: I64, cell_dist: Array, g: I64, sizes: I64) -> Candidates:
        ix = self.ix
        which, offset = _expand(sizes)
        need, dist = need[which], cell_dist[which]
        helper = ix.entry_row[ix.group_start[g[which]] + offset]
        if self.exact:
            dist = haversine_km(
                self.need_lat[need],
                self.need_lng[need],
                ix.helper_lat[helper],
                ix.helper_lng[helper],
            )
        ok = dist <= ix.radius[helper]
        lang = self.languages[need]
        ok &= (lang == 0) | ((lang & ix.languages[helper]) != 0)
        ok &= (self.slots[need] & ix.slots[helper]) != 0
        ok &= self.requester[need] != ix.helper_id[helper]
        need, helper, dist = need[ok], helper[ok], dist[ok]
        cost = distance_units(dist, ix.policy) + ix.load_cost[helper]
        ok = np.ones(len(need), dtype=bool)
        if self.ceiling is not None:
            ok &= cost < self.ceiling[need]
        if self.banned is not None and len(self.banned):
            pair_key = need * ix.n_helpers + helper
            at = np.minimum(np.searchsorted(self.banned, pair_key), len(self.banned) - 1)
            ok &= self.banned[at] != pair_key
        return Candidates(need[ok], helper[ok], dist[ok], cost[ok])


def concat(parts: list[Candidates]) -> Candidates:
    parts = [p for p in parts if len(p)]
    if not parts:
        return Candidates.empty()
    if len(parts) == 1:
        return parts[0]
    return Candidates(
        np.concatenate([p.need_row for p in parts]),
        np.concatenate([p.helper_row for p in parts]),
        np.concatenate([p.distance_km for p in parts]),
        np.concatenate([p.cost for p in parts]),
    )


def banned_pairs(problem: Problem, need_rows: I64 | None = None) -> I64:
    """Sorted keys ``local_need_row * n_helpers + helper_row`` for blocks, declines and ids.

    ``need_rows`` restricts to a subset of needs (keys then use positions in that subset).
    """
    rows = np.arange(problem.n_needs) if need_rows is None else need_rows
    m = problem.n_helpers
    keys: list[I64] = []
    if m == 0 or len(rows) == 0:
        return np.zeros(0, dtype=np.int64)
    id_order = np.argsort(problem.helper_id)

    def helper_rows(ids: I64) -> I64:
        pos = np.minimum(np.searchsorted(problem.helper_id[id_order], ids), m - 1)
        r = id_order[pos]
        return np.where(problem.helper_id[r] == ids, r, -1)

    if len(problem.declined_pairs):
        need_ids = problem.need_id[rows]
        need_order = np.argsort(need_ids)
        pos = np.minimum(
            np.searchsorted(need_ids[need_order], problem.declined_pairs[:, 0]), len(rows) - 1
        )
        local = need_order[pos]
        declined_helper = helper_rows(problem.declined_pairs[:, 1])
        ok = (need_ids[local] == problem.declined_pairs[:, 0]) & (declined_helper >= 0)
        keys.append(local[ok].astype(np.int64) * m + declined_helper[ok])
    if len(problem.blocked_members):
        pairs = problem.blocked_members
        both = np.concatenate([pairs, pairs[:, ::-1]])
        requester = problem.need_requester[rows]
        req_order = np.argsort(requester, kind="stable")
        sorted_req = requester[req_order]
        blocked_helper = helper_rows(both[:, 1])
        both, blocked_helper = both[blocked_helper >= 0], blocked_helper[blocked_helper >= 0]
        lo = np.searchsorted(sorted_req, both[:, 0], side="left")
        hi = np.searchsorted(sorted_req, both[:, 0], side="right")
        owner, offset = _expand((hi - lo).astype(np.int64))
        need_local = req_order[lo[owner] + offset]
        keys.append(need_local.astype(np.int64) * m + blocked_helper[owner])
    if not keys:
        return np.zeros(0, dtype=np.int64)
    return np.unique(np.concatenate(keys))
