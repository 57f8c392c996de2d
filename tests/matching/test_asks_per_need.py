"""A network may let matching ask several helpers about one need at the same time
(`asks_per_need`), and may put needs from poorly served neighbourhoods first (`weight_area`).
Both are off by default, which changes nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from mutualaid.core.errors import InvalidInput
from mutualaid.matching import adapter, selectors
from mutualaid.matching.core import Problem
from mutualaid.matching.services import matching_run, policy_change, suggestion_create
from mutualaid.needs import services
from mutualaid.needs.models import Match, Need
from tests.api.conftest import api_client_for
from tests.factories import CategoryFactory, MemberFactory, NeedFactory
from tests.matching.helpers import a_helper


@pytest.fixture
def groceries(network):
    return CategoryFactory(network=network)


@pytest.fixture
def need(network, groceries):
    return NeedFactory(requester=MemberFactory(network=network), category=groceries)


def test_by_default_a_need_being_asked_about_waits_for_the_answer(database, network, need):
    # given one helper was asked about the need, and another helper is free
    first, _second = (
        a_helper(network, category=need.category),
        a_helper(network, category=need.category),
    )
    suggestion_create(need=need, helper=first)

    # then matching leaves the need alone until the first helper answers
    problem, _lookup = selectors.problem_for_network(network)
    assert problem.n_needs == 0
    assert matching_run(network=network).proposed == 0


def test_with_two_asks_per_need_matching_asks_a_second_helper_at_the_same_time(
    database, network, need
):
    policy_change(network=network, changes={"asks_per_need": 2})
    first = a_helper(network, category=need.category)
    second = a_helper(network, category=need.category)
    suggestion_create(need=need, helper=first)

    # the need is loaded again, and the helper already asked may not be asked twice
    problem, _lookup = selectors.problem_for_network(network)
    assert problem.need_id.tolist() == [need.pk]
    assert [need.pk, first.pk] in problem.declined_pairs.tolist()

    assert matching_run(network=network).proposed == 1
    asked = set(
        Match.objects.filter(need=need, state=Match.State.SUGGESTED).values_list(
            "helper_id", flat=True
        )
    )
    assert asked == {first.pk, second.pk}
    # and with two helpers asked, a third run asks nobody more
    a_helper(network, category=need.category)
    assert matching_run(network=network).proposed == 0


def test_once_a_helper_says_yes_nobody_else_is_asked_and_accepting_withdraws_the_rest(
    database, network, need
):
    policy_change(network=network, changes={"asks_per_need": 3})
    first = a_helper(network, category=need.category)
    second = a_helper(network, category=need.category)
    a_helper(network, category=need.category)
    yes = suggestion_create(need=need, helper=first)
    other = suggestion_create(need=need, helper=second)

    services.match_agree(actor=first, match=yes)

    problem, _lookup = selectors.problem_for_network(network)
    assert problem.n_needs == 0  # a helper said yes: the requester decides now
    services.match_accept(actor=need.requester, match=Match.objects.get(pk=yes.pk))
    other.refresh_from_db()
    assert other.state == Match.State.CANCELLED
    assert Need.objects.get(pk=need.pk).status == Need.Status.MATCHED


@pytest.mark.parametrize(("value", "words"), [(0, "from 1 to 5"), (6, "from 1 to 5")])
def test_asks_per_need_is_from_one_to_five(network, value, words):
    with pytest.raises(InvalidInput, match=words):
        policy_change(network=network, changes={"asks_per_need": value})


def test_the_area_weight_is_off_by_default_and_checked(network):
    policy = policy_change(network=network, changes={"weight_area": 2})
    assert policy.weight_area == 2.0
    assert adapter.core_policy(policy).area_weight == 2 * adapter.AREA_STANDARD_POINTS
    with pytest.raises(InvalidInput, match="from 0.0 to 100.0"):
        policy_change(network=network, changes={"weight_area": -1})


def test_with_an_area_weight_a_need_carries_how_its_area_was_served(database, network, need):
    # given four recent needs in the same neighbourhood: three expired without help, one met
    requester = need.requester
    for status in (Need.Status.EXPIRED, Need.Status.EXPIRED, Need.Status.EXPIRED):
        NeedFactory(requester=requester, category=need.category, status=status)
    NeedFactory(requester=requester, category=need.category, status=Need.Status.MATCHED)
    # and one from long ago, which does not count
    old = NeedFactory(requester=requester, category=need.category, status=Need.Status.MATCHED)
    Need.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=40))
    a_helper(network, category=need.category)

    problem, _lookup = selectors.problem_for_network(network)
    assert problem.need_area_shortfall.tolist() == [0.0]  # off: nothing is read

    policy_change(network=network, changes={"weight_area": 1})
    problem, _lookup = selectors.problem_for_network(network)
    # (3 unmet + 4 x 3/4) / (4 ended + 4): the area is the whole network here
    assert problem.need_area_shortfall.tolist() == pytest.approx([0.75])
    assert isinstance(problem, Problem)


def test_the_policy_in_words_and_in_the_api_says_both_settings(network, bystander):
    body = api_client_for(bystander).get("/matching/policy").json()
    assert body["asks_per_need"] == 1
    assert body["weight_area"] == 0.0
    assert "Matching asks one helper at a time about a need." in body["in_words"]
    assert not any("neighbourhoods" in s for s in body["in_words"])

    policy_change(network=network, changes={"asks_per_need": 2, "weight_area": 1})
    body = api_client_for(bystander).get("/matching/policy").json()
    assert body["asks_per_need"] == 2
    assert any(s.startswith("Matching asks up to 2 helpers") for s in body["in_words"])
    assert any("neighbourhoods where many recent requests" in s for s in body["in_words"])


def test_with_ask_next_after_hours_one_more_helper_is_asked_only_after_that_long(
    database, network, need
):
    policy_change(network=network, changes={"asks_per_need": 2, "ask_next_after_hours": 3})
    first = a_helper(network, category=need.category)
    a_helper(network, category=need.category)
    asked = suggestion_create(need=need, helper=first)

    # one hour later the first helper still has time to answer: nobody else is asked
    in_an_hour = timezone.now() + timedelta(hours=1)
    assert selectors.problem_for_network(network, now=in_an_hour)[0].n_needs == 0
    assert matching_run(network=network, now=in_an_hour).proposed == 0

    # three hours after the first ask, one more helper is asked
    Match.objects.filter(pk=asked.pk).update(created_at=timezone.now() - timedelta(hours=3))
    assert matching_run(network=network).proposed == 1
    assert Match.objects.filter(need=need, state=Match.State.SUGGESTED).count() == 2


def test_ask_next_after_hours_is_checked_and_said_in_words(network, bystander):
    with pytest.raises(InvalidInput, match="from 0 to 168"):
        policy_change(network=network, changes={"ask_next_after_hours": 200})
    policy_change(network=network, changes={"asks_per_need": 2, "ask_next_after_hours": 4})
    body = api_client_for(bystander).get("/matching/policy").json()
    assert body["ask_next_after_hours"] == 4
    assert (
        "One more helper is asked only when the last one has not answered for 4 hours."
        in (body["in_words"])
    )
