"""Blocks: a member is never matched with someone they blocked, either way round, and the
other person never learns who blocked whom."""

import pytest
from django.urls import reverse

from mutualaid.core.errors import Conflict, InvalidInput, NotFound
from mutualaid.core.models import HistoryEntry
from mutualaid.matching.services import suggestion_create
from mutualaid.needs import services
from mutualaid.needs.models import Block, Match, Need
from tests.api.conftest import api_client_for
from tests.conftest import client_for
from tests.factories import NeedFactory, OfferFactory

BLOCKED_WORDS = "You and the person asking cannot be matched with each other."


@pytest.mark.parametrize("who_blocks", ["requester", "helper"])
def test_a_blocked_pair_cannot_offer_help_and_the_error_does_not_say_who(need, helper, who_blocks):
    blocker, other = (
        (need.requester, helper)
        if who_blocks == "requester"
        else (
            helper,
            need.requester,
        )
    )
    services.block_create(actor=blocker, member=other)

    with pytest.raises(Conflict) as refused:
        services.match_propose(actor=helper, need=need)
    assert refused.value.message == BLOCKED_WORDS


def test_blocking_ends_live_matches_between_the_two(need, helper):
    match = services.match_propose(actor=helper, need=need)
    services.match_accept(actor=need.requester, match=match)

    services.block_create(actor=need.requester, member=helper)

    match.refresh_from_db()
    assert match.state == Match.State.CANCELLED
    assert Need.objects.get(pk=need.pk).status == Need.Status.OPEN


def test_blocking_withdraws_suggestions_and_stops_new_ones(need, helper):
    suggestion = suggestion_create(need=need, helper=helper)
    services.block_create(actor=helper, member=need.requester)

    suggestion.refresh_from_db()
    assert suggestion.state == Match.State.CANCELLED
    other_need = NeedFactory(requester=need.requester)
    with pytest.raises(Conflict, match="cannot be matched"):
        suggestion_create(need=other_need, helper=helper)


def test_blocking_twice_is_once_and_the_history_does_not_name_the_blocked(need, helper):
    first = services.block_create(actor=helper, member=need.requester)
    again = services.block_create(actor=helper, member=need.requester)

    assert first == again
    entry = HistoryEntry.objects.get(action="block.create")
    assert entry.target_id is None
    assert entry.data == {}


def test_unblocking_lets_the_two_be_matched_again(need, helper):
    block = services.block_create(actor=helper, member=need.requester)
    services.block_remove(actor=helper, block=block)

    assert services.match_propose(actor=helper, need=need).state == Match.State.PROPOSED


def test_only_the_blocker_may_lift_a_block(need, helper):
    block = services.block_create(actor=helper, member=need.requester)

    with pytest.raises(NotFound):
        services.block_remove(actor=need.requester, block=block)


def test_a_member_cannot_block_themself_or_someone_elsewhere(helper, outsider):
    with pytest.raises(InvalidInput):
        services.block_create(actor=helper, member=helper)
    with pytest.raises(NotFound):
        services.block_create(actor=helper, member=outsider)


# --- Pages and API --------------------------------------------------------------------------


def test_blocking_from_a_match_card_and_unblocking_from_the_list(need, helper):
    match = services.match_propose(actor=helper, need=need)
    client = client_for(need.requester)
    slug = need.network.slug

    response = client.post(
        reverse("needs:match_block", kwargs={"slug": slug, "match_id": match.pk})
    )
    assert response.status_code == 302
    block = Block.objects.get(blocker=need.requester, blocked=helper)

    page = client.get(reverse("needs:block_list", kwargs={"slug": slug})).content.decode()
    assert helper.display_name in page
    # the blocked person's own list is empty: they are not told
    other_page = client_for(helper).get(reverse("needs:block_list", kwargs={"slug": slug}))
    assert helper.display_name not in other_page.content.decode().split("<h1>")[1]
    assert "You have not blocked anyone." in other_page.content.decode()

    response = client.post(
        reverse("needs:block_remove", kwargs={"slug": slug, "block_id": block.pk})
    )
    assert response.status_code == 302
    assert not Block.objects.exists()


def test_someone_else_cannot_lift_a_block_through_the_page(need, helper):
    block = services.block_create(actor=helper, member=need.requester)
    url = reverse("needs:block_remove", kwargs={"slug": need.network.slug, "block_id": block.pk})

    assert client_for(need.requester).post(url).status_code == 404
    assert Block.objects.filter(pk=block.pk).exists()


def test_blocks_through_the_api(need, helper, outsider):
    api = api_client_for(helper)

    created = api.post("/blocks", {"member_id": need.requester.pk})
    assert created.status_code == 201, created.content
    assert api.get("/blocks").json()[0]["member"]["id"] == need.requester.pk
    assert api.post("/blocks", {"member_id": outsider.pk}).status_code == 404
    removed = api.client.delete(
        f"/api/v1/blocks/{created.json()['id']}",
        headers={"Authorization": api._headers(None)["Authorization"]},
    )
    assert removed.status_code == 204
    assert api.get("/blocks").json() == []


def test_blocking_from_an_offers_page(network, helper, bystander):
    offer = OfferFactory(helper=helper)
    slug = network.slug
    page = client_for(bystander).get(
        reverse("needs:offer_detail", kwargs={"slug": slug, "offer_id": offer.pk})
    )
    block_url = reverse("needs:member_block", kwargs={"slug": slug, "member_id": helper.pk})
    assert block_url in page.content.decode()

    response = client_for(bystander).post(block_url)

    assert response.status_code == 302
    assert Block.objects.filter(blocker=bystander, blocked=helper).exists()
    # the helper's own page offers them no button against themself
    own = client_for(helper).get(
        reverse("needs:offer_detail", kwargs={"slug": slug, "offer_id": offer.pk})
    )
    assert block_url not in own.content.decode()
