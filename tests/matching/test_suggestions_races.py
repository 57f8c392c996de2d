"""Races between suggestion writers (two regions' runs, an organiser's "Ask them" and a batch,
a need closing meanwhile), on real concurrent connections, on SQLite and PostgreSQL."""

import pytest

from mutualaid.core.errors import Conflict
from mutualaid.matching.services import suggestion_create
from mutualaid.needs import services
from mutualaid.needs.models import Match, Need
from mutualaid.networks.models import Member
from tests.concurrency import run_together
from tests.factories import MemberFactory, NeedFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_helper_with_room_for_one_is_asked_once_whoever_writes_first(database):
    # given a helper with room for one task and eight needs asking at once
    first = NeedFactory()
    network = first.network
    helper = MemberFactory(network=network)
    Member.objects.filter(pk=helper.pk).update(weekly_task_cap=1)
    helper.refresh_from_db()
    needs = [first] + [NeedFactory(requester=MemberFactory(network=network)) for _ in range(7)]

    outcomes = run_together([lambda n=n: suggestion_create(need=n, helper=helper) for n in needs])

    # then exactly one suggestion was written and every other writer got a readable Conflict
    written = [o for o in outcomes if isinstance(o, Match)]
    assert len(written) == 1, outcomes
    assert all(type(o) is Conflict for o in outcomes if not isinstance(o, Match)), outcomes
    assert Match.objects.filter(helper=helper, state=Match.State.SUGGESTED).count() == 1


def test_a_need_closed_while_being_suggested_keeps_no_live_suggestion(database):
    need = NeedFactory()
    helpers = [MemberFactory(network=need.network) for _ in range(4)]

    calls = [lambda h=h: suggestion_create(need=need, helper=h) for h in helpers]
    calls.append(lambda: services.need_close(actor=need.requester, need=need))
    outcomes = run_together(calls)

    assert not [o for o in outcomes if isinstance(o, Exception) and type(o) is not Conflict]
    assert Need.objects.get(pk=need.pk).status == Need.Status.CLOSED
    assert not Match.objects.filter(need=need, state=Match.State.SUGGESTED).exists()
