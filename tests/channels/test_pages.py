"""The notifications page, the bell and the settings page, through the pages themselves:
plain forms that redirect back, and htmx requests that get the changed part and the bell."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mutualaid.channels.models import Delivery, Preference, PushSubscription, QuietHours
from mutualaid.core import notice_kinds
from mutualaid.core.notice_kinds import NoticeKind
from mutualaid.networks.models import Member
from tests.conftest import client_for
from tests.factories import MemberFactory, NotificationFactory

HTMX = {"HX-Request": "true"}


@pytest.fixture
def member(network):
    return MemberFactory(network=network, display_name="Rosa")


def _form(member: Member, **choices: str) -> dict[str, str]:
    """What the settings page's form for the member's network posts, with `choices` changed
    (keys "kind:channel", dots and colons as in the field names)."""
    page = client_for(member).get(reverse("notification_settings"))
    form = page.context["networks"][0].form
    data = {"member": str(member.pk)}
    for name in form.fields:
        value = form[name].value()
        data[f"{form.prefix}-{name}"] = "" if value is None else str(value)
    for key, value in choices.items():
        data[f"{form.prefix}-{key}"] = value
    return data


def test_the_bell_shows_how_many_are_unread(member):
    # Given three unread notifications and one read,
    NotificationFactory.create_batch(3, recipient=member)
    NotificationFactory(recipient=member, read_at=timezone.now())

    # when the member opens any page,
    body = client_for(member).get(reverse("data_export")).content.decode()

    # then the bell says three, in words too.
    assert "3 unread notifications" in body
    assert 'class="bell-count" aria-hidden="true">3<' in body


def test_visitors_get_no_bell_and_no_query_for_it(client, db):
    with CaptureQueriesContext(connection) as queries:
        body = client.get(reverse("crisis")).content.decode()

    assert "notification-bell" not in body
    assert not [q for q in queries.captured_queries if "channels_notification" in q["sql"]]


def test_the_bell_costs_one_count_query(member):
    # Given a member with notifications,
    NotificationFactory.create_batch(2, recipient=member)
    client = client_for(member)

    # when a page with the bell is shown,
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("crisis"))

    # then notifications were asked once, for a count.
    counts = [q["sql"] for q in queries.captured_queries if "channels_notification" in q["sql"]]
    assert len(counts) == 1
    assert "COUNT" in counts[0].upper()


def test_the_page_lists_the_members_notifications_newest_first_with_links(member, outsider):
    # Given an older and a newer notification, and one of someone else,
    older = NotificationFactory(recipient=member)
    older.created_at = timezone.now() - timezone.timedelta(days=2)
    older.save()
    newer = NotificationFactory(recipient=member)
    NotificationFactory(recipient=outsider)

    # when the member opens their notifications,
    response = client_for(member).get(reverse("notifications"))

    # then they see their two, newest first, each linking to the need it is about.
    items = response.context["items"]
    assert [i.notification.pk for i in items] == [newer.pk, older.pk]
    assert items[0].subject == "Your offer of help was accepted"
    assert items[0].path.startswith(f"/n/{member.network.slug}/needs/")
    opener = reverse("notification_open", kwargs={"notification_id": newer.pk})
    assert f'href="{opener}"' in response.content.decode()


def test_opening_a_notification_reads_it_and_goes_where_it_points(member, outsider):
    # Given an unread notification of the member's, and one of someone else,
    mine = NotificationFactory(recipient=member)
    theirs = NotificationFactory(recipient=outsider)
    client = client_for(member)

    # when the member follows their notification's link,
    response = client.get(reverse("notification_open", kwargs={"notification_id": mine.pk}))

    # then they land on the need it is about, and it counts as read;
    assert response.status_code == 302
    assert response["Location"].startswith(f"/n/{member.network.slug}/needs/")
    mine.refresh_from_db()
    assert mine.read_at is not None
    # someone else's is not theirs to open.
    opened = client.get(reverse("notification_open", kwargs={"notification_id": theirs.pk}))
    assert opened.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_page_is_in_the_members_language(member):
    NotificationFactory(recipient=member)
    client = client_for(member)
    client.cookies["django_language"] = "es"

    response = client.get(reverse("notifications"), headers={"Accept-Language": "es"})

    assert response.context["items"][0].subject != "Your offer of help was accepted"
    assert "Notificaciones" in response.content.decode()


def test_the_list_is_paginated(member):
    NotificationFactory.create_batch(25, recipient=member)

    first = client_for(member).get(reverse("notifications"))
    second = client_for(member).get(reverse("notifications") + "?page=2")

    assert len(first.context["items"]) == 20
    assert len(second.context["items"]) == 5


def test_a_plain_form_marks_one_read_and_goes_back(member):
    # Given an unread notification on page 1,
    notification = NotificationFactory(recipient=member)

    # when the member presses "Mark read" without JavaScript,
    response = client_for(member).post(
        reverse("notification_read", kwargs={"notification_id": notification.pk}),
        {"next": "/notifications/?page=1"},
    )

    # then it is read and they are back where they were.
    assert response.status_code == 302
    assert response["Location"] == "/notifications/?page=1"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_going_back_never_leaves_the_site(member):
    notification = NotificationFactory(recipient=member)

    response = client_for(member).post(
        reverse("notification_read", kwargs={"notification_id": notification.pk}),
        {"next": "https://evil.example/"},
    )

    assert response["Location"] == reverse("notifications")


def test_htmx_gets_the_item_and_the_bell(member):
    # Given two unread notifications,
    notification, _other = NotificationFactory.create_batch(2, recipient=member)

    # when one is marked read with htmx,
    response = client_for(member).post(
        reverse("notification_read", kwargs={"notification_id": notification.pk}), headers=HTMX
    )

    # then the answer is the item, no longer unread, and the bell out of band, at one.
    body = response.content.decode()
    assert response.status_code == 200
    assert f'id="notification-{notification.pk}"' in body
    assert "Mark read" not in body
    assert 'hx-swap-oob="true"' in body
    assert "1 unread notification" in body
    assert "<html" not in body
    assert 'id="mark-all"' not in body  # one is still unread: "Mark all read" stays


def test_reading_the_last_unread_one_with_htmx_takes_mark_all_away(member):
    # Given one unread notification,
    notification = NotificationFactory(recipient=member)

    # when it is marked read with htmx,
    response = client_for(member).post(
        reverse("notification_read", kwargs={"notification_id": notification.pk}), headers=HTMX
    )

    # then the answer also removes the "Mark all read" form out of band.
    assert '<form id="mark-all" hx-swap-oob="delete">' in response.content.decode()


def test_another_members_notification_is_a_404_and_stays_unread(member, outsider):
    theirs = NotificationFactory(recipient=outsider)

    response = client_for(member).post(
        reverse("notification_read", kwargs={"notification_id": theirs.pk})
    )
    missing = client_for(member).post(
        reverse("notification_read", kwargs={"notification_id": theirs.pk + 1000})
    )

    assert response.status_code == 404
    assert missing.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read_without_and_with_htmx(member, outsider):
    # Given unread notifications of the member and of someone else,
    NotificationFactory.create_batch(2, recipient=member)
    theirs = NotificationFactory(recipient=outsider)
    client = client_for(member)

    # when the member marks all read with a plain form,
    plain = client.post(reverse("notifications_read_all"), {"next": "/notifications/"})

    # then theirs are read and the other person's is not.
    assert plain.status_code == 302
    assert not member.notifications.filter(read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None

    # And with htmx, the list comes back with the bell at none.
    NotificationFactory(recipient=member)
    swapped = client.post(reverse("notifications_read_all"), headers=HTMX)
    body = swapped.content.decode()
    assert 'id="notification-list"' in body
    assert "Notifications, none unread" in body
    assert "Mark all read" not in body


def test_settings_show_each_network_grouped_with_readable_labels(member):
    other_network_membership = MemberFactory(user=member.user)

    body = client_for(member).get(reverse("notification_settings")).content.decode()

    assert member.network.name in body
    assert other_network_membership.network.name in body
    assert "Needs and offers" in body
    assert "Someone offers to help with your need" in body
    assert "In a daily summary" in body
    assert member.network.timezone in body


def test_a_changed_choice_is_saved_and_kept(member):
    # When the member chooses a weekly summary by email for offers of help,
    response = client_for(member).post(
        reverse("notification_settings"), _form(member, **{"match.offered:email": "weekly"})
    )

    # then that choice is saved, and only that one.
    assert response.status_code == 302
    assert list(
        Preference.objects.filter(member=member).values_list("kind", "channel", "timing")
    ) == [("match.offered", "email", "weekly")]
    page = client_for(member).get(reverse("notification_settings"))
    assert page.context["networks"][0].form["match.offered:email"].value() == "weekly"


def test_quiet_hours_are_saved(member):
    data = _form(member)
    prefix = f"m{member.pk}"
    data[f"{prefix}-quiet_starts"] = "22:00"
    data[f"{prefix}-quiet_ends"] = "07:30"

    response = client_for(member).post(reverse("notification_settings"), data)

    assert response.status_code == 302
    quiet = QuietHours.objects.get(member=member)
    assert (quiet.starts.hour, quiet.ends.hour, quiet.ends.minute) == (22, 7, 30)


def test_bad_input_shows_an_error_and_keeps_the_form(member):
    # Given a choice changed, and quiet hours with only one end,
    data = _form(member, **{"match.offered:email": "daily"})
    data[f"m{member.pk}-quiet_starts"] = "22:00"

    # when it is sent,
    response = client_for(member).post(reverse("notification_settings"), data)

    # then nothing is saved, the error says why, and the choice made is still on the form.
    assert response.status_code == 400
    body = response.content.decode()
    assert "Give both times" in body
    assert not Preference.objects.filter(member=member).exists()
    form = response.context["networks"][0].form
    assert form["match.offered:email"].value() == "daily"
    assert form["quiet_starts"].value() == "22:00"


def test_a_time_that_is_not_a_time_is_an_error(member):
    data = _form(member)
    data[f"m{member.pk}-quiet_starts"] = "25:99"
    data[f"m{member.pk}-quiet_ends"] = "07:00"

    response = client_for(member).post(reverse("notification_settings"), data)

    assert response.status_code == 400
    assert "Enter a valid time" in response.content.decode()
    assert not QuietHours.objects.filter(member=member).exists()


@pytest.fixture
def mandatory_kind(monkeypatch):
    """A kind nobody may turn off, listed in the app (like a cancelled match could be)."""
    accepted = notice_kinds.notice_kind("match.accepted")
    kind = NoticeKind(
        name="match.accepted_mandatory",
        load=accepted.load,
        to=accepted.to,
        subject=accepted.subject,
        body=accepted.body,
        mandatory=True,
    )
    monkeypatch.setitem(notice_kinds._KINDS, kind.name, kind)
    return kind


def test_a_mandatory_kind_says_so_and_cannot_be_turned_off(member, mandatory_kind):
    # The page says it cannot be turned off, and offers no "off" for it;
    page = client_for(member).get(reverse("notification_settings"))
    assert "cannot be turned off" in page.content.decode()
    field = page.context["networks"][0].form["match.accepted_mandatory:email"]
    assert "off" not in [value for value, _label in field.field.widget.choices]

    # and an "off" sent anyway is refused with the service's words, nothing saved.
    response = client_for(member).post(
        reverse("notification_settings"),
        _form(member, **{"match.accepted_mandatory:email": "off"}),
    )
    assert response.status_code == 400
    assert "This notification cannot be turned off." in response.content.decode()
    assert not Preference.objects.filter(member=member).exists()


def test_saving_the_page_unchanged_saves_nothing_even_with_kinds_that_cannot_be_turned_off(
    member,
):
    # Given the settings page as first shown, with the real kinds a member cannot turn off
    # (a cancelled match: on by email and push, off by text),
    page = client_for(member).get(reverse("notification_settings"))
    form = page.context["networks"][0].form
    sms = form["match.cancelled:sms"]
    assert "off" in [value for value, _label in sms.field.widget.choices]
    email = form["match.cancelled:email"]
    assert "off" not in [value for value, _label in email.field.widget.choices]
    data = {f"{form.prefix}-{name}": form[name].value() or "" for name in form.fields}
    data["member"] = str(member.pk)

    # when the member saves it without changing anything,
    response = client_for(member).post(reverse("notification_settings"), data)

    # then no choice was stored: texts for a cancelled match stay off.
    assert response.status_code == 302
    assert not Preference.objects.filter(member=member).exists()


def test_settings_for_a_network_one_is_not_in_are_a_404(member, outsider):
    data = _form(member)
    data["member"] = str(outsider.pk)

    response = client_for(member).post(reverse("notification_settings"), data)

    assert response.status_code == 404


def test_permanent_failures_are_shown_in_words(member):
    notification = NotificationFactory(recipient=member)
    Delivery.objects.create(
        notification=notification,
        channel="email",
        status=Delivery.Status.FAILED,
        error="the mail server refused the address",
    )

    body = client_for(member).get(reverse("notification_settings")).content.decode()

    assert "Email to you could not be delivered on" in body
    assert "Your offer of help is accepted" in body
    assert "the mail server refused the address" in body


def test_the_reason_is_shown_in_the_language_of_the_page(member):
    # given a refusal stored by the worker, as it stores every reason: in English
    Delivery.objects.create(
        notification=NotificationFactory(recipient=member),
        channel="sms",
        status=Delivery.Status.FAILED,
        error="the text message service refused the number",
    )
    client = client_for(member)
    client.cookies["django_language"] = "es"
    # when the member reads their settings in Spanish, then the reason is in Spanish too
    body = client.get(reverse("notification_settings")).content.decode()
    assert "el servicio de mensajes de texto rechazó el número" in body
    assert "refused the number" not in body


def test_sms_links_to_the_phone_settings_when_there_is_no_number(member):
    body = client_for(member).get(reverse("notification_settings")).content.decode()

    assert reverse("sms:settings", kwargs={"slug": member.network.slug}) in body


def test_push_button_needs_a_vapid_key(member, settings):
    settings.MUTUALAID_VAPID_PUBLIC_KEY = ""
    without = client_for(member).get(reverse("notification_settings")).content.decode()
    settings.MUTUALAID_VAPID_PUBLIC_KEY = "BPublicKey"
    with_key = client_for(member).get(reverse("notification_settings")).content.decode()

    assert "Turn on browser notifications" not in without
    assert "not set up on this site" in without
    assert "Turn on browser notifications" in with_key
    assert 'data-vapid-key="BPublicKey"' in with_key


def test_a_browser_is_listed_without_its_endpoint_and_can_be_removed(member, outsider):
    mine = PushSubscription.objects.create(
        user=member.user, endpoint="https://push.example/secret-1", p256dh="k", auth="a"
    )
    theirs = PushSubscription.objects.create(
        user=outsider.user, endpoint="https://push.example/secret-2", p256dh="k", auth="a"
    )
    client = client_for(member)

    body = client.get(reverse("notification_settings")).content.decode()
    assert "secret-1" not in body
    assert mine.endpoint_hash in body

    other = client.post(reverse("push_subscription_remove", kwargs={"subscription_id": theirs.pk}))
    removed = client.post(reverse("push_subscription_remove", kwargs={"subscription_id": mine.pk}))

    assert other.status_code == 404
    assert removed.status_code == 302
    assert list(PushSubscription.objects.all()) == [theirs]


def test_the_service_worker_is_served_from_the_root(client, db):
    response = client.get("/sw.js")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/javascript"
    assert response["Service-Worker-Allowed"] == "/"
    assert b"showNotification" in response.content
    assert b"notificationclick" in response.content


def test_pages_need_signing_in(client, db):
    for name in ("notifications", "notification_settings"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
