"""Circles through their services: joining, the agreement, posting, flags, moderation,
rotation and retention."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from mutualaid.care import services
from mutualaid.care.models import CircleLogEntry, CircleMembership, Flag, Post
from mutualaid.care.pseudonyms import pseudonym_for
from mutualaid.care.tasks import expire_posts
from mutualaid.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from tests.care.conftest import SECRET_POST, join
from tests.factories import MemberFactory


def test_the_creator_is_the_first_facilitator_and_has_accepted_the_agreement(circle, facilitator):
    membership = CircleMembership.objects.get(circle=circle, member=facilitator)
    assert membership.is_facilitator
    assert membership.agreed_version == 1


def test_posting_without_accepting_the_agreement_is_refused_clearly(circle, facilitator):
    member = MemberFactory(network=circle.network)
    membership = services.membership_request(actor=member, circle=circle)
    services.membership_accept(actor=facilitator, membership=membership)

    with pytest.raises(services.AgreementRequired) as err:
        services.post_create(actor=member, circle=circle, body="hello")
    assert "agreement" in err.value.message


def test_a_revised_agreement_must_be_accepted_again(circle, facilitator, poster):
    services.agreement_revise(actor=facilitator, circle=circle, text="Also: no screenshots.")
    with pytest.raises(services.AgreementRequired):
        services.post_create(actor=poster, circle=circle, body="hello")
    with pytest.raises(Conflict):
        services.agreement_accept(actor=poster, circle=circle, version=1)
    services.agreement_accept(actor=poster, circle=circle, version=2)
    assert services.post_create(actor=poster, circle=circle, body="hello").pk


def test_only_a_current_facilitator_accepts_a_request(circle, poster):
    newcomer = MemberFactory(network=circle.network)
    membership = services.membership_request(actor=newcomer, circle=circle)
    with pytest.raises(PermissionDenied):
        services.membership_accept(actor=poster, membership=membership)


def test_asking_twice_is_a_clear_conflict(circle):
    newcomer = MemberFactory(network=circle.network)
    services.membership_request(actor=newcomer, circle=circle)
    with pytest.raises(Conflict):
        services.membership_request(actor=newcomer, circle=circle)


def test_a_member_of_another_network_cannot_ask(circle, outsider):
    with pytest.raises(NotFound):
        services.membership_request(actor=outsider, circle=circle)


def test_flagging_twice_is_refused_clearly(
    circle, poster, facilitator, mailoutbox, django_capture_on_commit_callbacks
):
    post = services.post_create(actor=poster, circle=circle, body=SECRET_POST)
    reader = MemberFactory(network=circle.network)
    join(circle, reader, facilitator)
    with django_capture_on_commit_callbacks(execute=True):
        services.post_flag(actor=reader, post=post, reason="It names someone")

    with pytest.raises(services.AlreadyFlagged) as err:
        services.post_flag(actor=reader, post=post, reason="again")
    assert err.value.code == "already_flagged"
    assert Flag.objects.count() == 1
    # The facilitator is told, without the post's text, the pseudonym or who flagged.
    [mail] = [m for m in mailoutbox if "flagged" in m.subject]
    assert mail.to == [facilitator.user.email]
    text = mail.subject + mail.body
    assert SECRET_POST not in text
    assert post.pseudonym not in text
    assert reader.display_name not in text


def test_a_facilitator_hides_a_post_and_the_log_says_why_without_names(circle, poster, facilitator):
    post = services.post_create(actor=poster, circle=circle, body=SECRET_POST)
    with pytest.raises(PermissionDenied):
        services.post_hide(actor=poster, post=post, reason="no")

    services.post_hide(actor=facilitator, post=post, reason="Names a person outside")

    [entry] = CircleLogEntry.objects.filter(circle=circle, action="post_hidden")
    assert entry.reason == "Names a person outside"
    assert Post.objects.get(pk=post.pk).hidden


def test_a_paused_member_loses_access_at_once(circle, poster, facilitator):
    membership = CircleMembership.objects.get(circle=circle, member=poster)
    with pytest.raises(InvalidInput):
        services.membership_pause(actor=facilitator, membership=membership, reason="")

    services.membership_pause(actor=facilitator, membership=membership, reason="Needs a break")

    with pytest.raises(NotFound):
        services.post_create(actor=poster, circle=circle, body="hello")
    entry = CircleLogEntry.objects.get(action="member_paused")
    assert entry.reason == "Needs a break"
    assert poster.display_name not in str(entry.__dict__)
    assert membership.pseudonym not in str(entry.__dict__)


def test_a_removed_member_loses_access_at_once(circle, poster, facilitator):
    membership = CircleMembership.objects.get(circle=circle, member=poster)
    services.membership_remove(actor=facilitator, membership=membership, reason="Asked to go")
    with pytest.raises(NotFound):
        services.post_create(actor=poster, circle=circle, body="hello")
    with pytest.raises(NotFound):
        services.reaction_toggle(actor=poster, post=Post(circle=circle), kind="heart")


def test_the_pseudonym_is_stable_within_a_circle_and_differs_across_circles(
    circle, poster, facilitator
):
    first = services.post_create(actor=poster, circle=circle, body="one")
    second = services.post_create(actor=poster, circle=circle, body="two")
    other = services.circle_create(actor=facilitator, name="Parents", agreement="Kindness.")
    join(other, poster, facilitator)
    third = services.post_create(actor=poster, circle=other, body="three")

    assert first.pseudonym == second.pseudonym
    assert first.pseudonym != third.pseudonym
    assert first.pseudonym == pseudonym_for(circle_id=circle.pk, member_id=poster.pk)


def test_the_pseudonym_depends_on_the_key(settings):
    before = pseudonym_for(circle_id=1, member_id=2)
    settings.PSEUDONYM_KEY = "another key"
    assert pseudonym_for(circle_id=1, member_id=2) != before or pseudonym_for(
        circle_id=1, member_id=3
    ) != pseudonym_for(circle_id=1, member_id=3, attempt=1)


def test_i_hear_you_and_reactions(circle, poster, facilitator):
    post = services.post_create(actor=poster, circle=circle, body=SECRET_POST)
    reply = services.reply_create(actor=facilitator, post=post, hear_you=True)
    assert reply.kind == "hear_you"
    assert services.reaction_toggle(actor=facilitator, post=post, kind="heart") is True
    assert services.reaction_toggle(actor=facilitator, post=post, kind="heart") is False
    with pytest.raises(InvalidInput):
        services.reaction_toggle(actor=facilitator, post=post, kind="thumbs-down")


def test_post_bodies_are_encrypted_in_the_database(circle, poster):
    post = services.post_create(actor=poster, circle=circle, body=SECRET_POST)
    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM care_post WHERE id = %s", [post.pk])
        [raw] = cursor.fetchone()
    assert SECRET_POST not in raw
    assert raw.startswith("gAAAAA")


def test_expired_posts_are_deleted_for_real_with_a_frozen_clock(
    circle, poster, facilitator, monkeypatch
):
    # given a post and its reply, written at a frozen moment in a 7-day circle
    start = timezone.now().replace(microsecond=0)
    monkeypatch.setattr(timezone, "now", lambda: start)
    post = services.post_create(actor=poster, circle=circle, body=SECRET_POST)
    services.reply_create(actor=facilitator, post=post, body="We are here")
    keep = services.circle_create(
        actor=facilitator, name="Keepers", agreement="Kind.", retention_days=0
    )
    kept = services.post_create(actor=facilitator, circle=keep, body="kept")

    # when the clock is one second short of 7 days, nothing goes
    monkeypatch.setattr(timezone, "now", lambda: start + timedelta(days=7, seconds=-1))
    assert services.posts_expire_sweep() == 0

    # then at 7 days the rows are gone from the table, not hidden
    monkeypatch.setattr(timezone, "now", lambda: start + timedelta(days=7))
    assert services.posts_expire_sweep() == 2
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM care_post")
        assert [row[0] for row in cursor.fetchall()] == [kept.pk]


def test_the_periodic_task_runs_the_sweep(circle, poster, monkeypatch):
    services.post_create(actor=poster, circle=circle, body=SECRET_POST)
    later = timezone.now() + timedelta(days=8)
    monkeypatch.setattr(timezone, "now", lambda: later)
    expire_posts.call_local()
    assert not Post.objects.exists()


def test_facilitators_rotate_among_willing_members_on_schedule(circle, facilitator, poster):
    shy = MemberFactory(network=circle.network)
    join(circle, shy, facilitator)
    services.membership_set_willing(actor=shy, circle=circle, willing=False)
    now = timezone.now()

    assert services.facilitators_rotate(circle=circle, now=now + timedelta(days=29)) is False
    circle.refresh_from_db()
    assert services.facilitators_rotate(circle=circle, now=now + timedelta(days=31)) is True

    current = CircleMembership.objects.filter(circle=circle, is_facilitator=True)
    assert [m.member_id for m in current] == [poster.pk]
    assert CircleLogEntry.objects.filter(action="facilitators_rotated").count() == 1


def test_rotation_keeps_the_role_when_nobody_else_is_willing(circle, facilitator):
    assert (
        services.facilitators_rotate(circle=circle, now=timezone.now() + timedelta(days=31))
        is False
    )
    assert CircleMembership.objects.get(circle=circle, member=facilitator).is_facilitator


def test_bad_retention_is_refused(facilitator):
    with pytest.raises(InvalidInput):
        services.circle_create(actor=facilitator, name="X", agreement="Y", retention_days=5)


def test_two_members_whose_pseudonyms_collide_get_different_names(circle, facilitator, monkeypatch):
    # given a key under which every member would be "Quiet Heron"
    def same(*, circle_id, member_id, attempt=0):
        return "Quiet Heron" if attempt == 0 else f"Quiet Heron {attempt + 1}"

    monkeypatch.setattr(services, "pseudonym_for", same)
    first, second = MemberFactory(network=circle.network), MemberFactory(network=circle.network)

    # when both ask to join, then each has a name of their own
    a = services.membership_request(actor=first, circle=circle)
    b = services.membership_request(actor=second, circle=circle)
    assert {a.pseudonym, b.pseudonym} == {"Quiet Heron", "Quiet Heron 2"}


def test_an_expired_post_is_gone_for_readers_before_the_sweep_runs(circle, poster, monkeypatch):
    from mutualaid.care import selectors

    services.post_create(actor=poster, circle=circle, body=SECRET_POST)
    membership = CircleMembership.objects.get(circle=circle, member=poster)
    assert selectors.threads(membership=membership).count() == 1
    later = timezone.now() + timedelta(days=7, seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert selectors.threads(membership=membership).count() == 0
