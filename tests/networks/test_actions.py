"""The actions the API lists on an application are exactly what the service then allows: a
member who has not answered may approve or decline; one who answered, or a member of another
network, may not, and the service refuses them the same way."""

import pytest
from django.urls import reverse

from mutualaid.core.errors import Conflict, PermissionDenied
from mutualaid.membership import services as membership
from mutualaid.networks import services
from mutualaid.networks.models import Application
from tests.api.conftest import api_client_for
from tests.conftest import client_for
from tests.factories import MemberFactory, UserFactory


@pytest.fixture
def application(network, requester, helper, bystander):
    network.approvals_needed = 2
    network.save()
    user = UserFactory(email="newcomer@example.org")
    return services.application_submit(
        user=user, network=network, display_name="Newcomer", answers=[]
    )


def listed_actions(member, application):
    rows = api_client_for(member).get("/applications").json()["items"]
    return next((row["actions"] for row in rows if row["id"] == application.pk), None)


def test_a_member_who_has_not_answered_may_approve_or_decline(requester, application):
    # given a pending application that needs two answers
    # then a member who has not answered is offered both
    assert listed_actions(requester, application) == ["approve", "decline"]
    # and the service accepts their answer
    answered = membership.application_vote(
        actor=requester, application=application, decision="approve"
    )
    assert answered.status == Application.Status.PENDING  # one of two


def test_a_member_who_answered_is_offered_nothing_and_refused(helper, application):
    # given a member who already answered
    voted = api_client_for(helper).post(
        f"/applications/{application.pk}/vote", {"decision": "decline"}
    )
    # then the answer's own actions are empty, and so is the list
    assert voted.status_code == 200, voted.json()
    assert voted.json()["actions"] == []
    assert listed_actions(helper, application) == []
    # and the service refuses a second answer, as the empty list said
    with pytest.raises(Conflict):
        membership.application_vote(actor=helper, application=application, decision="approve")


def test_a_member_of_another_network_may_not_answer(application):
    outsider = MemberFactory()
    assert listed_actions(outsider, application) is None  # not even listed
    with pytest.raises(PermissionDenied):
        membership.application_vote(actor=outsider, application=application, decision="approve")


def test_the_page_draws_the_buttons_from_the_same_actions(network, requester, helper, application):
    page = reverse("networks:applications", kwargs={"slug": network.slug})
    assert 'value="approve"' in client_for(requester).get(page).content.decode()
    membership.application_vote(actor=helper, application=application, decision="approve")
    assert 'value="approve"' not in client_for(helper).get(page).content.decode()
