"""Instant suggestions reuse a network's helper arrays for up to a minute, and never show a
helper they must not: blocks, the need's own asks and declines, and membership are read on
every view; any write to the network starts fresh arrays."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from mutualaid.accounts.services import account_delete
from mutualaid.core.pagecache import network_data_changed, network_snapshot_key
from mutualaid.matching import selectors
from mutualaid.matching.selectors import INSTANT_SUGGESTIONS, need_candidates
from mutualaid.needs import services as needs_services
from mutualaid.needs.models import Block, Match, Offer
from mutualaid.networks.models import Member
from tests.factories import MemberFactory
from tests.matching.helpers import a_helper


@pytest.fixture
def organiser(network):
    return MemberFactory(network=network, role=Member.Role.FOUNDING_ORGANISER)


@pytest.fixture
def loads(monkeypatch):
    """Counts how often the helper arrays are built from the database."""
    calls = []
    build = selectors.helper_rows

    def counting(*args, **kwargs):
        calls.append(kwargs["now"])
        return build(*args, **kwargs)

    monkeypatch.setattr(selectors, "helper_rows", counting)
    return calls


def names(found):
    return [c.helper.display_name for c in found if not c.asked]


def test_views_within_a_minute_share_one_load_and_the_next_minute_loads_again(
    network, need, organiser, loads
):
    a_helper(network, display_name="Hana")
    now = timezone.now().replace(second=5)

    first = need_candidates(member=organiser, need=need, now=now)
    again = need_candidates(member=organiser, need=need, now=now + timedelta(seconds=40))
    assert names(first) == names(again) == ["Hana"]
    assert len(loads) == 1

    need_candidates(member=organiser, need=need, now=now + timedelta(seconds=61))
    assert len(loads) == 2


def test_a_write_to_the_network_starts_fresh_arrays(
    network, need, organiser, loads, django_capture_on_commit_callbacks
):
    hana = a_helper(network, display_name="Hana")
    now = timezone.now().replace(second=5)
    assert names(need_candidates(member=organiser, need=need, now=now)) == ["Hana"]

    # Hana pauses her only offer: the write moves the network's data version once it commits
    with django_capture_on_commit_callbacks(execute=True):
        needs_services.offer_set_status(
            actor=hana, offer=Offer.objects.get(helper=hana), status=Offer.Status.PAUSED
        )
    assert names(need_candidates(member=organiser, need=need, now=now)) == []
    assert len(loads) == 2


def test_a_block_made_after_the_arrays_were_cached_hides_the_helper_at_once(
    network, need, organiser, loads
):
    hana = a_helper(network, display_name="Hana")
    a_helper(network, display_name="Ivo")
    now = timezone.now().replace(second=5)
    assert sorted(names(need_candidates(member=organiser, need=need, now=now))) == ["Hana", "Ivo"]

    # written straight to the table, so nothing moves the data version: the cache stays warm
    Block.objects.create(network=network, blocker=need.requester, blocked=hana)
    assert names(need_candidates(member=organiser, need=need, now=now)) == ["Ivo"]
    assert len(loads) == 1


def test_a_helper_declined_or_asked_for_this_need_is_not_suggested_from_the_cache(
    network, need, organiser, loads
):
    hana = a_helper(network, display_name="Hana")
    ivo = a_helper(network, display_name="Ivo")
    now = timezone.now().replace(second=5)
    assert sorted(names(need_candidates(member=organiser, need=need, now=now))) == ["Hana", "Ivo"]

    Match.objects.create(need=need, helper=hana, state=Match.State.PASSED)
    Match.objects.create(need=need, helper=ivo, state=Match.State.SUGGESTED)
    found = need_candidates(member=organiser, need=need, now=now)
    assert names(found) == []
    assert [c.helper.display_name for c in found if c.asked] == ["Ivo"]
    assert len(loads) == 1


def test_a_member_who_stopped_taking_part_is_not_suggested_from_the_cache(
    network, need, organiser, loads
):
    hana = a_helper(network, display_name="Hana")
    for name in ("Ivo", "Jun", "Kit", "Lou", "Max"):
        a_helper(network, display_name=name)
    now = timezone.now().replace(second=5)
    first = names(need_candidates(member=organiser, need=need, now=now))
    assert len(first) == INSTANT_SUGGESTIONS
    assert "Hana" in first

    # written straight to the table, so nothing moves the data version: the cache stays warm
    Member.objects.filter(pk=hana.pk).update(inactive_since=now)
    found = names(need_candidates(member=organiser, need=need, now=now))
    assert "Hana" not in found
    assert len(found) == INSTANT_SUGGESTIONS  # the sixth helper takes her place
    assert len(loads) == 1


def test_the_copy_is_one_entry_per_network_and_a_deleted_account_removes_it(
    network, need, organiser, django_capture_on_commit_callbacks
):
    hana = a_helper(network, display_name="Hana")
    key = network_snapshot_key(network.slug, "matching-helpers")
    now = timezone.now().replace(second=5)
    need_candidates(member=organiser, need=need, now=now)
    first = cache.get(key)
    assert hana.pk in first[1]["helper_id"].tolist()

    # a later minute overwrites the same entry instead of adding one
    need_candidates(member=organiser, need=need, now=now + timedelta(minutes=3))
    assert cache.get(key)[0] != first[0]

    with django_capture_on_commit_callbacks(execute=True):
        account_delete(user=hana.user)
    assert cache.get(key) is None
    assert names(need_candidates(member=organiser, need=need, now=now)) == []


def test_the_batch_run_never_reads_the_cache(network, need, organiser, loads):
    a_helper(network, display_name="Hana")
    now = timezone.now().replace(second=5)
    need_candidates(member=organiser, need=need, now=now)

    problem, _lookup = selectors.problem_for_network(network, now=now)
    problem, _lookup = selectors.problem_for_network(network, now=now)
    assert problem.n_helpers == 1
    assert len(loads) == 3


def test_a_copy_loaded_while_a_write_committed_is_not_kept(network, need, organiser, monkeypatch):
    a_helper(network, display_name="Hana")
    key = network_snapshot_key(network.slug, "matching-helpers")
    build = selectors.helper_rows

    def loaded_during_a_write(*args, **kwargs):
        arrays = build(*args, **kwargs)
        # another process's write (an account deletion, say) commits before this view stores
        network_data_changed(network.slug)
        return arrays

    monkeypatch.setattr(selectors, "helper_rows", loaded_during_a_write)
    assert names(need_candidates(member=organiser, need=need)) == ["Hana"]
    assert cache.get(key) is None
