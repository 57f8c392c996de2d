"""Inactive members: a silent member is asked whether they are still here, then shown as
inactive (never deleted), and comes back by signing in, by the emailed link or "I'm back".
Inactive members do not count as active members for role thresholds or application votes."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mutualaid.core.errors import NotFound
from mutualaid.core.models import HistoryEntry
from mutualaid.core.selectors import history_visible
from mutualaid.governance.models import Role, RoleHolding
from mutualaid.governance.selectors import active_member_count
from mutualaid.governance.services import governance_setup_network, trust_give
from mutualaid.membership import services as membership
from mutualaid.networks import services
from mutualaid.networks.models import Application, Member
from mutualaid.networks.selectors import approvals_needed_now, members_active
from tests.conftest import client_for
from tests.factories import MemberFactory, NetworkFactory, UserFactory

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


def silent_for(member, days, *, now):
    Member.objects.filter(pk=member.pk).update(last_active_at=now - days * DAY)
    member.refresh_from_db()


def fresh(member):
    return Member.objects.select_related("network", "user").get(pk=member.pk)


def entries(member, action):
    return HistoryEntry.objects.filter(action=action, target_type="member", target_id=member.pk)


def test_the_whole_path_warned_then_inactive_then_back(network, django_capture_on_commit_callbacks):
    now = timezone.now()
    away, here = MemberFactory(network=network), MemberFactory(network=network)
    away.languages = ["es"]
    away.save()
    silent_for(away, 91, now=now)
    silent_for(here, 3, now=now)
    # when the sweep runs after 90 silent days
    with django_capture_on_commit_callbacks(execute=True):
        counts = membership.members_inactivity_sweep(now=now)
    # then only the silent member is asked, once, by email in their language, with a link
    assert counts == {"warned": 1, "inactive": 0}
    away = fresh(away)
    assert away.inactivity_warned_at == now
    assert away.inactive_since is None
    [email] = mail.outbox
    assert email.to == [away.user.email]
    assert "still-here" in email.body
    assert email.subject.startswith(f"[{network.name}]")  # email_member: their language
    assert entries(away, "member.inactivity_warned").count() == 1
    # and a second sweep the next day does not ask again
    assert membership.members_inactivity_sweep(now=now + DAY) == {"warned": 0, "inactive": 0}
    # when the grace period of 14 days passes in silence
    assert membership.members_inactivity_sweep(now=now + 14 * DAY) == {"warned": 0, "inactive": 1}
    # then the member is inactive, still a member, and no longer counted as active
    away = fresh(away)
    assert away.inactive_since == now + 14 * DAY
    assert Member.objects.filter(pk=away.pk).exists()
    assert list(members_active(network=network)) == [here]
    assert active_member_count(network) == 1
    assert entries(away, "member.inactive").count() == 1
    # when they sign in again
    Client().force_login(away.user)
    # then they are back, on record
    away = fresh(away)
    assert away.inactive_since is None
    assert away.inactivity_warned_at is None
    assert active_member_count(network) == 2
    assert entries(away, "member.back").count() == 1


def test_any_activity_answers_the_question(network):
    now = timezone.now()
    member = MemberFactory(network=network)
    silent_for(member, 100, now=now)
    membership.members_inactivity_sweep(now=now)
    member = fresh(member)
    # when the member opens any page of the network
    response = client_for(member).get(reverse("networks:dashboard", kwargs={"slug": network.slug}))
    assert response.status_code == 200
    # then the question is answered and the grace period never ends in inactivity
    member = fresh(member)
    assert member.inactivity_warned_at is None
    assert membership.members_inactivity_sweep(now=now + 30 * DAY)["inactive"] == 0
    assert fresh(member).inactive_since is None


def test_the_emailed_link_answers_in_one_press_without_signing_in(network):
    now = timezone.now()
    member = MemberFactory(network=network)
    silent_for(member, 100, now=now)
    membership.members_inactivity_sweep(now=now)
    url = reverse(
        "networks:still_here",
        kwargs={"slug": network.slug, "token": services.still_here_token(member)},
    )
    # when the link is opened (as a mail scanner would), nothing changes
    assert Client().get(url).status_code == 200
    assert fresh(member).inactivity_warned_at is not None
    # when the member presses the one button
    response = Client().post(url)
    # then they are still here
    assert response.status_code == 200
    assert "Thank you" in response.content.decode()
    assert fresh(member).inactivity_warned_at is None
    assert entries(member, "member.still_here").count() == 1


def test_a_forged_or_foreign_link_is_refused(network):
    member = MemberFactory(network=network)
    other = NetworkFactory()
    with pytest.raises(NotFound):
        membership.member_still_here(network=network, token="nonsense")
    with pytest.raises(NotFound):
        membership.member_still_here(network=other, token=services.still_here_token(member))
    url = reverse("networks:still_here", kwargs={"slug": network.slug, "token": "forged"})
    assert Client().post(url).status_code == 404


def test_an_inactive_member_comes_back_with_im_back(network):
    member = MemberFactory(network=network)
    Member.objects.filter(pk=member.pk).update(inactive_since=timezone.now() - 3 * DAY)
    client = Client()
    client.force_login(member.user)  # signing in brings them back ...
    Member.objects.filter(pk=member.pk).update(inactive_since=timezone.now())  # ... so again
    home = client.get(reverse("networks:dashboard", kwargs={"slug": network.slug}))
    # then an inactive member's home says so, and a page visit alone does not bring them back
    assert "I&#x27;m back" in home.content.decode() or "I'm back" in home.content.decode()
    assert fresh(member).inactive_since is not None
    # when they press "I'm back"
    response = client.post(reverse("networks:member_back", kwargs={"slug": network.slug}))
    assert response.status_code == 302
    assert fresh(member).inactive_since is None


def test_page_visits_write_activity_at_most_once_a_day(network):
    member = MemberFactory(network=network)
    client = client_for(member)
    url = reverse("networks:dashboard", kwargs={"slug": network.slug})
    client.get(url)
    first = fresh(member).last_active_at
    assert first is not None
    client.get(url)
    assert fresh(member).last_active_at == first
    assert not membership.member_mark_active(member=fresh(member), now=first + timedelta(hours=23))
    assert membership.member_mark_active(member=fresh(member), now=first + timedelta(hours=25))


def test_api_requests_are_activity(network):
    from tests.api.conftest import ApiClient

    member = MemberFactory(network=network)
    _token, secret = services.api_token_create(actor=member, name="app")
    assert ApiClient(secret).get("/me").status_code == 200
    assert fresh(member).last_active_at is not None


def test_a_network_may_never_ask(network):
    network.inactive_after_days = 0
    network.save()
    member = MemberFactory(network=network)
    silent_for(member, 1000, now=timezone.now())
    assert membership.members_inactivity_sweep(now=timezone.now()) == {"warned": 0, "inactive": 0}


def test_members_who_never_came_back_count_from_when_they_joined(network):
    member = MemberFactory(network=network)
    assert member.last_active_at is None
    now = timezone.now()
    assert membership.members_inactivity_sweep(now=now + 89 * DAY)["warned"] == 0
    assert membership.members_inactivity_sweep(now=now + 91 * DAY)["warned"] == 1


def test_the_network_sets_its_periods(network):
    organiser = MemberFactory(network=network, role=Member.Role.FOUNDING_ORGANISER)
    services.network_update_settings(
        actor=organiser,
        network=network,
        description="",
        open_for_applications=True,
        approvals_needed=1,
        application_questions=[],
        inactive_after_days=30,
        inactive_grace_days=7,
    )
    network.refresh_from_db()
    assert (network.inactive_after_days, network.inactive_grace_days) == (30, 7)
    member = MemberFactory(network=network)
    now = timezone.now()
    silent_for(member, 31, now=now)
    assert membership.members_inactivity_sweep(now=now)["warned"] == 1
    assert membership.members_inactivity_sweep(now=now + 7 * DAY)["inactive"] == 1


def test_warnings_are_private_but_inactivity_is_on_the_history_page(network):
    now = timezone.now()
    member, viewer = MemberFactory(network=network), MemberFactory(network=network)
    silent_for(member, 100, now=now)
    membership.members_inactivity_sweep(now=now)
    membership.members_inactivity_sweep(now=now + 15 * DAY)
    visible = set(history_visible(member=viewer).values_list("action", flat=True))
    assert "member.inactive" in visible
    assert "member.inactivity_warned" not in visible


# --- the threshold effect -----------------------------------------------------------------------


def test_inactive_members_do_not_raise_role_thresholds(network):
    # given a coordinator role needing half the active members' trust, capped at 3
    governance_setup_network(network=network)
    role = Role.objects.get(network=network, slug="coordinator")
    role.threshold_fraction = Decimal("0.5")
    role.threshold_cap = 3
    role.save()
    candidate, truster, *others = [MemberFactory(network=network) for _ in range(6)]
    # 6 active members: 3 trusts needed; one is not enough
    trust_give(actor=truster, receiver=candidate)
    assert not RoleHolding.objects.filter(member=candidate, role=role).exists()
    # when four members go silent and are moved to inactive
    now = timezone.now()
    for member in others:
        silent_for(member, 100, now=now)
    for member in (candidate, truster):
        silent_for(member, 1, now=now)
    membership.members_inactivity_sweep(now=now)
    membership.members_inactivity_sweep(now=now + 15 * DAY)
    # then 2 active members need 1 trust, and the candidate holds the role, on record
    assert active_member_count(network) == 2
    assert RoleHolding.objects.filter(member=candidate, role=role).exists()
    assert HistoryEntry.objects.filter(
        action="role.gained", target_id=candidate.pk, data__reason="member.inactive"
    ).exists()


def test_an_inactive_member_holds_no_role_until_back(network):
    governance_setup_network(network=network)
    holder, truster = MemberFactory(network=network), MemberFactory(network=network)
    Role.objects.filter(network=network).update(threshold_cap=1)
    trust_give(actor=truster, receiver=holder)
    assert RoleHolding.objects.filter(member=holder).exists()
    now = timezone.now()
    silent_for(holder, 100, now=now)
    silent_for(truster, 1, now=now)
    membership.members_inactivity_sweep(now=now)
    membership.members_inactivity_sweep(now=now + 15 * DAY)
    assert not RoleHolding.objects.filter(member=holder).exists()
    membership.member_back(actor=fresh(holder))
    assert RoleHolding.objects.filter(member=holder).exists()


def test_inactive_members_never_leave_applicants_waiting(network):
    # given a network that needs 3 approvals, with only 2 active members
    network.approvals_needed = 3
    network.save()
    first, second, away = [MemberFactory(network=network) for _ in range(3)]
    Member.objects.filter(pk=away.pk).update(inactive_since=timezone.now())
    assert approvals_needed_now(network) == 2
    application = services.application_submit(
        user=UserFactory(), network=network, display_name="New", answers=[]
    )
    membership.application_vote(actor=first, application=application, decision="approve")
    application = membership.application_vote(
        actor=second, application=application, decision="approve"
    )
    assert application.status == Application.Status.APPROVED


def test_inactive_members_are_shown_as_inactive(network):
    from tests.api.conftest import api_client_for

    viewer, away = MemberFactory(network=network), MemberFactory(network=network)
    Member.objects.filter(pk=away.pk).update(inactive_since=timezone.now())
    page = client_for(viewer).get(reverse("governance:people", kwargs={"slug": network.slug}))
    assert '<span class="badge">inactive</span>' in page.content.decode()
    people = api_client_for(viewer).get("/governance/members").json()
    by_id = {person["id"]: person for person in people}
    assert by_id[away.pk]["inactive_since"] is not None
    assert by_id[viewer.pk]["inactive_since"] is None


# --- races ------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_warn_and_move_each_member_once(database):
    from tests.concurrency import run_together

    network = NetworkFactory()
    now = timezone.now()
    silent = [MemberFactory(network=network) for _ in range(3)]
    for member in silent:
        silent_for(member, 100, now=now)
    warned = run_together([lambda: membership.members_inactivity_sweep(now=now)] * 2)
    assert sum(result["warned"] for result in warned) == 3, warned
    moved = run_together([lambda: membership.members_inactivity_sweep(now=now + 15 * DAY)] * 2)
    assert sum(result["inactive"] for result in moved) == 3, moved
    assert HistoryEntry.objects.filter(action="member.inactivity_warned").count() == 3
    assert HistoryEntry.objects.filter(action="member.inactive").count() == 3


@pytest.mark.django_db(transaction=True)
def test_activity_as_the_sweep_runs_either_keeps_the_member_or_is_recorded_after(database):
    from tests.concurrency import run_together

    network = NetworkFactory()
    now = timezone.now()
    member = MemberFactory(network=network)
    silent_for(member, 100, now=now)
    membership.members_inactivity_sweep(now=now)
    later = now + 15 * DAY
    _sweep, _active = run_together(
        [
            lambda: membership.members_inactivity_sweep(now=later),
            lambda: membership.member_mark_active(member=fresh(member), now=later),
        ]
    )
    member = fresh(member)
    # then either the activity answered the question first (still active, nothing recorded),
    # or the member was moved first and their activity is recorded without undoing it
    moved = entries(member, "member.inactive").count()
    assert moved == (1 if member.inactive_since else 0)
    assert member.last_active_at == later
    assert member.inactivity_warned_at is None


def test_an_inactive_member_comes_back_through_the_api(network):
    from tests.api.conftest import api_client_for

    member = MemberFactory(network=network)
    client = api_client_for(member)
    Member.objects.filter(pk=member.pk).update(inactive_since=timezone.now())
    # a request alone is activity, but does not end being inactive
    assert client.get("/me").json()["inactive_since"] is not None
    response = client.post("/me/back")
    assert response.status_code == 200, response.content
    assert response.json()["inactive_since"] is None
    assert fresh(member).inactive_since is None
    assert entries(member, "member.back").count() == 1


def test_the_backfill_gives_existing_members_a_full_period(network):
    import importlib

    from django.apps import apps

    migration = importlib.import_module(
        "mutualaid.networks.migrations.0004_member_activity_backfill"
    )
    old_timer = MemberFactory(network=network)
    Member.objects.filter(pk=old_timer.pk).update(joined_at=timezone.now() - 400 * DAY)
    migration.backfill(apps, None)
    assert fresh(old_timer).last_active_at is not None
    assert membership.members_inactivity_sweep(now=timezone.now())["warned"] == 0


def test_a_busy_database_never_fails_the_page_for_the_sake_of_activity(network, monkeypatch):
    from django.db import OperationalError

    def busy(**kwargs):
        raise OperationalError("database is locked")

    member = MemberFactory(network=network)
    client = client_for(member)
    monkeypatch.setattr(membership, "member_mark_active", busy)
    response = client.get(reverse("networks:dashboard", kwargs={"slug": network.slug}))
    assert response.status_code == 200
