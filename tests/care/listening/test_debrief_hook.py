"""The debrief circle closes to a former listener at once, wherever mutualaid.care checks
access: care's access checks call `circle_opens_to`, which knows the debrief mark, and these
tests pin that they do."""

import pytest
from django.test import Client
from django.urls import reverse

from mutualaid.care import selectors as care_selectors
from mutualaid.care import services as care_services
from mutualaid.care.listening import services
from mutualaid.core.errors import Conflict, NotFound
from tests.care.listening.conftest import drop_listener, make_listener
from tests.factories import MemberFactory


@pytest.fixture
def debrief(listener, second_listener):
    circle = services.debrief_join(actor=listener)
    services.debrief_join(actor=second_listener)
    care_services.agreement_accept(actor=second_listener, circle=circle, version=1)
    return circle


def test_a_current_listener_opens_the_debrief_circle(debrief, second_listener):
    assert care_selectors.access_membership(second_listener, debrief.pk).state == "active"
    client = Client()
    client.force_login(second_listener.user)
    url = reverse(
        "care:circle_detail", kwargs={"slug": debrief.network.slug, "circle_id": debrief.pk}
    )
    assert "Threads" in client.get(url).content.decode()


def test_a_former_listener_cannot_open_the_debrief_circle_through_care(debrief, second_listener):
    drop_listener(second_listener)
    with pytest.raises(NotFound):
        care_selectors.access_membership(second_listener, debrief.pk)


def test_a_former_listener_cannot_post_in_the_debrief_circle(debrief, second_listener):
    drop_listener(second_listener)
    with pytest.raises(NotFound):
        care_services.post_create(actor=second_listener, circle=debrief, body="still here")


def test_a_former_listener_gets_a_404_for_the_debrief_circle_page(debrief, second_listener):
    client = Client()
    client.force_login(second_listener.user)
    url = reverse(
        "care:circle_detail", kwargs={"slug": debrief.network.slug, "circle_id": debrief.pk}
    )
    assert client.get(url).status_code == 200
    drop_listener(second_listener)
    assert client.get(url).status_code == 404


def test_members_who_are_not_listeners_neither_see_nor_join_the_debrief_circle(debrief, listener):
    member = MemberFactory(network=debrief.network)
    # not in their list of circles, a 404 for its page, and no way to ask or be invited
    assert debrief not in care_selectors.circles_visible(member=member)
    assert debrief in care_selectors.circles_visible(member=listener)
    client = Client()
    client.force_login(member.user)
    url = reverse(
        "care:circle_detail", kwargs={"slug": debrief.network.slug, "circle_id": debrief.pk}
    )
    assert client.get(url).status_code == 404
    with pytest.raises(NotFound):
        care_services.membership_request(actor=member, circle=debrief)
    with pytest.raises(Conflict):
        care_services.membership_invite(actor=listener, circle=debrief, member=member)


def test_a_listener_a_facilitator_removed_or_paused_cannot_let_themselves_back_in(
    debrief, listener, second_listener
):
    third = make_listener(MemberFactory(network=debrief.network))
    services.debrief_join(actor=third)
    # a facilitator removes the second listener and pauses the third
    removed = care_selectors.membership_of(member=second_listener, circle=debrief)
    care_services.membership_remove(actor=listener, membership=removed, reason="Broke it")
    paused = care_selectors.membership_of(member=third, circle=debrief)
    care_services.membership_pause(actor=listener, membership=paused, reason="A break")
    # joining again is refused, and so is leaving while paused and then joining
    with pytest.raises(Conflict, match="removed you"):
        services.debrief_join(actor=second_listener)
    care_services.membership_remove(actor=third, membership=paused)
    with pytest.raises(Conflict, match="removed you"):
        services.debrief_join(actor=third)
    assert care_selectors.membership_of(member=third, circle=debrief).state == "removed"


def test_a_listener_who_left_by_themselves_can_join_again(debrief, second_listener):
    own = care_selectors.membership_of(member=second_listener, circle=debrief)
    care_services.membership_remove(actor=second_listener, membership=own)
    services.debrief_join(actor=second_listener)
    assert care_selectors.membership_of(member=second_listener, circle=debrief).state == "active"
