"""A care team's and a slot's `actions` in the API say what the services then allow or
refuse, for the person at the centre, a member of the team and an invited member."""

import pytest

from mutualaid.care.teams import selectors, services
from mutualaid.care.teams.models import Slot
from mutualaid.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from tests.api.conftest import api_client_for
from tests.care.teams.conftest import soon
from tests.factories import MemberFactory


def _team_actions(member, team) -> set[str]:
    return set(api_client_for(member).get(f"/care/teams/{team.pk}").json()["actions"])


def _slot_actions(member, team, slot) -> set[str]:
    path = f"/care/teams/{team.pk}/slots/{slot.pk}"
    return set(api_client_for(member).get(path).json()["actions"])


def test_the_person_at_the_centre_holds_the_controls_and_the_services_agree(team, recipient):
    actions = _team_actions(recipient, team)
    assert {"pause", "close", "share", "set_closes_on", "manage_members", "invite"} <= actions
    assert not actions & {"leave", "resume", "accept", "join"}
    with pytest.raises(InvalidInput):
        services.membership_leave(actor=recipient, team=team)
    services.team_pause(actor=recipient, team=team)
    actions = _team_actions(recipient, team)
    assert "resume" in actions
    assert "pause" not in actions


def test_a_member_of_the_team_may_leave_and_not_control_it(team, neighbour):
    actions = _team_actions(neighbour, team)
    assert actions == {"leave"}
    with pytest.raises(PermissionDenied):
        services.team_pause(actor=neighbour, team=team)
    with pytest.raises(PermissionDenied):
        services.membership_invite(
            actor=neighbour, team=team, member=MemberFactory(network=team.network)
        )
    services.membership_leave(actor=neighbour, team=team)


def test_an_invited_member_may_join_or_decline_and_nothing_else(team, recipient):
    invited = MemberFactory(network=team.network)
    services.membership_invite(actor=recipient, team=team, member=invited)
    assert _team_actions(invited, team) == {"join", "decline_invitation"}
    with pytest.raises(NotFound):
        services.team_pause(actor=invited, team=team)
    services.membership_accept(actor=invited, team=team)
    assert _team_actions(invited, team) == {"leave"}


def test_slot_actions_follow_who_took_it_and_who_coordinates(team, recipient, neighbour, slot):
    assert _slot_actions(neighbour, team, slot) == {"sign_up"}
    assert _slot_actions(recipient, team, slot) == {"sign_up", "cancel"}
    services.slot_sign_up(actor=neighbour, slot=slot)
    assert _slot_actions(neighbour, team, slot) == {"withdraw"}
    assert _slot_actions(recipient, team, slot) == {"cancel"}
    with pytest.raises(Conflict):
        services.slot_sign_up(actor=recipient, slot=slot)
    with pytest.raises(PermissionDenied):
        services.slot_cancel(actor=neighbour, slot=slot)
    services.slot_withdraw(actor=neighbour, slot=slot)


def test_nobody_may_sign_up_while_the_team_is_paused(team, recipient, neighbour, slot):
    services.team_pause(actor=recipient, team=team)
    assert "sign_up" not in _slot_actions(neighbour, team, slot)
    with pytest.raises(services.TeamNotActive):
        services.slot_sign_up(actor=neighbour, slot=Slot.objects.get(pk=slot.pk))


def test_the_calendar_lists_the_same_actions_as_each_slot(team, recipient, neighbour, slot):
    services.slot_create(
        actor=recipient, team=team, kind=Slot.Kind.RIDE, starts_at=soon(40), ends_at=soon(41)
    )
    listed = api_client_for(neighbour).get(f"/care/teams/{team.pk}/slots").json()
    assert [set(s["actions"]) for s in listed] == [{"sign_up"}, {"sign_up"}]
    place = selectors.access_team(neighbour, team.pk)
    assert [r.actions for r in selectors.calendar_rows(member=neighbour, place=place)] == [
        ["sign_up"],
        ["sign_up"],
    ]
