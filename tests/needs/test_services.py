"""Posting needs and offers, and offering help with an offer: the rules the services keep."""

from datetime import UTC, datetime, timedelta

import h3
import pytest
from django.utils import timezone

from mutualaid.core.errors import IllegalTransition, InvalidInput, PermissionDenied
from mutualaid.core.models import HistoryEntry
from mutualaid.needs import services
from mutualaid.needs.models import Match, Need, Offer
from tests.conftest import SECRET_ADDRESS, SECRET_PHONE
from tests.factories import CENTER_CELL, NEARBY_CELL, CategoryFactory, OfferFactory


def need_fields(requester, **changes):
    now = timezone.now()
    fields = {
        "actor": requester,
        "category": CategoryFactory(network=requester.network),
        "description": "Groceries for the week",
        "urgency": Need.Urgency.THIS_WEEK,
        "window_start": now,
        "window_end": now + timedelta(days=2),
        "cell": NEARBY_CELL,
        "languages": ["en", "es"],
        "address": SECRET_ADDRESS,
        "phone": SECRET_PHONE,
    }
    return fields | changes


def test_posting_a_need_keeps_what_was_asked_and_records_only_the_category(requester):
    # when a member posts a need with an address and phone
    need = services.need_create(**need_fields(requester))

    # then it is open, holds what they gave, and the history holds no private detail
    need = Need.objects.get(pk=need.pk)
    assert need.status == Need.Status.OPEN
    assert (need.address, need.phone) == (SECRET_ADDRESS, SECRET_PHONE)
    assert need.languages == ["en", "es"]
    entry = HistoryEntry.objects.get(action="need.create", target_id=need.pk)
    assert entry.data == {"category": "groceries"}
    assert entry.actor == requester


def test_blank_address_and_phone_are_stored_as_nothing(requester):
    need = services.need_create(**need_fields(requester, address="  ", phone=""))
    need.refresh_from_db()
    assert need.address is None
    assert need.phone is None


def _in_a_week():
    return timezone.now() + timedelta(days=7)


BAD_NEEDS = {
    "no description": {"description": "   "},
    "description too long": {"description": "x" * 501},
    "unknown urgency": {"urgency": "yesterday"},
    "window without time zone": {
        "window_start": datetime(2030, 1, 1),  # noqa: DTZ001 - the point of the case
        "window_end": datetime(2030, 1, 2),  # noqa: DTZ001
    },
    "window ending before it starts": {
        "window_start": _in_a_week(),
        "window_end": _in_a_week() - timedelta(hours=1),
    },
    "window already over": {
        "window_start": datetime(2020, 1, 1, tzinfo=UTC),
        "window_end": datetime(2020, 1, 2, tzinfo=UTC),
    },
    "window beyond 90 days": {"window_end": timezone.now() + timedelta(days=91)},
    "not a cell": {"cell": "my house"},
    "a cell finer than the public resolution": {"cell": h3.cell_to_children(CENTER_CELL, 9)[0]},
    "unknown language": {"languages": ["klingon"]},
    "address too long": {"address": "x" * 501},
}


@pytest.mark.parametrize("changes", BAD_NEEDS.values(), ids=BAD_NEEDS.keys())
def test_a_need_with_bad_input_is_refused_and_nothing_is_stored(changes, requester):
    with pytest.raises(InvalidInput) as refused:
        services.need_create(**need_fields(requester, **changes))
    assert refused.value.message
    assert not Need.objects.exists()
    assert not HistoryEntry.objects.exists()


def test_a_need_in_another_networks_category_is_refused(requester, outsider):
    elsewhere = CategoryFactory(network=outsider.network)
    with pytest.raises(InvalidInput, match="Choose a category from this network's list."):
        services.need_create(**need_fields(requester, category=elsewhere))
    assert not Need.objects.exists()


def test_a_need_in_a_retired_category_is_refused(requester):
    retired = CategoryFactory(network=requester.network, slug="rides", is_active=False)
    with pytest.raises(InvalidInput):
        services.need_create(**need_fields(requester, category=retired))
    assert not Need.objects.exists()


# --- Offers ---------------------------------------------------------------------------------


def test_an_offer_takes_the_members_neighbourhood_when_none_is_given(helper):
    offer = services.offer_create(actor=helper, kind=Offer.Kind.SKILL, title="Fixing bikes")
    assert offer.cell == helper.cell
    assert offer.status == Offer.Status.ACTIVE
    assert HistoryEntry.objects.filter(action="offer.create", target_id=offer.pk).count() == 1


BAD_OFFERS = {
    "unknown kind": {"kind": "money"},
    "no title": {"title": ""},
    "capacity zero": {"capacity": 0},
    "capacity above 100": {"capacity": 101},
    "radius above 200 km": {"radius_km": 201},
    "unknown availability slot": {"availability": ["someday-morning"]},
    "not a cell": {"cell": "downtown"},
}


@pytest.mark.parametrize("changes", BAD_OFFERS.values(), ids=BAD_OFFERS.keys())
def test_an_offer_with_bad_input_is_refused(changes, helper):
    fields = {"actor": helper, "kind": Offer.Kind.TIME, "title": "Saturday shopping"} | changes
    with pytest.raises(InvalidInput):
        services.offer_create(**fields)
    assert not Offer.objects.exists()


def test_an_offer_in_another_networks_category_is_refused(helper, outsider):
    elsewhere = CategoryFactory(network=outsider.network)
    with pytest.raises(InvalidInput):
        services.offer_create(actor=helper, kind="time", title="Shopping", category=elsewhere)
    assert not Offer.objects.exists()


def test_a_helper_pauses_and_resumes_their_offer(helper):
    offer = OfferFactory(helper=helper)
    offer = services.offer_set_status(actor=helper, offer=offer, status=Offer.Status.PAUSED)
    assert offer.status == Offer.Status.PAUSED
    offer = services.offer_set_status(actor=helper, offer=offer, status=Offer.Status.ACTIVE)
    assert offer.status == Offer.Status.ACTIVE


def test_a_withdrawn_offer_stays_withdrawn(helper):
    offer = OfferFactory(helper=helper)
    services.offer_set_status(actor=helper, offer=offer, status=Offer.Status.WITHDRAWN)
    with pytest.raises(IllegalTransition, match="This offer was withdrawn."):
        services.offer_set_status(actor=helper, offer=offer, status=Offer.Status.ACTIVE)
    assert Offer.objects.get(pk=offer.pk).status == Offer.Status.WITHDRAWN


@pytest.mark.parametrize("person", ["bystander", "outsider"])
def test_only_the_helper_changes_their_offer(person, helper, request):
    offer = OfferFactory(helper=helper)
    with pytest.raises(PermissionDenied):
        services.offer_set_status(
            actor=request.getfixturevalue(person), offer=offer, status=Offer.Status.PAUSED
        )
    assert Offer.objects.get(pk=offer.pk).status == Offer.Status.ACTIVE


def test_an_unknown_offer_status_is_refused(helper):
    offer = OfferFactory(helper=helper)
    with pytest.raises(InvalidInput):
        services.offer_set_status(actor=helper, offer=offer, status="deleted")
    assert Offer.objects.get(pk=offer.pk).status == Offer.Status.ACTIVE


# --- Offering help with an offer ------------------------------------------------------------


def test_a_helper_can_offer_help_through_their_own_active_offer(need, helper):
    offer = OfferFactory(helper=helper)
    match = services.match_propose(actor=helper, need=need, offer=offer, message="Saturday?")
    assert match.offer == offer
    assert match.message == "Saturday?"
    assert match.state == Match.State.PROPOSED


def test_offering_help_through_someone_elses_offer_is_refused(need, helper, bystander):
    offer = OfferFactory(helper=bystander)
    with pytest.raises(InvalidInput, match="Choose one of your own active offers."):
        services.match_propose(actor=helper, need=need, offer=offer)
    assert not Match.objects.exists()


def test_offering_help_through_a_paused_offer_is_refused(need, helper):
    offer = OfferFactory(helper=helper, status=Offer.Status.PAUSED)
    with pytest.raises(InvalidInput):
        services.match_propose(actor=helper, need=need, offer=offer)
    assert not Match.objects.exists()


def test_a_message_with_the_offer_of_help_is_limited(need, helper):
    with pytest.raises(InvalidInput):
        services.match_propose(actor=helper, need=need, message="x" * 501)
    assert not Match.objects.exists()


def test_a_finished_need_keeps_no_address_or_phone(need, helper):
    match = services.match_propose(actor=helper, need=need)
    match = services.match_accept(actor=need.requester, match=match)
    match = services.match_start(actor=helper, match=match)
    services.match_confirm_done(actor=helper, match=match)
    services.match_confirm_done(actor=need.requester, match=match)
    need.refresh_from_db()
    assert need.status == Need.Status.DONE
    assert need.address is None
    assert need.phone is None


def test_a_closed_need_keeps_no_address(need):
    services.need_close(actor=need.requester, need=need)
    need.refresh_from_db()
    assert need.address is None


def test_offers_still_waiting_when_a_need_is_done_are_not_taken_up(need, helper, bystander):
    waiting = services.match_propose(actor=bystander, need=need)
    match = services.match_accept(
        actor=need.requester, match=services.match_propose(actor=helper, need=need)
    )
    match = services.match_start(actor=helper, match=match)
    services.match_confirm_done(actor=helper, match=match)
    services.match_confirm_done(actor=need.requester, match=match)
    waiting.refresh_from_db()
    assert waiting.state == Match.State.DECLINED
