"""Places in a circle through the API: the same rules as the pages, through the same
services."""

import uuid

from mutualaid.care.models import CircleLogEntry, CircleMembership
from tests.api.conftest import api_client_for
from tests.factories import MemberFactory

State = CircleMembership.State


def _membership(circle, member) -> CircleMembership:
    return CircleMembership.objects.get(circle=circle, member=member)


def test_invite_then_welcome_through_the_api(circle, facilitator, poster):
    ines = MemberFactory(network=circle.network, display_name="Ines Invited")
    key = {"Idempotency-Key": str(uuid.uuid4())}
    url = f"/care/circles/{circle.pk}/invitations"
    first = api_client_for(poster).post(url, {"member_id": ines.pk}, headers=key)
    assert first.status_code == 201
    assert first.json()["state"] == "invited"
    again = api_client_for(poster).post(url, {"member_id": ines.pk})
    assert again.status_code == 409

    facilitator_api = api_client_for(facilitator)
    waiting = facilitator_api.get(f"/care/circles/{circle.pk}/waiting").json()
    assert [(w["display_name"], w["state"]) for w in waiting] == [("Ines Invited", "invited")]
    assert api_client_for(poster).get(f"/care/circles/{circle.pk}/waiting").json() == []

    membership_id = first.json()["id"]
    accepted = facilitator_api.post(f"/care/circles/{circle.pk}/members/{membership_id}/accept")
    assert accepted.status_code == 200
    assert _membership(circle, ines).state == State.ACTIVE


def test_inviting_someone_of_another_network_is_not_found(circle, poster, outsider):
    response = api_client_for(poster).post(
        f"/care/circles/{circle.pk}/invitations", {"member_id": outsider.pk}
    )
    assert response.status_code == 404
    assert not CircleMembership.objects.filter(member=outsider).exists()


def test_pause_resume_and_remove_through_the_api(circle, facilitator, poster):
    api = api_client_for(facilitator)
    base = f"/care/circles/{circle.pk}/members/{_membership(circle, poster).pk}"
    assert api.post(f"{base}/pause", {"reason": "A rest"}).json()["state"] == "paused"
    waiting = api.get(f"/care/circles/{circle.pk}/waiting").json()
    assert waiting == [
        {
            "id": _membership(circle, poster).pk,
            "display_name": "Paula Poster",
            "state": "paused",
            "pause_reason": "A rest",
        }
    ]
    assert api.post(f"{base}/resume").json()["state"] == "active"
    assert api.post(f"{base}/remove", {"reason": ""}).status_code == 422
    assert api.post(f"{base}/remove", {"reason": "Asked to"}).json()["state"] == "removed"
    actions = set(CircleLogEntry.objects.filter(circle=circle).values_list("action", flat=True))
    assert {"member_paused", "member_resumed", "member_removed"} <= actions


def test_a_member_who_is_not_a_facilitator_gets_403_and_nothing_changes(
    circle, facilitator, poster
):
    base = f"/care/circles/{circle.pk}/members/{_membership(circle, facilitator).pk}"
    response = api_client_for(poster).post(f"{base}/remove", {"reason": "coup"})
    assert response.status_code == 403
    assert _membership(circle, facilitator).is_facilitator


def test_willing_and_leaving_through_the_api(circle, poster):
    api = api_client_for(poster)
    off = api.post(f"/care/circles/{circle.pk}/willing", {"willing": False})
    assert off.json() == {"willing_to_facilitate": False}
    assert api.get(f"/care/circles/{circle.pk}").json()["i_am_willing_to_facilitate"] is False
    assert api.post(f"/care/circles/{circle.pk}/leave").json()["state"] == "removed"
    assert api.post(f"/care/circles/{circle.pk}/leave").status_code == 404


def test_settings_through_the_api(circle, facilitator, poster):
    url = f"/care/circles/{circle.pk}/settings"
    assert api_client_for(poster).patch(url, {"name": "Mine"}).status_code == 403
    response = api_client_for(facilitator).patch(url, {"rotation_days": 14})
    assert response.status_code == 200
    assert response.json()["rotation_days"] == 14
    assert response.json()["name"] == "Grief circle"
    assert api_client_for(facilitator).patch(url, {"retention_days": 3}).status_code == 422
    circle.refresh_from_db()
    assert (circle.rotation_days, circle.retention_days) == (14, 7)
    entry = CircleLogEntry.objects.get(circle=circle, action="settings_changed")
    assert entry.reason == "how often the facilitator role is handed on"
