"""The matching policy in the organisers' admin: visible to its network's organisers, and
read-only for everyone (changes go through proposals)."""

from django.test import Client

from mutualaid.matching.services import policy_change
from mutualaid.networks.models import Member
from tests.factories import MemberFactory


def test_organisers_see_their_networks_policy_and_cannot_change_it(network, outsider):
    policy = policy_change(network=network, changes={"helper_cap": 4})
    policy_change(network=outsider.network, changes={"helper_cap": 2})
    organiser = MemberFactory(network=network, role=Member.Role.FOUNDING_ORGANISER)
    client = Client()
    client.force_login(organiser.user)

    listing = client.get("/admin/matching/matchingpolicy/")
    assert listing.status_code == 200
    assert listing.context["cl"].result_count == 1
    detail = client.get(f"/admin/matching/matchingpolicy/{policy.pk}/change/")
    assert detail.status_code == 200
    assert not detail.context["has_change_permission"]
    response = client.post(f"/admin/matching/matchingpolicy/{policy.pk}/change/", {"helper_cap": 9})
    assert response.status_code == 403
    policy.refresh_from_db()
    assert policy.helper_cap == 4
