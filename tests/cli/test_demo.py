"""`mutualaid demo`: a believable network, built through the services."""

import importlib.util
from pathlib import Path

from click.testing import CliRunner
from django.db.models import Count

from mutualaid.channels.models import Notification
from mutualaid.cli import PRESET_CITIES, main
from mutualaid.core.geo import distance_km, is_valid_public_cell
from mutualaid.needs.models import Match, Need, Offer
from mutualaid.networks.demo import (
    CITIES,
    DEMO_LOGINS,
    DEMO_PASSWORD,
    DEMO_SLUG,
    DEMO_SMS_NUMBER,
    OAKLAND,
    demo_seed,
)
from mutualaid.networks.models import Application, Category, Member, Network
from mutualaid.relay.models import RelayThread
from mutualaid.sms.selectors import sms_number_for

ROOT = Path(__file__).resolve().parents[2]


def test_demo_builds_a_lived_in_network_and_prints_the_logins(db):
    result = CliRunner().invoke(main, ["demo", "--no-serve", "--port", "8765"])

    assert result.exit_code == 0, result.output
    assert f"http://127.0.0.1:8765/n/{DEMO_SLUG}/" in result.output
    assert DEMO_PASSWORD in result.output
    assert all(login.email in result.output for login in DEMO_LOGINS)
    network = Network.objects.get(slug=DEMO_SLUG)
    assert Member.objects.filter(network=network).count() >= 60
    assert Need.objects.filter(network=network).count() >= 150
    assert Offer.objects.filter(network=network).count() >= 80
    assert network.neighbourhoods.count() == 20


def test_demo_uses_every_category_several_languages_and_real_cells(db):
    network = demo_seed().network

    unused = Category.objects.filter(network=network).annotate(
        n=Count("needs", distinct=True) + Count("offers", distinct=True)
    )
    assert Category.objects.filter(network=network).count() == 12
    assert all(category.n > 0 for category in unused)
    assert not Category.objects.filter(network=network, needs=None).exists()
    languages = {
        code for codes in Need.objects.values_list("languages", flat=True) for code in codes
    }
    assert len(languages) >= 3
    centre = network.center_cell
    for cell in Need.objects.filter(network=network).values_list("cell", flat=True):
        assert is_valid_public_cell(cell)
        assert distance_km(cell, centre) < 15


def test_demo_needs_have_a_real_history_of_states(db):
    network = demo_seed().network

    statuses = set(Need.objects.filter(network=network).values_list("status", flat=True))
    states = set(Match.objects.filter(need__network=network).values_list("state", flat=True))
    assert {"open", "matched", "done", "closed"} <= statuses
    assert {"proposed", "accepted", "in_progress", "done", "declined"} <= states
    assert Application.objects.filter(network=network, status="pending").count() >= 1
    done = Match.objects.filter(need__network=network, state="done")
    assert all(m.requester_confirmed_done and m.helper_confirmed_done for m in done)
    assert all(m.accepted_at < m.done_at for m in done)


def test_demo_logins_can_sign_in_with_the_printed_password(db, client):
    demo_seed()

    for login in DEMO_LOGINS:
        response = client.post(
            "/accounts/login/", {"login": login.email, "password": DEMO_PASSWORD}
        )
        assert response.status_code == 302, login.email
        client.logout()


def test_demo_is_kept_unless_reset_and_the_same_each_time(db):
    first = demo_seed()
    descriptions = list(Need.objects.order_by("created_at").values_list("description", flat=True))

    again = demo_seed()
    rebuilt = demo_seed(reset=True)

    assert first.created
    assert not again.created
    assert rebuilt.created
    assert again.network.pk == first.network.pk != rebuilt.network.pk
    assert Network.objects.count() == 1
    rebuilt_descriptions = Need.objects.order_by("created_at").values_list("description", flat=True)
    assert list(rebuilt_descriptions) == descriptions


def test_the_presets_init_offers_are_the_demo_cities():
    assert set(PRESET_CITIES) == set(CITIES)
    assert CITIES["oakland"] is OAKLAND


def test_the_web_benchmark_signs_in_with_the_demos_names():
    spec = importlib.util.spec_from_file_location("bench_web", ROOT / "bench" / "web.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)

    assert bench.DEMO_SLUG == DEMO_SLUG
    assert bench.DEMO_LOGIN == (DEMO_LOGINS[1].email, DEMO_PASSWORD)
    assert bench.API_MEMBER_EMAIL in {login.email for login in DEMO_LOGINS}


def test_demo_logins_find_a_few_unread_notifications_and_rosa_reads_by_sms(db):
    network = demo_seed().network
    for login in DEMO_LOGINS:
        member = Member.objects.get(network=network, user__email=login.email)
        unread = Notification.objects.filter(recipient=member, read_at__isnull=True).count()
        assert 1 <= unread <= 3, login.email
    others = Notification.objects.filter(recipient__network=network, read_at__isnull=True)
    assert not others.exclude(recipient__user__email__in=[x.email for x in DEMO_LOGINS]).exists()
    rosa = Member.objects.get(network=network, user__email__startswith="rosa@")
    assert sms_number_for(rosa) == DEMO_SMS_NUMBER


def test_hugo_finds_a_conversation_under_way_on_a_match_he_was_accepted_for(db):
    network = demo_seed().network
    hugo = Member.objects.get(network=network, user__email__startswith="hugo@")
    [thread] = RelayThread.objects.filter(
        match__helper=hugo, closed_at__isnull=True, messages__isnull=False
    ).distinct()
    writers = list(thread.messages.order_by("created_at").values_list("sender", flat=True))
    assert len(writers) == 3
    assert writers[0] == hugo.pk
    assert writers[1] != hugo.pk
