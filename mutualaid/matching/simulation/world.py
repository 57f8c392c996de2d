"""The simulated city: helpers, requesters and the needs they post, drawn once per seed.

Every policy runs against the same `World`, so the arrivals, the helper population and the
random draws that decide whether a helper accepts a given proposal are shared: common random
numbers, which make the differences between policies about the policies and not about luck.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import h3
import numpy as np
import numpy.typing as npt

from mutualaid.matching.simulation.config import (
    CATEGORIES,
    LANGUAGES,
    URGENCIES,
    Neighbourhood,
    SimConfig,
    neighbourhoods,
)

F64 = npt.NDArray[np.float64]
F32 = npt.NDArray[np.float32]
I64 = npt.NDArray[np.int64]
U64 = npt.NDArray[np.uint64]
Bool = npt.NDArray[np.bool_]

H3_RES = 8
KM_PER_DEG_LAT = 111.32
EARTH_KM = 6371.0088
SLOTS_PER_WEEK = 21
REQUESTER_ID_BASE = 1_000_000
ALL_SLOTS = (1 << SLOTS_PER_WEEK) - 1


@dataclass(frozen=True)
class People:
    """Positions (H3 cell centres) and home neighbourhood of a group of people."""

    cell: U64
    lat: F64
    lng: F64
    hood: I64


@dataclass(frozen=True)
class Helpers:
    id: I64
    where: People
    categories: U64
    languages: U64
    slots: U64
    cap: I64
    radius_km: F64


@dataclass(frozen=True)
class Needs:
    """Needs in posting order: index i was posted at posted_h[i] hours after the start."""

    id: I64
    requester: I64  # index into World.requesters
    posted_h: F64
    expires_h: F64
    category: I64
    languages: U64
    urgency: I64
    slots: U64
    task_hours: F64


@dataclass(frozen=True)
class World:
    config: SimConfig
    places: tuple[Neighbourhood, ...]
    helpers: Helpers
    requesters: People
    requester_id: I64
    needs: Needs
    distance_km: F32  # (needs, helpers), between H3 cell centres
    allowed: Bool  # (needs, helpers): every hard rule that does not change over time
    blocked: I64  # (k, 2) member ids (requester, helper)
    accept_draw: F32  # (needs, helpers) uniform draws, one per pair, shared by all policies
    response_h: F32  # (needs, helpers) how long a helper takes to answer a proposal

    @property
    def need_hood(self) -> I64:
        return self.requesters.hood[self.needs.requester]

    def accept_probability(self, km: float, load: int) -> float:
        c = self.config
        return float(c.accept_base * 0.5 ** (km / c.accept_half_km) * c.accept_load_factor**load)


def build_world(config: SimConfig) -> World:
    """Draw the whole city for `config` from its seed."""
    config.check()
    rng = np.random.default_rng(config.seed)
    places = neighbourhoods(config.geography)
    helpers = _helpers(rng, config, places)
    requesters, req_lang = _requesters(rng, config, places)
    needs = _needs(rng, config, req_lang)
    req_where = requesters
    distance = _distances(req_where, needs.requester, helpers.where)
    blocked = _blocks(rng, needs, helpers, distance)
    requester_id = REQUESTER_ID_BASE + np.arange(len(req_lang), dtype=np.int64)
    allowed = _allowed(needs, helpers, distance, blocked, requester_id)
    shape = distance.shape
    draws = np.random.default_rng([config.seed, 7])
    accept = draws.random(shape, dtype=np.float32)
    response = draws.exponential(config.response_hours, shape).astype(np.float32)
    return World(
        config, places, helpers, requesters, requester_id, needs, distance, allowed,
        blocked, accept, response,
    )  # fmt: skip


def _place(rng: np.random.Generator, config: SimConfig, places: tuple[Neighbourhood, ...],
           weights: F64, n: int) -> People:  # fmt: skip
    hood = rng.choice(len(places), size=n, p=weights / weights.sum()).astype(np.int64)
    east = np.array([places[i].east_km for i in hood]) + rng.normal(size=n) * np.array(
        [places[i].spread_km for i in hood]
    )
    north = np.array([places[i].north_km for i in hood]) + rng.normal(size=n) * np.array(
        [places[i].spread_km for i in hood]
    )
    lat = config.city_lat + north / KM_PER_DEG_LAT
    lng = config.city_lng + east / (KM_PER_DEG_LAT * math.cos(math.radians(config.city_lat)))
    cells = [h3.latlng_to_cell(float(a), float(b), H3_RES) for a, b in zip(lat, lng, strict=True)]
    centres = np.array([h3.cell_to_latlng(c) for c in cells]).reshape(n, 2)
    ints = np.array([h3.str_to_int(c) for c in cells], dtype=np.uint64)
    return People(ints, centres[:, 0].copy(), centres[:, 1].copy(), hood)


def _language(rng: np.random.Generator, places: tuple[Neighbourhood, ...], hood: I64) -> I64:
    """First language index per person: English unless the neighbourhood's mix says otherwise."""
    out = np.zeros(len(hood), dtype=np.int64)
    for i, h in enumerate(hood):
        shares = places[h].languages
        roll, acc = rng.random(), 0.0
        for lang, share in enumerate(shares, start=1):
            acc += share
            if roll < acc:
                out[i] = lang
                break
    return out


def _slot_mask(rng: np.random.Generator, count: int, weights: F64) -> int:
    chosen = rng.choice(SLOTS_PER_WEEK, size=count, replace=False, p=weights / weights.sum())
    return int(sum(1 << int(s) for s in chosen))


def _helpers(rng: np.random.Generator, config: SimConfig,
             places: tuple[Neighbourhood, ...]) -> Helpers:  # fmt: skip
    n = config.helpers
    where = _place(rng, config, places, np.array([p.helper_weight for p in places]), n)
    first = _language(rng, places, where.hood)
    english = rng.random(n) < np.where(first == 0, 1.0, 0.6)
    languages = (english.astype(np.uint64)) | (np.uint64(1) << first.astype(np.uint64))
    offer = np.array([c[3] for c in CATEGORIES])
    categories = np.zeros(n, dtype=np.uint64)
    for i in range(n):
        picks = rng.random(len(CATEGORIES)) < offer
        if not picks.any():
            picks[rng.choice(len(CATEGORIES), p=offer / offer.sum())] = True
        categories[i] = sum(1 << j for j in np.flatnonzero(picks))
    # evenings and weekends are when volunteers are free
    slot_w = np.array([3.0 if (s % 3 == 2 or s // 3 >= 5) else 1.0 for s in range(21)])
    slots = np.array([_slot_mask(rng, int(rng.integers(4, 11)), slot_w) for _ in range(n)])
    cap = rng.choice([1, 2, 3], size=n, p=[0.4, 0.35, 0.25]).astype(np.int64)
    radius = rng.choice([1.5, 2.5, 4.0, 6.0, 10.0], size=n, p=[0.15, 0.3, 0.3, 0.15, 0.1])
    return Helpers(
        np.arange(1, n + 1, dtype=np.int64), where, categories, languages,
        slots.astype(np.uint64), cap, radius.astype(np.float64),
    )  # fmt: skip


def _requesters(rng: np.random.Generator, config: SimConfig,
                places: tuple[Neighbourhood, ...]) -> tuple[People, I64]:  # fmt: skip
    expected = config.needs_per_day * 7 * config.weeks
    count = max(10, int(expected * 0.45))
    where = _place(rng, config, places, np.array([p.need_weight for p in places]), count)
    return where, _language(rng, places, where.hood)


def _needs(rng: np.random.Generator, config: SimConfig, req_lang: I64) -> Needs:
    hours = config.weeks * 7 * 24.0
    n = int(rng.poisson(config.needs_per_day * config.weeks * 7))
    posted = np.sort(rng.uniform(0.0, hours, size=n))
    # some people ask often, most ask once or twice: Pareto activity weights
    activity = np.minimum(rng.pareto(2.0, size=len(req_lang)) + 1.0, 8.0)
    requester = rng.choice(len(req_lang), size=n, p=activity / activity.sum()).astype(np.int64)
    cat_w = np.array([c[1] for c in CATEGORIES])
    category = rng.choice(len(CATEGORIES), size=n, p=cat_w / cat_w.sum()).astype(np.int64)
    urg_i = rng.choice(len(URGENCIES), size=n, p=[u[2] for u in URGENCIES])
    urgency = np.array([URGENCIES[i][0] for i in urg_i], dtype=np.int64)
    expires = posted + np.array([URGENCIES[i][3] for i in urg_i])
    lang = req_lang[requester]
    languages = np.where(lang == 0, 0, 1 << lang).astype(np.uint64)
    pairs = zip(urgency, posted, strict=True)
    slots = np.array([_need_slots(rng, int(u), float(t)) for u, t in pairs])
    task_hours = np.array([CATEGORIES[c][2] for c in category])
    return Needs(
        np.arange(1, n + 1, dtype=np.int64), requester, posted, expires, category, languages,
        urgency, slots.astype(np.uint64).reshape(n), task_hours,
    )  # fmt: skip


def _need_slots(rng: np.random.Generator, urgency: int, posted_h: float) -> int:
    """Today: the rest of today and tomorrow; this week: some slots; flexible: any time."""
    if urgency == 2:
        day = int(posted_h // 24) % 7
        return sum(1 << (d % 7 * 3 + p) for d in (day, day + 1) for p in range(3))
    if urgency == 1:
        return _slot_mask(rng, int(rng.integers(6, 13)), np.ones(SLOTS_PER_WEEK))
    return ALL_SLOTS


def haversine_km(lat1: F64, lng1: F64, lat2: F64, lng2: F64) -> F64:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dlat, dlng = p2 - p1, np.radians(lng2 - lng1)
    a = np.sin(dlat / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlng / 2) ** 2
    out: F64 = 2 * EARTH_KM * np.arcsin(np.sqrt(np.minimum(a, 1.0)))
    return out


def _distances(requesters: People, requester: I64, helpers: People) -> F32:
    lat, lng = requesters.lat[requester][:, None], requesters.lng[requester][:, None]
    return haversine_km(lat, lng, helpers.lat[None, :], helpers.lng[None, :]).astype(np.float32)


def _blocks(rng: np.random.Generator, needs: Needs, helpers: Helpers, distance: F32) -> I64:
    """About 2% of requesters have blocked one helper near them (a past falling-out)."""
    pairs: set[tuple[int, int]] = set()
    for i in np.flatnonzero(rng.random(len(needs.id)) < 0.02):
        h = int(np.argmin(distance[i]))
        pairs.add((REQUESTER_ID_BASE + int(needs.requester[i]), int(helpers.id[h])))
    return np.array(sorted(pairs), dtype=np.int64).reshape(-1, 2)


def _allowed(needs: Needs, helpers: Helpers, distance: F32, blocked: I64,
             requester_id: I64) -> Bool:  # fmt: skip
    """Category, language, radius, shared time slot and blocks: the rules that never change."""
    bit = np.uint64(1) << needs.category.astype(np.uint64)
    ok: npt.NDArray[np.bool_] = (helpers.categories[None, :] & bit[:, None]) != 0
    asks = needs.languages[:, None]
    ok &= (asks == 0) | ((helpers.languages[None, :] & asks) != 0)
    ok &= distance <= helpers.radius_km[None, :]
    ok &= (helpers.slots[None, :] & needs.slots[:, None]) != 0
    helper_index = {int(h): i for i, h in enumerate(helpers.id)}
    for req, hid in blocked:
        rows = np.flatnonzero(requester_id[needs.requester] == req)
        ok[rows, helper_index[int(hid)]] = False
    return ok


def language_names(mask: int) -> list[str]:
    return [name for i, name in enumerate(LANGUAGES) if mask >> i & 1]
