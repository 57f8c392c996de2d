"""A circle's `actions` in the API say what its services then allow or refuse, for each
role: a member of the network outside it, an active member, a facilitator."""

import pytest
from django.urls import reverse

from mutualaid.care import selectors, services
from mutualaid.care.models import CircleMembership
from mutualaid.core.errors import NotFound, PermissionDenied
from tests.api.conftest import api_client_for
from tests.conftest import client_for
from tests.factories import MemberFactory


def _actions(member, circle, inside=False) -> set[str]:
    api = api_client_for(member)
    if inside:
        return set(api.get(f"/care/circles/{circle.pk}").json()["actions"])
    [found] = [c for c in api.get("/care/circles").json() if c["id"] == circle.pk]
    return set(found["actions"])


def test_an_outsider_may_join_and_nothing_more_and_the_services_agree(circle):
    neighbour = MemberFactory(network=circle.network)
    assert _actions(neighbour, circle) == {"join"}
    with pytest.raises(NotFound):
        services.post_create(actor=neighbour, circle=circle, body="hello")
    services.membership_request(actor=neighbour, circle=circle)
    # once asked, they may withdraw their request and no longer join
    assert _actions(neighbour, circle) == {"leave"}


def test_a_member_may_post_but_not_moderate_and_the_services_agree(circle, poster):
    actions = _actions(poster, circle, inside=True)
    assert {"post", "react", "flag", "invite", "set_willing", "leave"} <= actions
    assert not actions & {"join", "moderate", "update", "revise_agreement", "accept_agreement"}
    assert _actions(poster, circle) == actions
    post = services.post_create(actor=poster, circle=circle, body="A hard week.")
    with pytest.raises(PermissionDenied):
        services.post_hide(actor=poster, post=post, reason="no")
    with pytest.raises(PermissionDenied):
        services.agreement_revise(actor=poster, circle=circle, text="New rules.")


def test_a_facilitator_may_moderate_and_the_services_agree(circle, facilitator, poster):
    actions = _actions(facilitator, circle, inside=True)
    assert {"moderate", "update", "revise_agreement", "post"} <= actions
    post = services.post_create(actor=poster, circle=circle, body="A hard week.")
    assert services.post_hide(actor=facilitator, post=post, reason="Names someone").hidden


def test_a_new_agreement_takes_posting_away_until_it_is_accepted(circle, facilitator, poster):
    services.agreement_revise(actor=facilitator, circle=circle, text="Version two.")
    actions = _actions(poster, circle, inside=True)
    assert "accept_agreement" in actions
    assert "post" not in actions
    with pytest.raises(services.AgreementRequired):
        services.post_create(actor=poster, circle=circle, body="hello")
    services.agreement_accept(actor=poster, circle=circle, version=2)
    assert "post" in selectors.circle_actions(poster, circle)


def test_actions_never_tell_one_member_about_another(circle, facilitator, poster):
    """Whether others asked, were invited, paused or removed changes nobody else's actions."""
    before = _actions(poster, circle, inside=True)
    waiting = MemberFactory(network=circle.network)
    services.membership_request(actor=waiting, circle=circle)
    paused = MemberFactory(network=circle.network)
    membership = services.membership_request(actor=paused, circle=circle)
    services.membership_accept(actor=facilitator, membership=membership)
    services.membership_pause(actor=facilitator, membership=membership, reason="A break")
    assert _actions(poster, circle, inside=True) == before
    assert CircleMembership.objects.filter(circle=circle).count() == 4


def test_the_page_shows_only_the_buttons_the_actions_allow(circle, facilitator, poster):
    services.post_create(actor=poster, circle=circle, body="A hard week.")
    url = reverse(
        "care:circle_detail", kwargs={"slug": circle.network.slug, "circle_id": circle.pk}
    )
    members_page = client_for(poster).get(url)
    assert members_page.status_code == 200
    page = members_page.content.decode()
    assert "Flag this post" in page
    assert "Hide this post" not in page
    assert "Change the circle" not in page
    page = client_for(facilitator).get(url).content.decode()
    assert "Hide this post" in page
    assert "Change the circle" in page
