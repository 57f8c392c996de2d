"""What a facilitator and a member do about places in a circle, on its pages without
JavaScript: invite, welcome, pause, welcome back, remove with a reason, offer to facilitate,
leave or withdraw, and the circle's settings."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from mutualaid.care import services
from mutualaid.care.models import Circle, CircleLogEntry, CircleMembership, Post
from mutualaid.core.errors import Conflict, InvalidInput, PermissionDenied
from tests.care.conftest import SECRET_POST, join
from tests.conftest import client_for
from tests.factories import MemberFactory

State = CircleMembership.State


def _url(name, circle, **kw):
    return reverse(name, kwargs={"slug": circle.network.slug, "circle_id": circle.pk, **kw})


def _step(circle, membership, action):
    return _url("care:membership_step", circle, membership_id=membership.pk, action=action)


def _state(circle, member) -> str:
    return CircleMembership.objects.get(circle=circle, member=member).state


# --- Inviting and welcoming ------------------------------------------------------------------


def test_a_member_invites_someone_by_name_and_a_facilitator_welcomes_them(
    circle, facilitator, poster
):
    # Given Ines, an active member of the network outside the circle,
    ines = MemberFactory(network=circle.network, display_name="Ines Invited")

    # when Paula, a member of the circle, picks her by name on the circle's page,
    page = client_for(poster).get(_url("care:circle_detail", circle)).content.decode()
    assert f'value="{ines.pk}">Ines Invited</option>' in page
    client_for(poster).post(_url("care:circle_invite", circle), {"member": ines.pk})

    # then Ines is invited, and the facilitator sees her waiting and welcomes her,
    assert _state(circle, ines) == State.INVITED
    facilitator_page = client_for(facilitator).get(_url("care:circle_detail", circle))
    assert "Welcome Ines Invited" in facilitator_page.content.decode()
    membership = CircleMembership.objects.get(circle=circle, member=ines)
    client_for(facilitator).post(_step(circle, membership, "accept"))
    assert _state(circle, ines) == State.ACTIVE
    # and the log says a member was welcomed, without her name.
    entry = CircleLogEntry.objects.filter(circle=circle).first()
    assert entry.action == CircleLogEntry.Action.MEMBER_ACCEPTED
    assert "Ines" not in entry.reason


def test_the_invitation_list_holds_only_active_network_members_not_yet_in_the_circle(
    circle, facilitator, poster, outsider
):
    away = MemberFactory(
        network=circle.network, display_name="Ada Away", inactive_since=timezone.now()
    )
    page = client_for(poster).get(_url("care:circle_detail", circle)).content.decode()
    invite = page.split('id="invite-heading"')[1].split("</section>")[0]
    for name in (away.display_name, outsider.display_name, poster.display_name, "Fatima"):
        assert name not in invite


def test_inviting_someone_outside_the_list_changes_nothing(circle, poster, outsider):
    response = client_for(poster).post(_url("care:circle_invite", circle), {"member": outsider.pk})
    assert response.status_code == 302
    assert not CircleMembership.objects.filter(member=outsider).exists()


def test_an_invited_member_is_told_and_can_decline(circle, facilitator):
    ines = MemberFactory(network=circle.network)
    services.membership_invite(actor=facilitator, circle=circle, member=ines)
    client = client_for(ines)
    page = client.get(_url("care:circle_detail", circle)).content.decode()
    assert "You were invited to this circle." in page
    client.post(_url("care:circle_leave", circle))
    assert _state(circle, ines) == State.REMOVED


def test_a_request_can_be_withdrawn(circle):
    nell = MemberFactory(network=circle.network)
    services.membership_request(actor=nell, circle=circle)
    client_for(nell).post(_url("care:circle_leave", circle))
    assert _state(circle, nell) == State.REMOVED


def test_inviting_an_inactive_member_or_twice_is_refused(circle, facilitator):
    away = MemberFactory(network=circle.network, inactive_since=timezone.now())
    with pytest.raises(InvalidInput):
        services.membership_invite(actor=facilitator, circle=circle, member=away)
    ines = MemberFactory(network=circle.network)
    services.membership_invite(actor=facilitator, circle=circle, member=ines)
    with pytest.raises(Conflict):
        services.membership_invite(actor=facilitator, circle=circle, member=ines)


def test_facilitators_are_told_of_an_invitation_without_who(
    circle, facilitator, poster, django_capture_on_commit_callbacks, mailoutbox
):
    ines = MemberFactory(network=circle.network, display_name="Ines Invited")
    with django_capture_on_commit_callbacks(execute=True):
        services.membership_invite(actor=poster, circle=circle, member=ines)
    [told] = [m for m in mailoutbox if m.to == [facilitator.user.email]]
    assert "Ines" not in told.subject + told.body
    assert poster.display_name not in told.body


def test_the_invited_person_is_told_and_told_again_when_welcomed(
    circle, facilitator, poster, django_capture_on_commit_callbacks, mailoutbox
):
    ines = MemberFactory(network=circle.network, display_name="Ines Invited")
    with django_capture_on_commit_callbacks(execute=True):
        invited = services.membership_invite(actor=poster, circle=circle, member=ines)
    [invitation] = [m for m in mailoutbox if m.to == [ines.user.email]]
    assert "invited" in invitation.subject
    assert circle.name not in invitation.subject  # a mailbox list shows subjects
    assert "decline" in invitation.body
    assert poster.display_name not in invitation.body  # who invited is not said
    with django_capture_on_commit_callbacks(execute=True):
        services.membership_accept(actor=facilitator, membership=invited)
    welcomed = [m for m in mailoutbox if m.to == [ines.user.email] and "welcomed" in m.subject]
    assert len(welcomed) == 1
    assert "agreement" in welcomed[0].body


# --- Pausing, welcoming back, removing --------------------------------------------------------


def test_a_facilitator_removes_a_member_with_a_reason_the_log_shows_without_a_name(
    circle, facilitator, poster
):
    membership = CircleMembership.objects.get(circle=circle, member=poster)
    client_for(facilitator).post(_step(circle, membership, "remove"), {"reason": "Asked to go"})
    assert _state(circle, poster) == State.REMOVED
    log = client_for(facilitator).get(_url("care:circle_log", circle)).content.decode()
    assert "Asked to go" in log
    assert poster.display_name not in log
    assert client_for(poster).get(_url("care:circle_log", circle)).status_code == 404


def test_removing_without_a_reason_changes_nothing(circle, facilitator, poster):
    membership = CircleMembership.objects.get(circle=circle, member=poster)
    response = client_for(facilitator).post(
        _step(circle, membership, "remove"), {"reason": " "}, follow=True
    )
    assert _state(circle, poster) == State.ACTIVE
    assert not CircleLogEntry.objects.filter(action="member_removed").exists()
    assert response.status_code == 200


def test_a_paused_member_is_listed_for_facilitators_and_welcomed_back(circle, facilitator, poster):
    membership = CircleMembership.objects.get(circle=circle, member=poster)
    services.membership_pause(actor=facilitator, membership=membership, reason="A rest")
    page = client_for(facilitator).get(_url("care:circle_detail", circle)).content.decode()
    paused = page.split("<h3>Paused</h3>")[1].split("</ul>")[0]
    assert "Paula Poster" in paused
    assert "A rest" in paused

    client_for(facilitator).post(_step(circle, membership, "resume"))
    assert _state(circle, poster) == State.ACTIVE
    assert CircleLogEntry.objects.filter(action="member_resumed").exists()


def test_a_paused_member_can_also_be_removed(circle, facilitator, poster):
    membership = CircleMembership.objects.get(circle=circle, member=poster)
    services.membership_pause(actor=facilitator, membership=membership, reason="A rest")
    client_for(facilitator).post(_step(circle, membership, "remove"), {"reason": "No return"})
    assert _state(circle, poster) == State.REMOVED


def test_a_member_who_is_not_a_facilitator_cannot_pause_or_remove(circle, facilitator, poster):
    other = MemberFactory(network=circle.network)
    join(circle, other, facilitator)
    target = CircleMembership.objects.get(circle=circle, member=other)
    client = client_for(poster)
    for action in ("pause", "remove"):
        page = client.post(_step(circle, target, action), {"reason": "x"}, follow=True)
        assert "Only the circle" in page.content.decode()
    assert _state(circle, other) == State.ACTIVE
    # nor do they see the facilitators' tools.
    assert "Pause or remove" not in client.get(_url("care:circle_detail", circle)).content.decode()


def test_a_membership_of_another_circle_is_not_found(circle, facilitator, poster):
    other_circle = services.circle_create(actor=poster, name="Other", agreement="Be kind.")
    theirs = CircleMembership.objects.get(circle=other_circle, member=poster)
    response = client_for(facilitator).post(_step(circle, theirs, "remove"), {"reason": "x"})
    assert response.status_code == 404
    assert theirs.state == _state(other_circle, poster) == State.ACTIVE


# --- Offering to facilitate, leaving ----------------------------------------------------------


def test_a_member_declines_the_facilitator_role_and_it_is_not_handed_to_them(
    circle, facilitator, poster
):
    client_for(poster).post(_url("care:membership_willing", circle), {"willing": "0"})
    assert not CircleMembership.objects.get(circle=circle, member=poster).willing_to_facilitate
    Circle.objects.filter(pk=circle.pk).update(
        facilitators_rotated_at=timezone.now() - timedelta(days=60)
    )
    circle.refresh_from_db()
    assert services.facilitators_rotate(circle=circle) is False
    assert not CircleMembership.objects.get(circle=circle, member=poster).is_facilitator

    page = client_for(poster).get(_url("care:circle_detail", circle)).content.decode()
    assert "I am willing to facilitate" in page
    client_for(poster).post(_url("care:membership_willing", circle), {"willing": "1"})
    assert CircleMembership.objects.get(circle=circle, member=poster).willing_to_facilitate


def test_a_member_leaves_from_the_page_and_their_posts_stay_under_the_pseudonym(circle, poster):
    post = services.post_create(actor=poster, circle=circle, body=SECRET_POST)
    response = client_for(poster).post(_url("care:circle_leave", circle))
    assert response.status_code == 302
    assert _state(circle, poster) == State.REMOVED
    assert Post.objects.get(pk=post.pk).pseudonym == post.pseudonym


# --- Settings ---------------------------------------------------------------------------------


def test_a_facilitator_changes_the_settings_and_the_log_says_what_changed(circle, facilitator):
    client = client_for(facilitator)
    assert client.get(_url("care:circle_settings", circle)).status_code == 200
    response = client.post(
        _url("care:circle_settings", circle),
        {"name": "Grief and loss", "description": "", "retention_days": 90, "rotation_days": 30},
    )
    assert response.status_code == 302
    circle.refresh_from_db()
    assert (circle.name, circle.retention_days) == ("Grief and loss", 90)
    entry = CircleLogEntry.objects.get(circle=circle, action="settings_changed")
    assert entry.reason == "name, how long new posts live"


def test_only_a_facilitator_opens_the_settings(circle, poster):
    client = client_for(poster)
    assert client.get(_url("care:circle_settings", circle)).status_code == 404
    data = {"name": "Taken over", "retention_days": 0, "rotation_days": 30}
    assert client.post(_url("care:circle_settings", circle), data).status_code == 404
    circle.refresh_from_db()
    assert circle.name == "Grief circle"


def test_bad_settings_are_refused_and_change_nothing(circle, facilitator):
    data = {"name": "Grief circle", "retention_days": 7, "rotation_days": 0}
    response = client_for(facilitator).post(_url("care:circle_settings", circle), data)
    assert response.status_code == 400
    circle.refresh_from_db()
    assert circle.rotation_days == 30
    assert not CircleLogEntry.objects.filter(action="settings_changed").exists()


def test_saving_unchanged_settings_logs_nothing(circle, facilitator):
    services.circle_update(
        actor=facilitator,
        circle=circle,
        name=circle.name,
        description=circle.description,
        retention_days=circle.retention_days,
        rotation_days=circle.rotation_days,
    )
    assert not CircleLogEntry.objects.filter(action="settings_changed").exists()


def test_a_new_retention_applies_to_posts_written_from_then_on(circle, facilitator, poster):
    # Given a post written under 7 days' retention,
    before = services.post_create(actor=poster, circle=circle, body=SECRET_POST)
    # when a facilitator makes it 90 days,
    services.circle_update(
        actor=facilitator, circle=circle, name=circle.name, retention_days=90, rotation_days=30
    )
    after = services.post_create(actor=poster, circle=circle, body="later")
    # then the earlier post keeps its expiry and the new one gets the new retention.
    assert Post.objects.get(pk=before.pk).expires_at == before.expires_at
    assert before.expires_at - before.created_at < timedelta(days=8)
    assert after.expires_at - after.created_at > timedelta(days=89)


def test_only_a_current_facilitator_updates_a_circle(circle, poster):
    with pytest.raises(PermissionDenied):
        services.circle_update(
            actor=poster, circle=circle, name="Mine", retention_days=0, rotation_days=30
        )
    with pytest.raises(InvalidInput):
        services.circle_update(
            actor=circle.memberships.get(is_facilitator=True).member,
            circle=circle,
            name="Fine",
            retention_days=3,
            rotation_days=30,
        )
    circle.refresh_from_db()
    assert (circle.name, circle.retention_days) == ("Grief circle", 7)


def test_the_invitation_list_does_not_give_away_who_was_paused_or_asked(circle, facilitator):
    # Given Pat, paused in the circle, and Ray, who asked to join,
    pat = MemberFactory(network=circle.network, display_name="Pat Paused")
    join(circle, pat, facilitator)
    services.membership_pause(
        actor=facilitator,
        membership=CircleMembership.objects.get(circle=circle, member=pat),
        reason="A rest",
    )
    ray = MemberFactory(network=circle.network, display_name="Ray Requested")
    services.membership_request(actor=ray, circle=circle)
    # and Mo, an ordinary member of the circle,
    mo = MemberFactory(network=circle.network, display_name="Mo Member")
    join(circle, mo, facilitator)

    # then Mo's invitation list holds them like anyone outside the circle,
    page = client_for(mo).get(_url("care:circle_detail", circle)).content.decode()
    invite = page.split('id="invite-heading"')[1].split("</section>")[0]
    assert "Pat Paused" in invite
    assert "Ray Requested" in invite
    # and inviting either gets the same words, and changes nothing.
    messages = []
    for person in (pat, ray):
        response = client_for(mo).post(
            _url("care:circle_invite", circle), {"member": person.pk}, follow=True
        )
        messages.append(response.content.decode().count("cannot be invited to it"))
    assert messages == [1, 1]
    assert _state(circle, pat) == State.PAUSED
    assert _state(circle, ray) == State.REQUESTED
