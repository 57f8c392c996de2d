"""How poorly each need's area has been served lately: the input of the area-fairness term.

An area is the need's H3 cell at ``AREA_RESOLUTION`` (7: cells of about 5 km², a
neighbourhood). Its shortfall is the share of its recent needs that ended without help. With
``Policy.area_weight`` > 0 a need's unmatched cost grows by ``area_weight × shortfall``, so when
needs compete for the same helpers, those from areas that got least lately go first ("priority
for people who got least", for places as the fairness weight does for people).

The app's adapter and the simulation both call ``area_shortfall``, so they count alike.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from mutualaid.matching.core.geo import to_resolution

AREA_RESOLUTION = 7
# How many needs of evidence an area's own history must outweigh: an area with little history
# is taken to be served like the network as a whole, not perfectly or terribly.
AREA_PRIOR_NEEDS = 4.0


def area_cells(cells: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """Each cell's area: the cell at ``AREA_RESOLUTION``."""
    cells = np.asarray(cells, dtype=np.uint64)
    if not cells.size:
        return cells
    return to_resolution(cells, AREA_RESOLUTION)


def area_shortfall(
    need_cells: npt.NDArray[np.uint64],
    recent_cells: npt.NDArray[np.uint64],
    recent_met: npt.NDArray[np.bool_],
    prior_needs: float = AREA_PRIOR_NEEDS,
) -> npt.NDArray[np.float64]:
    """For each need (by its cell), the share of recent needs in its area that ended without
    help, in 0..1.

    ``recent_cells`` and ``recent_met`` describe the needs that ended recently (met, or ended
    without help; needs still open are not evidence yet). Each area's share is shrunk towards
    the share of the whole network by ``prior_needs`` needs: (unmet + prior × network share) /
    (ended + prior). With no recent history at all every need gets 0.
    """
    need_cells = np.asarray(need_cells, dtype=np.uint64)
    met = np.asarray(recent_met, dtype=bool)
    out = np.zeros(len(need_cells), dtype=np.float64)
    if not len(need_cells) or not len(met):
        return out
    overall = float((~met).mean())
    areas, inverse = np.unique(area_cells(np.asarray(recent_cells)), return_inverse=True)
    ended = np.bincount(inverse, minlength=len(areas)).astype(np.float64)
    unmet = np.bincount(inverse, weights=(~met).astype(np.float64), minlength=len(areas))
    share = (unmet + prior_needs * overall) / (ended + prior_needs)
    mine = area_cells(need_cells)
    at = np.searchsorted(areas, mine)
    known = (at < len(areas)) & (areas[np.minimum(at, len(areas) - 1)] == mine)
    out[:] = overall
    out[known] = share[at[known]]
    return np.clip(out, 0.0, 1.0)
