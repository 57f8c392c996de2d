"""Notifications as a member lives them, in headless Chromium at phone width, with axe-core
on every page: the bell's count, marking one and then all read (the count drops in place,
with htmx), a preference saved and kept, and the same pages in Spanish."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from mutualaid.channels.models import Preference, QuietHours
from tests.browser.people import fruitvale_network, member_in, sign_in
from tests.factories import NotificationFactory

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def test_a_member_reads_their_notifications_and_chooses_how_they_are_told(
    live_server, new_page, axe_check
):
    # Given Rosa with three unread notifications,
    network = fruitvale_network()
    rosa = member_in(network, "rosa@example.org", "Rosa")
    NotificationFactory.create_batch(3, recipient=rosa)
    base = live_server.url
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    # when she signs in on her phone, the bell in the header says three,
    page = new_page(viewport=PHONE)
    page.set_default_timeout(10_000)
    sign_in(page, base, "rosa@example.org", axe_check)
    page.goto(f"{base}/n/{network.slug}/")
    bell = page.locator("#notification-bell")
    expect(bell).to_be_visible()
    expect(bell).to_have_accessible_name("3 unread notifications")
    axe_check(page)

    # and it opens her notifications,
    with page.expect_navigation():
        bell.click()
    expect(page.get_by_role("heading", name="Notifications", level=1)).to_be_visible()
    expect(page.get_by_role("button", name="Mark read")).to_have_count(3)
    axe_check(page)
    page.screenshot(path=str(SCREENSHOTS / "notifications-phone.png"), full_page=True)

    # where marking one read drops the count in place,
    page.get_by_role("button", name="Mark read").first.click()
    expect(bell).to_have_accessible_name("2 unread notifications")
    expect(page.get_by_role("button", name="Mark read")).to_have_count(2)

    # and marking all read leaves none.
    page.get_by_role("button", name="Mark all read").click()
    expect(bell).to_have_accessible_name("Notifications, none unread")
    expect(page.get_by_role("button", name="Mark read")).to_have_count(0)
    axe_check(page)
    assert not rosa.notifications.filter(read_at__isnull=True).exists()

    # Then she chooses a daily summary by email for offers of help, and quiet hours,
    with page.expect_navigation():
        page.get_by_role("link", name="Choose how you are told").click()
    axe_check(page)
    choice = page.get_by_label("Someone offers to help with your need: Email", exact=True)
    choice.select_option("daily")
    page.get_by_label("Quiet from").fill("22:00")
    page.get_by_label("Quiet until").fill("07:00")
    with page.expect_navigation():
        page.get_by_role("button", name="Save settings for Fruitvale Mutual Aid").click()
    expect(page.get_by_text("Your settings for Fruitvale Mutual Aid are saved.")).to_be_visible()
    axe_check(page)
    page.screenshot(path=str(SCREENSHOTS / "notification-settings-phone.png"), full_page=True)

    # which a reload shows kept.
    page.reload()
    expect(
        page.get_by_label("Someone offers to help with your need: Email", exact=True)
    ).to_have_value("daily")
    expect(page.get_by_label("Quiet from")).to_have_value("22:00")
    assert Preference.objects.get(member=rosa).timing == "daily"
    assert QuietHours.objects.filter(member=rosa).exists()


def test_the_notifications_pages_in_spanish(live_server, new_page, axe_check):
    # Given Rosa with two unread notifications, who reads Spanish,
    network = fruitvale_network()
    rosa = member_in(network, "rosa@example.org", "Rosa")
    NotificationFactory.create_batch(2, recipient=rosa)
    base = live_server.url
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = new_page(viewport=PHONE)
    page.set_default_timeout(10_000)
    sign_in(page, base, "rosa@example.org", axe_check)

    # when she switches the site to Spanish,
    page.goto(f"{base}/notifications/")
    page.get_by_label("Language").select_option("es")
    with page.expect_navigation():
        page.get_by_role("button", name="Change").click()

    # then the bell, the page and the notifications speak Spanish,
    expect(page.locator("#notification-bell")).to_have_accessible_name("2 notificaciones sin leer")
    expect(page.get_by_role("heading", name="Notificaciones", level=1)).to_be_visible()
    expect(page.get_by_role("button", name="Marcar como leída")).to_have_count(2)
    expect(page.get_by_text("Your offer of help was accepted")).to_have_count(0)
    axe_check(page)
    page.screenshot(path=str(SCREENSHOTS / "notifications-phone-es.png"), full_page=True)

    # and so do her settings.
    with page.expect_navigation():
        page.get_by_role("link", name="Elige cómo te avisamos").click()
    expect(page.get_by_role("heading", name="Ajustes de notificaciones", level=1)).to_be_visible()
    expect(page.get_by_text("Necesidades y ofertas")).to_be_visible()
    axe_check(page)
    page.screenshot(path=str(SCREENSHOTS / "notification-settings-phone-es.png"))


def test_the_browser_can_turn_on_notifications_where_the_site_has_a_key(
    live_server, new_page, axe_check, settings
):
    # Given a site with a VAPID key, and a member,
    settings.MUTUALAID_VAPID_PUBLIC_KEY = (
        "BO-Rv2MPFkP_tcHynxvNJLO6p5NENWqHzZ2Hwk1TB1uW023ZoFmNkChS83sGfsyXOggkvfZsJeBwoVlk20hwbUI"
    )
    network = fruitvale_network()
    member_in(network, "rosa@example.org", "Rosa")
    base = live_server.url
    page = new_page(viewport=PHONE)
    page.set_default_timeout(10_000)
    sign_in(page, base, "rosa@example.org", axe_check)

    # when she opens her notification settings in a browser with the Push API,
    page.goto(f"{base}/notifications/settings/")

    # then the button to turn browser notifications on is shown,
    expect(page.get_by_role("button", name="Turn on browser notifications")).to_be_visible()
    expect(page.get_by_text("This browser cannot show notifications")).to_be_hidden()
    axe_check(page)
    # and the service worker it would register is accepted for the whole site.
    scope = page.evaluate(
        "navigator.serviceWorker.register('/sw.js', {scope: '/'}).then((r) => r.scope)"
    )
    assert scope == f"{base}/"
