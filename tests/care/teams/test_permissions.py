"""The permission matrix for care teams, over pages, the API, emails, logs and the admin.

Roles: the recipient (who holds the controls), a coordinator, a team member, an invited member
who has not joined, a removed member, a member who left, a network member outside the team,
an organiser who is not on it (organisers get no special access), and a member of another
network. The team-wide details are seen only by active members (the door code, which the
recipient does not share, by the recipient only); a slot's address and details only by active
members. Nothing sensitive ever reaches an email, a log line or the admin.
"""

import logging

import pytest
from django.urls import reverse

from mutualaid.care.teams import services
from mutualaid.care.teams.models import TeamMembership
from mutualaid.networks.models import Member
from tests.api.conftest import api_client_for
from tests.care.teams.conftest import (
    SECRET_ADDRESS,
    SECRET_DIET,
    SECRET_DOOR_CODE,
    SECRET_SLOT_ADDRESS,
    SECRET_SLOT_DETAILS,
    join,
)
from tests.conftest import client_for
from tests.factories import MemberFactory

INSIDE = {"recipient", "coordinator", "member"}
ROLES = [
    "recipient",
    "coordinator",
    "member",
    "invited",
    "removed",
    "left",
    "outsider_in_network",
    "organiser",
    "other",
]
SLOT_SECRETS = (SECRET_SLOT_ADDRESS, SECRET_SLOT_DETAILS)
ALL_SECRETS = (SECRET_ADDRESS, SECRET_DIET, SECRET_DOOR_CODE, *SLOT_SECRETS)


@pytest.fixture
def world(team, recipient, neighbour, slot, outsider, django_capture_on_commit_callbacks):
    network = team.network
    people = {
        "recipient": recipient,
        "member": neighbour,
        "coordinator": MemberFactory(network=network, display_name="Cora Coordinator"),
        "invited": MemberFactory(network=network, display_name="Ivy Invited"),
        "removed": MemberFactory(network=network, display_name="Rae Removed"),
        "left": MemberFactory(network=network, display_name="Lee Left"),
        "outsider_in_network": MemberFactory(network=network, display_name="Ola Outside"),
        "organiser": MemberFactory(
            network=network, display_name="Olu Organiser", role=Member.Role.FOUNDING_ORGANISER
        ),
        "other": outsider,
    }
    with django_capture_on_commit_callbacks(execute=True):
        for role in ("coordinator", "removed", "left"):
            join(team, people[role], recipient)
        services.membership_set_coordinator(
            actor=recipient,
            membership=TeamMembership.objects.get(team=team, member=people["coordinator"]),
            coordinator=True,
        )
        services.membership_invite(actor=recipient, team=team, member=people["invited"])
        services.slot_sign_up(actor=people["removed"], slot=slot)
        services.membership_remove(
            actor=recipient,
            membership=TeamMembership.objects.get(team=team, member=people["removed"]),
        )
        services.membership_leave(actor=people["left"], team=team)
        services.slots_flag_empty_sweep()
        services.slot_sign_up(actor=neighbour, slot=slot)
    return {"team": team, "slot": slot, "people": people}


def _pages(world) -> list[str]:
    team, slot = world["team"], world["slot"]
    slug = {"slug": team.network.slug}
    return [
        reverse("care_teams:team_list", kwargs=slug),
        reverse("care_teams:team_detail", kwargs=slug | {"team_id": team.pk}),
        reverse("care_teams:slot_detail", kwargs=slug | {"team_id": team.pk, "slot_id": slot.pk}),
        reverse("care_teams:slot_create", kwargs=slug | {"team_id": team.pk}),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_pages_show_details_only_to_the_active_team(world, role, caplog, mailoutbox):
    caplog.set_level(logging.DEBUG)
    client = client_for(world["people"][role])
    responses = [client.get(url) for url in _pages(world)]
    assert all(r.status_code < 500 for r in responses)
    text = "".join(r.content.decode() for r in responses)
    if role in INSIDE:
        assert responses[2].status_code == 200
        for secret in (SECRET_ADDRESS, SECRET_DIET, *SLOT_SECRETS):
            assert secret in text
    else:
        shut = {404} if role != "other" else {302}  # another network's members sign in there
        assert {r.status_code for r in responses[2:]} == shut
        assert responses[1].status_code in ({200} if role == "invited" else shut)
        for secret in ALL_SECRETS:
            assert secret not in text
    if role != "recipient":
        assert SECRET_DOOR_CODE not in text  # not shared with the team
    for record in caplog.records:
        for secret in ALL_SECRETS:
            assert secret not in record.getMessage()
    for mail in mailoutbox:
        for secret in ALL_SECRETS:
            assert secret not in mail.subject + mail.body


@pytest.mark.parametrize("role", ROLES)
def test_the_api_shows_details_only_to_the_active_team(world, role):
    api = api_client_for(world["people"][role])
    team, slot = world["team"], world["slot"]
    responses = [
        api.get("/care/teams"),
        api.get(f"/care/teams/{team.pk}"),
        api.get(f"/care/teams/{team.pk}/slots"),
        api.get(f"/care/teams/{team.pk}/slots/{slot.pk}"),
        api.get(f"/care/teams/{team.pk}/members"),
    ]
    text = "".join(r.content.decode() for r in responses)
    if role in INSIDE:
        assert [r.status_code for r in responses] == [200] * 5
        for secret in (SECRET_ADDRESS, SECRET_DIET, *SLOT_SECRETS):
            assert secret in text
    else:
        assert [r.status_code for r in responses[2:]] == [404, 404, 404]
        assert responses[1].status_code == (200 if role == "invited" else 404)
        for secret in ALL_SECRETS:
            assert secret not in text
    if role != "recipient":
        assert SECRET_DOOR_CODE not in text


@pytest.mark.parametrize("role", sorted(set(ROLES) - INSIDE))
def test_outside_roles_cannot_sign_up_add_slots_invite_or_close(world, role):
    person = world["people"][role]
    team, slot = world["team"], world["slot"]
    services.slot_withdraw(actor=world["people"]["member"], slot=slot)
    client = client_for(person)
    base = f"/n/{team.network.slug}/care-teams/{team.pk}"
    for path, data in [
        (f"{base}/slots/{slot.pk}/sign-up/", {}),
        (f"{base}/slots/new/", {"kind": "meal"}),
        (f"{base}/invite/", {"member": person.pk}),
        (f"{base}/state/close/", {}),
        (f"{base}/share/", {"door_code": "stolen", "share_door_code": "on"}),
    ]:
        assert client.post(path, data).status_code in {302, 404}
    api = api_client_for(person)
    assert api.post(f"/care/teams/{team.pk}/slots/{slot.pk}/sign-up").status_code == 404
    assert api.post(f"/care/teams/{team.pk}/close").status_code == 404
    team.refresh_from_db()
    slot.refresh_from_db()
    assert slot.volunteer_id is None
    assert team.state == "active"
    assert team.door_code == SECRET_DOOR_CODE


def test_a_removed_member_loses_api_access_at_once(team, recipient, neighbour, slot):
    api = api_client_for(neighbour)
    assert api.get(f"/care/teams/{team.pk}/slots").status_code == 200
    services.membership_remove(
        actor=recipient, membership=TeamMembership.objects.get(team=team, member=neighbour)
    )
    assert api.get(f"/care/teams/{team.pk}/slots").status_code == 404
    assert api.get(f"/care/teams/{team.pk}/slots/{slot.pk}").status_code == 404


def test_the_admin_shows_no_detail_and_no_member(world):
    organiser = world["people"]["organiser"]
    team = world["team"]
    client = client_for(organiser)
    for url in (
        reverse("admin:care_teams_careteam_changelist"),
        reverse("admin:care_teams_careteam_change", args=[team.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        for secret in (*ALL_SECRETS, "after surgery"):
            assert secret not in body
        assert world["people"]["member"].display_name not in body
    from django.urls import NoReverseMatch

    for model in ("slot", "teammembership"):
        with pytest.raises(NoReverseMatch):
            reverse(f"admin:care_teams_{model}_changelist")
