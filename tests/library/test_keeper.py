"""A thing whose keeper left is given a new keeper by an organiser."""

import pytest
from django.urls import reverse

from mutualaid.accounts.services import account_delete
from mutualaid.core.errors import Conflict, PermissionDenied
from mutualaid.core.models import HistoryEntry
from mutualaid.library import services
from mutualaid.library.models import Thing
from mutualaid.networks.models import Member
from tests.conftest import client_for
from tests.factories import MemberFactory


@pytest.fixture
def organiser(network):
    return MemberFactory(network=network, display_name="Ola", role=Member.Role.FOUNDING_ORGANISER)


@pytest.fixture
def unkept(thing, helper):
    account_delete(user=helper.user)
    thing = Thing.objects.get(pk=thing.pk)
    assert thing.keeper is None
    return thing


def test_an_organiser_gives_an_unkept_thing_a_new_keeper(organiser, unkept, requester):
    thing = services.thing_keeper_assign(actor=organiser, thing=unkept, keeper=requester)
    assert thing.keeper == requester
    assert not thing.is_active  # the new keeper puts it back on the shelf
    assert HistoryEntry.objects.filter(action="library.thing_keeper").exists()
    with pytest.raises(Conflict, match="already has a keeper"):
        services.thing_keeper_assign(actor=organiser, thing=thing, keeper=organiser)
    thing.refresh_from_db()
    assert thing.keeper == requester


def test_a_member_without_the_permission_cannot_assign_a_keeper(unkept, requester, bystander):
    with pytest.raises(PermissionDenied):
        services.thing_keeper_assign(actor=bystander, thing=unkept, keeper=bystander)
    unkept.refresh_from_db()
    assert unkept.keeper is None


def test_the_thing_page_offers_organisers_a_new_keeper(organiser, unkept, requester, network):
    url = reverse("library:thing_detail", kwargs={"slug": network.slug, "thing_id": unkept.pk})
    post_url = reverse("library:thing_keeper", kwargs={"slug": network.slug, "thing_id": unkept.pk})
    client = client_for(organiser)
    assert "Find it a new keeper" in client.get(url).content.decode()
    assert "Find it a new keeper" not in client_for(requester).get(url).content.decode()
    refused = client_for(requester).post(post_url, {"keeper": requester.pk})
    assert refused.status_code == 403
    response = client.post(post_url, {"keeper": requester.pk})
    assert response.status_code == 302
    unkept.refresh_from_db()
    assert unkept.keeper == requester
    assert "Find it a new keeper" not in client.get(url).content.decode()
