"""Care teams through the JSON API: the same rules as the pages, with stable error codes."""

import uuid
from datetime import timedelta
from typing import get_args

import pytest
from django.utils import timezone

from mutualaid.care.teams import api as teams_api
from mutualaid.care.teams import services
from mutualaid.care.teams.models import CareTeam, Slot, TeamMembership
from tests.api.conftest import api_client_for
from tests.care.teams.conftest import SECRET_ADDRESS, SECRET_DIET, SECRET_DOOR_CODE
from tests.factories import MemberFactory


def _iso(hours: float) -> str:
    return (timezone.now() + timedelta(hours=hours)).isoformat()


def test_setting_up_a_team_is_idempotent(recipient):
    api = api_client_for(recipient)
    key = {"Idempotency-Key": str(uuid.uuid4())}
    body = {"name": "Meals for Rosa", "purpose": "after surgery"}
    first = api.post("/care/teams", body, headers=key)
    again = api.post("/care/teams", body, headers=key)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert first.json()["i_hold_the_controls"] is True
    assert CareTeam.objects.count() == 1


def test_a_team_around_another_member_waits_for_their_answer(network, recipient):
    friend = MemberFactory(network=network)
    created = api_client_for(friend).post(
        "/care/teams", {"name": "For Rosa", "recipient": "member", "recipient_id": recipient.pk}
    )
    assert created.status_code == 201
    assert created.json()["state"] == "proposed"
    team_id = created.json()["id"]
    api = api_client_for(recipient)
    assert api.get(f"/care/teams/{team_id}").json()["awaiting_my_answer"] is True
    accepted = api.post(f"/care/teams/{team_id}/accept")
    assert accepted.status_code == 200
    assert accepted.json()["i_hold_the_controls"] is True


def test_a_slot_ending_before_it_starts_is_a_clear_400(team, recipient):
    response = api_client_for(recipient).post(
        f"/care/teams/{team.pk}/slots",
        {"kind": "meal", "starts_at": _iso(5), "ends_at": _iso(4)},
    )
    assert response.status_code == 400
    assert response.json()["message"] == "A slot must end after it starts."
    assert "ends_at" in response.json()["fields"]
    assert not Slot.objects.exists()


def test_invite_join_slot_sign_up_and_a_second_sign_up_is_409(team, recipient):
    nina = MemberFactory(network=team.network)
    rosa = api_client_for(recipient)
    invited = rosa.post(f"/care/teams/{team.pk}/invitations", {"member_id": nina.pk})
    assert invited.status_code == 201
    assert invited.json()["state"] == "invited"
    api = api_client_for(nina)
    assert api.post(f"/care/teams/{team.pk}/join").status_code == 200
    created = rosa.post(
        f"/care/teams/{team.pk}/slots",
        {"kind": "ride", "starts_at": _iso(30), "ends_at": _iso(32), "details": "Dr Lee, 3F"},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert created.status_code == 201
    slot_id = created.json()["id"]
    signed = api.post(f"/care/teams/{team.pk}/slots/{slot_id}/sign-up")
    assert signed.status_code == 200
    assert signed.json()["mine"] is True
    assert signed.json()["details"] == "Dr Lee, 3F"
    second = rosa.post(f"/care/teams/{team.pk}/slots/{slot_id}/sign-up")
    assert second.status_code == 409
    assert second.json()["code"] == "slot_taken"


def test_signing_up_on_a_paused_team_is_409_team_not_active(team, recipient, neighbour, slot):
    assert api_client_for(recipient).post(f"/care/teams/{team.pk}/pause").status_code == 200
    response = api_client_for(neighbour).post(f"/care/teams/{team.pk}/slots/{slot.pk}/sign-up")
    assert response.status_code == 409
    assert response.json()["code"] == "team_not_active"


def test_only_the_recipient_reads_the_sharing_and_the_unshared_door_code(
    team, recipient, neighbour
):
    mine = api_client_for(recipient).get(f"/care/teams/{team.pk}").json()
    theirs = api_client_for(neighbour).get(f"/care/teams/{team.pk}").json()
    assert mine["details"]["door_code"] == SECRET_DOOR_CODE
    assert mine["sharing"]["door_code"] is False
    assert "door_code" not in theirs["details"]
    assert theirs["sharing"] == {}


def test_the_recipient_shares_the_door_code_through_the_api(team, recipient, neighbour):
    response = api_client_for(recipient).patch(
        f"/care/teams/{team.pk}/sharing",
        {"door_code": "1234", "share_door_code": True},
    )
    assert response.status_code == 200
    theirs = api_client_for(neighbour).get(f"/care/teams/{team.pk}").json()
    # the fields left out kept their values and sharing
    assert theirs["details"] == {
        "dietary_needs": SECRET_DIET,
        "address": SECRET_ADDRESS,
        "door_code": "1234",
    }


def test_the_recipient_removes_a_member_and_names_a_coordinator(team, recipient, neighbour):
    membership = TeamMembership.objects.get(team=team, member=neighbour)
    api = api_client_for(recipient)
    named = api.patch(
        f"/care/teams/{team.pk}/members/{membership.pk}/coordinator", {"coordinator": True}
    )
    assert named.status_code == 200
    assert named.json()["is_coordinator"] is True
    removed = api.post(f"/care/teams/{team.pk}/members/{membership.pk}/remove")
    assert removed.status_code == 200
    assert removed.json()["state"] == "removed"
    assert api_client_for(neighbour).get(f"/care/teams/{team.pk}").status_code == 404


def test_closing_through_the_api_deletes_the_details(team, recipient):
    response = api_client_for(recipient).post(f"/care/teams/{team.pk}/close")
    assert response.status_code == 200
    assert response.json()["state"] == "closed"
    assert response.json()["details"] == {}
    assert CareTeam.objects.get(pk=team.pk).address is None


def test_a_closing_date_in_the_past_is_a_400(team, recipient):
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = api_client_for(recipient).patch(
        f"/care/teams/{team.pk}/closes-on", {"closes_on": yesterday}
    )
    assert response.status_code == 400
    assert CareTeam.objects.get(pk=team.pk).closes_on is None


@pytest.mark.parametrize(
    ("literal", "values"),
    [
        (teams_api.TeamState, CareTeam.State.values),
        (teams_api.MemberState, TeamMembership.State.values),
        (teams_api.SlotKind, Slot.Kind.values),
    ],
)
def test_the_api_lists_exactly_the_models_choices(literal, values):
    assert sorted(get_args(literal)) == sorted(values)


def test_every_team_operation_is_named(client):
    from mutualaid.api import api

    schema = api.get_openapi_schema()
    operations = [
        op
        for path, item in schema["paths"].items()
        if path.startswith("/api/v1/care/teams")
        for op in item.values()
    ]
    assert len(operations) >= 20
    assert all(op.get("operationId", "").startswith("care_team") for op in operations)
    assert services.SlotTaken.code == "slot_taken"


def test_a_team_for_a_member_without_saying_who_is_a_clear_400(recipient):
    response = api_client_for(recipient).post(
        "/care/teams", {"name": "For someone", "recipient": "member"}
    )
    assert response.status_code == 400
    assert "recipient_id" in response.json()["fields"]
    assert not CareTeam.objects.exists()
