"""Cell centres and great-circle distances, vectorised."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from h3.api import basic_int as h3i

EARTH_RADIUS_KM = 6371.0088


def cell_centres(cells: npt.NDArray[np.uint64]) -> tuple[npt.NDArray[np.float64], ...]:
    """(lat, lng) of each cell centre, in radians."""
    unique, inverse = np.unique(cells, return_inverse=True)
    latlng = np.array([h3i.cell_to_latlng(c) for c in unique.tolist()], dtype=np.float64)
    latlng = np.radians(latlng.reshape(-1, 2))
    return latlng[inverse, 0], latlng[inverse, 1]


def haversine_km(
    lat1: npt.NDArray[np.float64],
    lng1: npt.NDArray[np.float64],
    lat2: npt.NDArray[np.float64],
    lng2: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    """Great-circle distance in km between points given in radians."""
    a = (
        np.sin((lat2 - lat1) * 0.5) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lng2 - lng1) * 0.5) ** 2
    )
    return np.asarray(2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(a, 1.0))))


def centre_spacing_km(cells: npt.NDArray[np.uint64]) -> npt.NDArray[np.float64]:
    """Distance between the centres of neighbouring cells, from each cell's own area.

    A regular hexagon of area A has centre spacing sqrt(2 A / sqrt 3).
    """
    unique, inverse = np.unique(cells, return_inverse=True)
    areas = np.array([h3i.cell_area(c, "km^2") for c in unique.tolist()], dtype=np.float64)
    return np.asarray(np.sqrt(2.0 * areas / math.sqrt(3.0))[inverse])


def centre_offset_km(cells: npt.NDArray[np.uint64], resolution: int) -> npt.NDArray[np.float64]:
    """How far each cell's centre lies from the centre of its parent at ``resolution``."""
    parents = to_resolution(cells, resolution)
    lat1, lng1 = cell_centres(cells)
    lat2, lng2 = cell_centres(parents)
    return haversine_km(lat1, lng1, lat2, lng2)


def to_resolution(cells: npt.NDArray[np.uint64], resolution: int) -> npt.NDArray[np.uint64]:
    """Each cell at ``resolution``: its parent when finer, its centre child when coarser."""
    unique, inverse = np.unique(cells, return_inverse=True)
    out = []
    for cell in unique.tolist():
        res = h3i.get_resolution(cell)
        if res > resolution:
            out.append(h3i.cell_to_parent(cell, resolution))
        elif res < resolution:
            out.append(h3i.cell_to_center_child(cell, resolution))
        else:
            out.append(cell)
    return np.array(out, dtype=np.uint64).reshape(-1)[inverse]


def resolutions(cells: npt.NDArray[np.uint64]) -> npt.NDArray[np.int64]:
    """The H3 resolution of each cell (bits 52..55 of the index)."""
    return ((cells >> np.uint64(52)) & np.uint64(0xF)).astype(np.int64)
