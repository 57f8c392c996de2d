"""H3 helpers. Public locations are resolution-8 cells (about 0.7 km²); distances are measured
between cell centres, so nothing finer than a cell is ever derived or shown."""

import math

import h3

PUBLIC_RESOLUTION = 8
# Average edge length of a resolution-8 cell, in km; used to turn a radius into grid rings.
_RES8_EDGE_KM = 0.461


def is_valid_public_cell(cell: str) -> bool:
    try:
        return bool(h3.is_valid_cell(cell)) and h3.get_resolution(cell) == PUBLIC_RESOLUTION
    except (TypeError, ValueError):
        return False


def cell_for(lat: float, lng: float) -> str:
    return str(h3.latlng_to_cell(lat, lng, PUBLIC_RESOLUTION))


def cell_center(cell: str) -> tuple[float, float]:
    lat, lng = h3.cell_to_latlng(cell)
    return float(lat), float(lng)


def distance_km(cell_a: str, cell_b: str) -> float:
    if cell_a == cell_b:
        return 0.0
    return float(h3.great_circle_distance(cell_center(cell_a), cell_center(cell_b), unit="km"))


def cells_within_km(cell: str, radius_km: float) -> set[str]:
    """All public cells whose centre may lie within `radius_km` of `cell`'s centre.

    A grid disk over-covers a circle slightly; callers that need the exact rule check
    `distance_km` on the (few) cells returned.
    """
    rings = max(0, math.ceil(radius_km / (_RES8_EDGE_KM * 1.5)))
    return {str(c) for c in h3.grid_disk(cell, rings)}
