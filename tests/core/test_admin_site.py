"""Organisers reach the admin by their role in a network; they see only their networks."""

from django.test import Client

from mutualaid.networks.models import Member
from tests.factories import MemberFactory, NetworkFactory


def _client(member) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


def test_an_organiser_sees_only_their_own_network_in_the_admin(db):
    mine, theirs = NetworkFactory(name="Eastside Aid"), NetworkFactory(name="Westside Aid")
    organiser = MemberFactory(network=mine, role=Member.Role.FOUNDING_ORGANISER)
    client = _client(organiser)
    response = client.get("/admin/networks/network/")
    assert response.status_code == 200
    body = response.content.decode()
    assert mine.name in body
    assert theirs.name not in body


def test_a_plain_member_is_not_let_into_the_admin(db):
    member = MemberFactory()
    response = _client(member).get("/admin/", follow=True)
    assert response.status_code == 403


def test_a_visitor_is_sent_to_the_one_sign_in_page(client, db):
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/")


def test_the_admin_never_uses_is_staff(db):
    member = MemberFactory()
    member.user.is_staff = True
    member.user.save()
    response = _client(member).get("/admin/", follow=True)
    assert response.status_code == 403


def test_organisers_can_look_up_proposals_but_never_votes(db):
    organiser = MemberFactory(role=Member.Role.FOUNDING_ORGANISER)
    client = _client(organiser)
    assert client.get("/admin/governance/proposal/").status_code == 200
    assert client.get("/admin/governance/vote/").status_code == 404
