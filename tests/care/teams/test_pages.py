"""The care team pages, without JavaScript: plain forms that POST and redirect."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from mutualaid.care.teams import services
from mutualaid.care.teams.models import CareTeam, Slot, TeamMembership
from tests.care.teams.conftest import SECRET_ADDRESS, SECRET_DOOR_CODE, SECRET_SLOT_ADDRESS
from tests.conftest import client_for
from tests.factories import MemberFactory


def _url(name: str, team: CareTeam, **kw) -> str:
    return reverse(
        f"care_teams:{name}", kwargs={"slug": team.network.slug, "team_id": team.pk} | kw
    )


def _local(hours: float) -> str:
    return timezone.localtime(timezone.now() + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M")


def test_a_member_sets_up_their_own_team_from_the_form(recipient):
    client = client_for(recipient)
    url = reverse("care_teams:team_create", kwargs={"slug": recipient.network.slug})
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"name": "Meals for Rosa", "purpose": "after surgery", "for_whom": "me"}
    )
    team = CareTeam.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _url("team_detail", team)
    assert team.recipient_id == recipient.pk
    page = client.get(_url("team_detail", team)).content.decode()
    assert "Your controls" in page
    assert "Meals for Rosa" in page


def test_setting_up_for_a_member_without_choosing_them_is_a_clear_error(recipient):
    client = client_for(recipient)
    url = reverse("care_teams:team_create", kwargs={"slug": recipient.network.slug})
    response = client.post(url, {"name": "For someone", "for_whom": "member"})
    assert response.status_code == 400
    assert "Choose the member at the centre of the team." in response.content.decode()
    assert not CareTeam.objects.exists()


def test_the_recipient_accepts_a_team_set_up_around_them_on_its_page(network, recipient):
    friend = MemberFactory(network=network)
    team = services.team_create(actor=friend, name="For Rosa", recipient=recipient)
    client = client_for(recipient)
    page = client.get(_url("team_detail", team)).content.decode()
    assert "Accept the team" in page
    client.post(_url("team_answer", team, action="accept"))
    assert CareTeam.objects.get(pk=team.pk).state == CareTeam.State.ACTIVE
    assert "Your controls" in client.get(_url("team_detail", team)).content.decode()


def test_a_slot_ending_before_it_starts_is_shown_beside_the_form(team, recipient):
    client = client_for(recipient)
    response = client.post(
        _url("slot_create", team),
        {"kind": "meal", "starts_at": _local(5), "ends_at": _local(4)},
    )
    assert response.status_code == 400
    assert "A slot must end after it starts." in response.content.decode()
    assert not Slot.objects.exists()


def test_invite_join_add_a_slot_and_sign_up_by_plain_forms(team, recipient):
    # given Rosa invites Nina through the form
    nina = MemberFactory(network=team.network, display_name="Nina")
    rosa = client_for(recipient)
    rosa.post(_url("team_invite", team), {"member": nina.pk})
    # and Nina joins from the team page
    client = client_for(nina)
    assert "Join the team" in client.get(_url("team_detail", team)).content.decode()
    client.post(_url("team_answer", team, action="join"))
    # when Rosa adds a meal slot with an address
    rosa.post(
        _url("slot_create", team),
        {
            "kind": "meal",
            "starts_at": _local(26),
            "ends_at": _local(27),
            "address": SECRET_SLOT_ADDRESS,
        },
    )
    slot = Slot.objects.get()
    # then Nina signs up and sees the address on the slot's page
    response = client.post(_url("slot_step", team, slot_id=slot.pk, action="sign-up"))
    assert response.status_code == 302
    assert Slot.objects.get().volunteer_id == nina.pk
    page = client.get(_url("slot_detail", team, slot_id=slot.pk)).content.decode()
    assert SECRET_SLOT_ADDRESS in page
    assert SECRET_ADDRESS in page  # shared by Rosa
    assert SECRET_DOOR_CODE not in page  # not shared


def test_signing_up_on_a_paused_team_shows_the_reason(team, recipient, neighbour, slot):
    services.team_pause(actor=recipient, team=team)
    client = client_for(neighbour)
    response = client.post(_url("slot_step", team, slot_id=slot.pk, action="sign-up"), follow=True)
    assert "This team is paused or closed" in response.content.decode()
    assert Slot.objects.get(pk=slot.pk).volunteer_id is None


def test_the_recipient_pauses_shares_and_closes_by_forms(team, recipient, neighbour):
    client = client_for(recipient)
    client.post(_url("team_step", team, action="pause"))
    assert CareTeam.objects.get(pk=team.pk).state == CareTeam.State.PAUSED
    client.post(_url("team_share", team), {"door_code": "9999", "share_door_code": "on"})
    row = CareTeam.objects.get(pk=team.pk)
    assert row.door_code == "9999"
    assert row.share_door_code
    assert row.address is None  # the form sends every detail: an empty one is deleted
    assert "9999" in client_for(neighbour).get(_url("team_detail", team)).content.decode()
    client.post(_url("team_step", team, action="close"))
    assert CareTeam.objects.get(pk=team.pk).door_code is None


def test_a_member_removed_by_the_recipient_gets_a_404_at_once(team, recipient, neighbour, slot):
    client = client_for(neighbour)
    assert client.get(_url("slot_detail", team, slot_id=slot.pk)).status_code == 200
    membership = TeamMembership.objects.get(team=team, member=neighbour)
    client_for(recipient).post(
        _url("membership_step", team, membership_id=membership.pk, action="remove")
    )
    assert client.get(_url("team_detail", team)).status_code == 404
    assert client.get(_url("slot_detail", team, slot_id=slot.pk)).status_code == 404


def test_my_teams_lists_teams_and_invitations(team, recipient):
    guest = MemberFactory(network=team.network)
    services.membership_invite(actor=recipient, team=team, member=guest)
    page = (
        client_for(guest)
        .get(reverse("care_teams:team_list", kwargs={"slug": team.network.slug}))
        .content.decode()
    )
    assert "Meals for Rosa" in page
    assert "you are invited" in page


@pytest.mark.parametrize("action", ["pause", "close"])
def test_a_team_member_cannot_use_the_recipients_controls(team, neighbour, action):
    response = client_for(neighbour).post(_url("team_step", team, action=action), follow=True)
    assert "Only the person at the centre" in response.content.decode()
    assert CareTeam.objects.get(pk=team.pk).state == CareTeam.State.ACTIVE


def test_my_teams_keeps_a_closed_team_for_its_members_only(team, recipient, neighbour):
    services.team_close(actor=recipient, team=team)
    url = reverse("care_teams:team_list", kwargs={"slug": team.network.slug})
    assert "Meals for Rosa" in client_for(neighbour).get(url).content.decode()
    assert (
        "Meals for Rosa"
        not in client_for(MemberFactory(network=team.network)).get(url).content.decode()
    )
    page = client_for(neighbour).get(_url("team_detail", team)).content.decode()
    assert "The team has closed." in page
    assert SECRET_ADDRESS not in page
