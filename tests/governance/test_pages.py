"""The governance pages: people and trust, roles, and the history log."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from mutualaid.core.history import history_record
from mutualaid.governance.models import Trust
from mutualaid.governance.selectors import roles_of
from mutualaid.governance.services.trust import trust_give
from mutualaid.needs import services as need_services
from mutualaid.needs.models import Need
from tests.conftest import SECRET_ADDRESS, SECRET_PHONE, client_for
from tests.factories import CategoryFactory, MemberFactory

pytestmark = pytest.mark.django_db

SECRET_MESSAGE = "I can come by at 6, my door code is 4411"


def url(name, network, **kwargs):
    return reverse(f"governance:{name}", kwargs={"slug": network.slug, **kwargs})


@pytest.mark.parametrize("name", ["people", "roles", "history"])
def test_only_members_open_the_governance_pages(network, requester, outsider, client, name):
    # anonymous visitors are sent to sign in
    response = client.get(url(name, network))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    # another network's member is sent to the public page
    response = client_for(outsider).get(url(name, network))
    assert response.status_code == 302
    assert response["Location"] == reverse("networks:public", kwargs={"slug": network.slug})
    # a member sees the page, with one h1
    response = client_for(requester).get(url(name, network))
    assert response.status_code == 200
    assert response.content.decode().count("<h1") == 1


def test_the_people_page_lists_members_with_their_trust_and_roles(network, requester, helper):
    # given Hugo trusted by Rosa in a network of two (one trust makes him coordinator)
    trust_give(actor=requester, receiver=helper)
    # when Rosa opens the people page
    body = client_for(requester).get(url("people", network)).content.decode()
    # then she sees Hugo, his trust, his role and her own trust given
    assert "Hugo" in body
    assert "Trusted by 1 member." in body
    assert "Coordinator" in body
    assert "You trust 1 member" in body
    assert "Take back trust" in body


def test_trust_given_through_the_page_earns_a_role(network, requester, helper, bystander):
    # given four members: the coordinator threshold is min(3, ceil(0.5 × 4)) = 2
    rosa = MemberFactory(network=network, display_name="Ruth")
    # when two of them trust Ruth through the page
    for giver in (requester, helper):
        response = client_for(giver).post(url("trust_give", network, member_id=rosa.pk))
        assert response.status_code == 302
    # then she is a coordinator
    assert "coordinator" in {role.slug for role in roles_of(rosa)}
    # and when one takes their trust back, she no longer is
    response = client_for(helper).post(url("trust_revoke", network, member_id=rosa.pk))
    assert response.status_code == 302
    assert "coordinator" not in {role.slug for role in roles_of(rosa)}
    assert Trust.objects.filter(receiver=rosa).count() == 1


def test_trusting_yourself_is_refused_with_a_clear_message(network, requester):
    response = client_for(requester).post(url("trust_give", network, member_id=requester.pk))
    assert response.status_code == 400
    assert "You cannot give trust to yourself." in response.content.decode()
    assert not Trust.objects.exists()


@pytest.mark.parametrize("whom", ["unknown", "outsider"])
def test_trusting_someone_outside_the_network_is_not_found(network, requester, outsider, whom):
    member_id = outsider.pk if whom == "outsider" else 999_999
    response = client_for(requester).post(url("trust_give", network, member_id=member_id))
    assert response.status_code == 404
    assert "There is no member with that number in your network." in response.content.decode()
    assert not Trust.objects.exists()


def test_taking_back_trust_never_given_is_refused(network, requester, helper):
    response = client_for(requester).post(url("trust_revoke", network, member_id=helper.pk))
    assert response.status_code == 404
    assert "there is none to take back" in response.content.decode()


def test_trust_pages_need_a_post(network, requester, helper):
    response = client_for(requester).get(url("trust_give", network, member_id=helper.pk))
    assert response.status_code == 405
    assert not Trust.objects.exists()


def test_the_roles_page_says_in_plain_words_what_each_role_allows(network, requester, helper):
    trust_give(actor=requester, receiver=helper)
    body = client_for(requester).get(url("roles", network)).content.decode()
    assert "Coordinator" in body
    assert "Approve or decline applications to join." in body
    assert "Trusted by half of the active members, at least 1 and at most 3: 1 now." in body
    assert "Held for 12 months at a time" in body
    assert "Hugo" in body


def test_the_history_says_which_role_was_gained(network, requester, helper):
    trust_give(actor=requester, receiver=helper)
    body = client_for(requester).get(url("history", network), {"kind": "role"}).content.decode()
    assert "a member gained a role" in body
    assert "role: coordinator" in body


def _private_world(network, requester, helper):
    category = CategoryFactory(network=network)
    need = need_services.need_create(
        actor=requester,
        category=category,
        description="Groceries for the week",
        urgency=Need.Urgency.THIS_WEEK,
        window_start=timezone.now(),
        window_end=timezone.now() + timedelta(days=2),
        cell=requester.cell,
        address=SECRET_ADDRESS,
        phone=SECRET_PHONE,
    )
    match = need_services.match_propose(actor=helper, need=need, message=SECRET_MESSAGE)
    # a careless writer who put private words in the log is still not shown
    history_record(actor=helper, action="match.note", target=match, message=SECRET_MESSAGE)
    history_record(
        actor=helper, action="match.start", target=match, address=SECRET_ADDRESS, side="helper"
    )
    return need, match


def test_the_history_page_never_shows_private_details(network, requester, helper, bystander):
    # given a need with an address and phone, and an offer of help with a message
    _private_world(network, requester, helper)
    # when another member browses the history
    body = client_for(bystander).get(url("history", network)).content.decode()
    # then they see what happened, but none of the private words
    assert "posted a need" in body
    assert "offered to help" in body
    assert "side: helper" in body
    for secret in (SECRET_ADDRESS, SECRET_PHONE, SECRET_MESSAGE, "Groceries for the week"):
        assert secret not in body


def test_the_history_page_filters_by_kind_and_member(network, requester, helper, outsider):
    _private_world(network, requester, helper)
    trust_give(actor=requester, receiver=helper)
    history_record(actor=outsider, action="need.create", target=outsider)
    client = client_for(requester)
    trust_only = client.get(url("history", network), {"kind": "trust"}).content.decode()
    assert "gave their trust" in trust_only
    assert "<td>Hugo</td>" in trust_only  # the member trusted, by name
    assert "posted a need" not in trust_only
    by_hugo = client.get(url("history", network), {"member": helper.pk}).content.decode()
    assert "offered to help" in by_hugo
    assert "posted a need" not in by_hugo
    assert "Olga" not in client.get(url("history", network)).content.decode()


def test_a_bad_history_filter_is_refused_gently(network, requester):
    response = client_for(requester).get(url("history", network), {"kind": "passwords"})
    assert response.status_code == 400
    assert "form-errors" in response.content.decode()
