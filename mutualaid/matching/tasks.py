"""Batch matching in the background. Tasks carry only ids and call services.

Every 15 minutes each network with batch matching on gets a run. A large network is split by
region (H3 parent cells of the needs, at TASK_REGION_RESOLUTION) into one task per region,
so several workers, on several machines with Redis, share the job. Regions share helpers;
`suggestion_create` re-checks each helper's room under a lock, so two regions can never
overfill one helper.
"""

from collections import defaultdict
from dataclasses import asdict
from typing import Any

import h3
from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import lock_task
from huey.exceptions import TaskLockedException

from mutualaid.core.schedules import periodic, queued
from mutualaid.matching.models import MatchingPolicy
from mutualaid.matching.selectors import open_needs
from mutualaid.matching.services import matching_run
from mutualaid.networks.models import Network

# A network with more open needs than this is split into per-region tasks.
SPLIT_ABOVE = 5000
# Coarse on purpose: every region task loads the network's helpers, and each needs
# border effects to be rare. The engine's own in-process split uses finer regions
# (Policy.region_resolution) because it repairs its seams afterwards; these tasks do not.
TASK_REGION_RESOLUTION = 4


def _split_above() -> int:
    return int(settings.MUTUALAID.get("MATCHING_SPLIT_ABOVE", SPLIT_ABOVE))


def regions_of(network_id: int) -> dict[int, list[int]]:
    """Open, unmatched needs of a network grouped by region (H3 parent cell as an int)."""
    network = Network.objects.get(pk=network_id)
    resolution = TASK_REGION_RESOLUTION
    regions: dict[int, list[int]] = defaultdict(list)
    for need in open_needs(network):
        try:
            parent = h3.cell_to_parent(need["cell"], resolution)
        except (ValueError, TypeError, h3.H3BaseException):
            continue
        regions[int(h3.str_to_int(parent))].append(need["pk"])
    return dict(regions)


@periodic(crontab(minute="*/15"))
def match_all_networks() -> int:
    """Start a run for every network whose members keep batch matching on."""
    off = set(
        MatchingPolicy.objects.filter(batch_enabled=False).values_list("network_id", flat=True)
    )
    started = 0
    for network_id in Network.objects.exclude(pk__in=off).values_list("pk", flat=True):
        match_network(network_id)
        started += 1
    return started


@queued(retries=1, retry_delay=60)
def match_network(network_id: int) -> dict[str, Any] | None:
    """One network's run; a large one fans out into a task per region."""
    network = Network.objects.filter(pk=network_id).first()
    if network is None:
        return None
    if len(open_needs(network)) > _split_above():
        regions = regions_of(network_id)
        for region, _need_ids in regions.items():
            match_region(network_id, region)
        return {"regions": len(regions)}
    return _run(network_id, None)


@queued(retries=1, retry_delay=60)
def match_region(network_id: int, region: int) -> dict[str, Any] | None:
    """The run for one region of a large network."""
    need_ids = regions_of(network_id).get(region, [])
    if not need_ids:
        return None
    return _run(network_id, need_ids, lock=f"matching-{network_id}-{region}")


def _run(network_id: int, need_ids: list[int] | None, lock: str = "") -> dict[str, Any] | None:
    network = Network.objects.get(pk=network_id)
    try:
        with lock_task(lock or f"matching-{network_id}"):
            return asdict(matching_run(network=network, need_ids=need_ids))
    except TaskLockedException:
        return None  # the previous run is still going; the next tick will catch up
