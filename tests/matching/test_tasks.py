"""Batch matching in the background: the periodic task, per-region fan-out, lapsing."""

from datetime import timedelta

from django.utils import timezone

from mutualaid.matching import tasks
from mutualaid.matching.services import policy_change, suggestion_create
from mutualaid.needs.models import Match
from mutualaid.needs.tasks import lapse_suggestions
from tests.factories import CategoryFactory, MemberFactory, NeedFactory, NetworkFactory
from tests.matching.helpers import a_helper


def matchable(network):
    CategoryFactory(network=network)
    need = NeedFactory(requester=MemberFactory(network=network))
    a_helper(network)
    return need


def test_the_periodic_task_runs_networks_with_batch_on_only(db):
    on, off = NetworkFactory(), NetworkFactory()
    on_need, off_need = matchable(on), matchable(off)
    policy_change(network=off, changes={"batch_enabled": False})

    started = tasks.match_all_networks.call_local()

    assert started == 1
    assert Match.objects.filter(need=on_need, state=Match.State.SUGGESTED).exists()
    assert not Match.objects.filter(need=off_need).exists()


def test_a_large_network_is_split_into_one_task_per_region(db, settings):
    settings.MUTUALAID = {**settings.MUTUALAID, "MATCHING_SPLIT_ABOVE": 0}
    network = NetworkFactory()
    need = matchable(network)

    outcome = tasks.match_network.call_local(network.pk)

    assert outcome == {"regions": 1}
    assert Match.objects.filter(need=need, state=Match.State.SUGGESTED).exists()


def test_a_run_for_a_network_that_is_gone_does_nothing(db):
    assert tasks.match_network.call_local(10**9) is None


def test_unanswered_suggestions_lapse_in_the_sweep(need, helper):
    match = suggestion_create(need=need, helper=helper, now=timezone.now() - timedelta(days=3))

    assert lapse_suggestions.call_local() == 1

    assert Match.objects.get(pk=match.pk).state == Match.State.EXPIRED
