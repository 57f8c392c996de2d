"""The matching problem as plain arrays, checked once at the door.

Every field, its dtype and its meaning is documented in docs/matching.md. The constructor
rejects anything malformed with a ProblemError that names the field, so that bad input never
crashes deep inside the solver or silently gives a wrong answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from os import PathLike
from typing import Any

import numpy as np
import numpy.typing as npt
from h3.api import basic_int as h3i

MIN_RESOLUTION = 5
N_CATEGORIES = 64
N_SLOTS = 21
ALL_SLOTS = (1 << N_SLOTS) - 1

NEED_FIELDS: dict[str, type[np.generic]] = {
    "need_id": np.int64,
    "need_cell": np.uint64,
    "need_category": np.int16,
    "need_languages": np.uint64,
    "need_urgency": np.int8,
    "need_waiting_hours": np.float64,
    "need_slots": np.uint32,
    "need_requester": np.int64,
    "need_requester_help": np.float64,
}
HELPER_FIELDS: dict[str, type[np.generic]] = {
    "helper_id": np.int64,
    "helper_cell": np.uint64,
    "helper_categories": np.uint64,
    "helper_languages": np.uint64,
    "helper_slots": np.uint32,
    "helper_capacity": np.int32,
    "helper_radius_km": np.float64,
    "helper_recent_load": np.float64,
}
PAIR_FIELDS: dict[str, type[np.generic]] = {
    "blocked_members": np.int64,
    "declined_pairs": np.int64,
}
# Optional per-need arrays: left out (or empty), each is all zeros, which changes nothing.
OPTIONAL_NEED_FIELDS: dict[str, type[np.generic]] = {
    "need_area_shortfall": np.float64,
}
ALL_FIELDS = {**NEED_FIELDS, **HELPER_FIELDS, **PAIR_FIELDS, **OPTIONAL_NEED_FIELDS}

Array = npt.NDArray[Any]


class ProblemError(ValueError):
    """The arrays handed to the matching core are malformed; the message names the field."""


def _check_array(name: str, value: object, dtype: type[np.generic], ndim: int) -> Array:
    if not isinstance(value, np.ndarray):
        raise ProblemError(f"{name} must be a numpy array of {np.dtype(dtype)}, got {type(value)}")
    if value.dtype != np.dtype(dtype):
        raise ProblemError(f"{name} must have dtype {np.dtype(dtype)}, got {value.dtype}")
    if value.ndim != ndim:
        raise ProblemError(f"{name} must have {ndim} dimension(s), got shape {value.shape}")
    if value.dtype.kind == "f" and not np.isfinite(value).all():
        raise ProblemError(f"{name} contains NaN or infinity")
    return value


def _check_range(name: str, value: Array, low: float | None, high: float | None) -> None:
    if value.size == 0:
        return
    if low is not None and value.min() < low:
        raise ProblemError(f"{name} must be >= {low}, found {value.min()}")
    if high is not None and value.max() > high:
        raise ProblemError(f"{name} must be <= {high}, found {value.max()}")


def _check_unique(name: str, value: Array) -> None:
    if value.size and np.unique(value).size != value.size:
        raise ProblemError(f"{name} contains duplicate ids")


def check_cells(name: str, cells: Array) -> None:
    """Every cell must be a valid H3 cell at resolution >= 5."""
    for cell in np.unique(cells).tolist():
        if not h3i.is_valid_cell(cell):
            raise ProblemError(f"{name} contains {cell}, which is not a valid H3 cell")
        if h3i.get_resolution(cell) < MIN_RESOLUTION:
            raise ProblemError(f"{name} contains a cell coarser than resolution {MIN_RESOLUTION}")


def check_needs(values: Mapping[str, object]) -> dict[str, Array]:
    """Validate the need arrays (dtypes, one length, ranges); returns them typed."""
    out = {name: _check_array(name, values[name], dt, 1) for name, dt in NEED_FIELDS.items()}
    _same_length(out)
    _check_unique("need_id", out["need_id"])
    check_cells("need_cell", out["need_cell"])
    _check_range("need_category", out["need_category"], 0, N_CATEGORIES - 1)
    _check_range("need_urgency", out["need_urgency"], 0, 2)
    _check_range("need_waiting_hours", out["need_waiting_hours"], 0, None)
    _check_range("need_slots", out["need_slots"], None, ALL_SLOTS)
    _check_range("need_requester_help", out["need_requester_help"], 0, None)
    return out


def check_helpers(values: Mapping[str, object]) -> dict[str, Array]:
    """Validate the helper arrays (dtypes, one length, ranges); returns them typed."""
    out = {name: _check_array(name, values[name], dt, 1) for name, dt in HELPER_FIELDS.items()}
    _same_length(out)
    _check_unique("helper_id", out["helper_id"])
    check_cells("helper_cell", out["helper_cell"])
    _check_range("helper_slots", out["helper_slots"], None, ALL_SLOTS)
    _check_range("helper_capacity", out["helper_capacity"], 0, None)
    _check_range("helper_recent_load", out["helper_recent_load"], 0, None)
    radius = out["helper_radius_km"]
    if radius.size and radius.min() <= 0:
        raise ProblemError(f"helper_radius_km must be > 0, found {radius.min()}")
    _check_range("helper_radius_km", radius, None, 20_000.0)
    return out


def _same_length(arrays: dict[str, Array]) -> None:
    lengths = {name: len(a) for name, a in arrays.items()}
    if len(set(lengths.values())) > 1:
        raise ProblemError(f"arrays must have one length, got {lengths}")


def _check_pairs(name: str, value: object) -> Array:
    array = _check_array(name, value, np.int64, 2)
    if array.shape[1] != 2:
        raise ProblemError(f"{name} must have shape (k, 2), got {array.shape}")
    return array


def no_pairs() -> npt.NDArray[np.int64]:
    """An empty (0, 2) int64 array, for a problem without blocks or declines."""
    return np.zeros((0, 2), dtype=np.int64)


@dataclass(frozen=True)
class Problem:
    """One matching job: open needs, available helpers and the pairs that may never meet.

    All fields are numpy arrays with exactly the dtypes below; see docs/matching.md.
    Pairs in ``blocked_members`` or ``declined_pairs`` that name ids absent from this problem
    are ignored (they are history about needs and members that are not part of this job).
    """

    need_id: npt.NDArray[np.int64]
    need_cell: npt.NDArray[np.uint64]
    need_category: npt.NDArray[np.int16]
    need_languages: npt.NDArray[np.uint64]
    need_urgency: npt.NDArray[np.int8]
    need_waiting_hours: npt.NDArray[np.float64]
    need_slots: npt.NDArray[np.uint32]
    need_requester: npt.NDArray[np.int64]
    need_requester_help: npt.NDArray[np.float64]
    helper_id: npt.NDArray[np.int64]
    helper_cell: npt.NDArray[np.uint64]
    helper_categories: npt.NDArray[np.uint64]
    helper_languages: npt.NDArray[np.uint64]
    helper_slots: npt.NDArray[np.uint32]
    helper_capacity: npt.NDArray[np.int32]
    helper_radius_km: npt.NDArray[np.float64]
    helper_recent_load: npt.NDArray[np.float64]
    blocked_members: npt.NDArray[np.int64]
    declined_pairs: npt.NDArray[np.int64]
    # Optional: share of recent needs in the need's area that went without help (0..1).
    # Empty (the default) means zeros for every need.
    need_area_shortfall: npt.NDArray[np.float64] = field(
        default_factory=lambda: np.zeros(0, dtype=np.float64)
    )

    def __post_init__(self) -> None:
        given, need_id = self.need_area_shortfall, self.need_id
        if isinstance(given, np.ndarray) and not given.size and isinstance(need_id, np.ndarray):
            zeros = np.zeros(len(need_id), dtype=np.float64)
            object.__setattr__(self, "need_area_shortfall", zeros)
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        check_needs(values)
        check_helpers(values)
        for name in PAIR_FIELDS:
            _check_pairs(name, values[name])
        area = _check_array("need_area_shortfall", values["need_area_shortfall"], np.float64, 1)
        if len(area) != len(values["need_id"]):
            raise ProblemError(
                f"need_area_shortfall must have one value per need, got {len(area)} "
                f"for {len(values['need_id'])} needs"
            )
        _check_range("need_area_shortfall", area, 0, 1)

    @property
    def n_needs(self) -> int:
        return len(self.need_id)

    @property
    def n_helpers(self) -> int:
        return len(self.helper_id)

    def arrays(self) -> dict[str, Array]:
        """The fields by name, exactly as saved in an .npz instance."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def build(cls, **values: object) -> Problem:
        """Build from lists or other array types, converting each field to its dtype safely.

        Missing ``blocked_members``/``declined_pairs`` default to no pairs. Values that do not
        fit the dtype (a float id, a negative capacity into uint ...) raise ProblemError.
        """
        unknown = set(values) - set(ALL_FIELDS)
        if unknown:
            raise ProblemError(f"unknown fields: {sorted(unknown)}")
        converted: dict[str, Array] = {}
        for name, dtype in ALL_FIELDS.items():
            if name not in values:
                if name in OPTIONAL_NEED_FIELDS:
                    continue
                if name in PAIR_FIELDS:
                    converted[name] = no_pairs()
                    continue
                raise ProblemError(f"{name} is missing")
            converted[name] = _convert(name, values[name], dtype)
        for name in PAIR_FIELDS:
            if converted[name].size == 0:
                converted[name] = no_pairs()
        return cls(**converted)

    def save(self, path: str | PathLike[str], policy: object | None = None) -> None:
        """Write an .npz with exactly the field names (plus ``policy_*`` scalars if given)."""
        extra: dict[str, Array] = {}
        if policy is not None:
            extra = policy.as_arrays()  # type: ignore[attr-defined]  # a Policy; typed object: policy.py imports this module
        np.savez_compressed(path, **{**self.arrays(), **extra})  # type: ignore[arg-type]  # numpy's stub wants one array type

    @classmethod
    def load(cls, path: str | PathLike[str]) -> Problem:
        """Read an .npz written by ``save`` (or by anyone following docs/matching.md)."""
        with np.load(path, allow_pickle=False) as data:
            required = [name for name in ALL_FIELDS if name not in OPTIONAL_NEED_FIELDS]
            missing = [name for name in required if name not in data.files]
            if missing:
                raise ProblemError(f"{path} lacks the fields {missing}")
            return cls(**{name: data[name] for name in ALL_FIELDS if name in data.files})


def _convert(name: str, value: object, dtype: type[np.generic]) -> Array:
    raw = np.asarray(value)
    target = np.dtype(dtype)
    if raw.size == 0:
        return raw.astype(target)
    if raw.dtype.kind not in "biuf":
        raise ProblemError(f"{name} must be numeric, got {raw.dtype}")
    if target.kind == "f":
        return _check_array(name, raw.astype(target), dtype, raw.ndim)
    if raw.dtype.kind == "f" and not (np.isfinite(raw).all() and (raw == np.round(raw)).all()):
        raise ProblemError(f"{name} must hold whole numbers")
    info = np.iinfo(target)
    as_obj = raw.astype(object) if raw.dtype.kind == "u" else raw
    if np.min(as_obj) < info.min or np.max(as_obj) > info.max:
        raise ProblemError(f"{name} has values outside {target} ({info.min}..{info.max})")
    return raw.astype(target)
