"""Care in the organisers' admin: circle names and settings, never what is inside."""

import pytest
from django.urls import NoReverseMatch, reverse

from mutualaid.care import services
from mutualaid.care.models import CrisisResource
from mutualaid.networks.models import Member
from tests.care.conftest import SECRET_POST
from tests.conftest import client_for
from tests.factories import MemberFactory


@pytest.fixture
def organiser(network):
    return MemberFactory(network=network, role=Member.Role.FOUNDING_ORGANISER)


def test_the_admin_shows_no_post_and_no_pseudonym(circle, poster, organiser):
    post = services.post_create(actor=poster, circle=circle, body=SECRET_POST)
    client = client_for(organiser)
    for url in (
        reverse("admin:care_circle_changelist"),
        reverse("admin:care_circle_change", args=[circle.pk]),
        reverse("admin:index"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert SECRET_POST not in body
        assert post.pseudonym not in body
    for model in ("post", "circlemembership", "flag", "reaction", "circlelogentry"):
        with pytest.raises(NoReverseMatch):
            reverse(f"admin:care_{model}_changelist")


def test_an_organiser_lists_a_crisis_line_through_the_service(organiser, network):
    response = client_for(organiser).post(
        reverse("admin:care_crisisresource_add"),
        {
            "network": network.pk,
            "name": "Crisis line",
            "phone": "988",
            "hours": "24/7",
            "languages": "en, es",
            "notes": "",
            "position": 1,
        },
    )
    assert response.status_code == 302
    assert CrisisResource.objects.get(network=network).phone == "988"


def test_a_member_cannot_list_a_crisis_line(requester):
    from mutualaid.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.crisis_resource_create(actor=requester, name="x")


def test_the_crisis_page_lists_the_networks_lines_to_anyone(organiser, network, client):
    services.crisis_resource_create(actor=organiser, name="Crisis line", phone="988", hours="24/7")
    page = client.get(reverse("care:crisis", kwargs={"slug": network.slug})).content.decode()
    assert "Crisis line" in page
    assert 'href="tel:988"' in page
