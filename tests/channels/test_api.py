"""The notifications API: a member's own notifications (the same 404 for anyone else's),
preferences with mandatory kinds refused, and push subscriptions by token or by session."""

import json
import typing

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mutualaid.channels import api as channels_api
from mutualaid.channels.models import Channel, Preference, PushSubscription, QuietHours, Timing
from mutualaid.core import notice_kinds
from mutualaid.core.notice_kinds import NoticeKind
from tests.api.conftest import API, api_client_for
from tests.factories import MemberFactory, NotificationFactory


@pytest.fixture
def member(network):
    return MemberFactory(network=network)


@pytest.fixture
def api(member):
    return api_client_for(member)


def _put(api, body):
    return api.client.put(
        API + "/notification-preferences",
        data=json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {api.secret}"},
    )


def _delete(client, body, headers=None):
    return client.delete(
        API + "/push-subscriptions",
        data=json.dumps(body),
        content_type="application/json",
        headers=headers or {},
    )


def test_the_schema_mirrors_the_models_choices():
    assert set(typing.get_args(channels_api.ChannelName)) == set(Channel.values)
    assert set(typing.get_args(channels_api.TimingName)) == set(Timing.values)


def test_a_member_lists_only_their_own_notifications_in_this_network(api, member, outsider):
    # Given two of the member's, one in their other network and one of someone else,
    mine = NotificationFactory.create_batch(2, recipient=member)
    NotificationFactory(recipient=MemberFactory(user=member.user))
    NotificationFactory(recipient=outsider)

    # when they list their notifications,
    response = api.get("/notifications")

    # then they get their two in this network, newest first, with words and a link.
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 2
    assert [item["id"] for item in data["items"]] == [n.pk for n in reversed(mine)]
    first = data["items"][0]
    assert first["subject"] == "Your offer of help was accepted"
    assert first["unread"] is True
    assert first["network"] == member.network.slug
    assert "/needs/" in first["link"]


def test_unread_filter(api, member):
    NotificationFactory(recipient=member, read_at=timezone.now())
    unread = NotificationFactory(recipient=member)

    data = api.get("/notifications", {"unread": "true"}).json()

    assert [item["id"] for item in data["items"]] == [unread.pk]


def test_mark_one_read_and_someone_elses_is_the_same_404_as_a_missing_one(api, member, outsider):
    mine = NotificationFactory(recipient=member)
    theirs = NotificationFactory(recipient=outsider)

    done = api.post(f"/notifications/{mine.pk}/read")
    forbidden = api.post(f"/notifications/{theirs.pk}/read")
    missing = api.post(f"/notifications/{theirs.pk + 1000}/read")

    assert done.status_code == 200
    assert done.json()["unread"] is False
    assert forbidden.status_code == missing.status_code == 404
    assert forbidden.json() == missing.json()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_read_all_marks_only_this_memberships(api, member):
    NotificationFactory.create_batch(2, recipient=member)
    elsewhere = NotificationFactory(recipient=MemberFactory(user=member.user))

    response = api.post("/notifications/read-all")

    assert response.json() == {"marked": 2}
    elsewhere.refresh_from_db()
    assert elsewhere.read_at is None


def test_preferences_read_and_changed(api, member):
    # Given the defaults,
    before = api.get("/notification-preferences").json()
    offered = next(k for k in before["kinds"] if k["kind"] == "match.offered")
    assert offered["channels"]["email"] == "instant"
    assert offered["label"] == "Someone offers to help with your need"
    assert before["quiet_hours"] is None

    # when the member asks for a daily summary and quiet hours,
    response = _put(
        api,
        {
            "preferences": [{"kind": "match.offered", "channel": "email", "timing": "daily"}],
            "quiet_hours": {"starts": "22:00", "ends": "07:00"},
        },
    )

    # then both are kept.
    assert response.status_code == 200, response.content
    after = response.json()
    offered = next(k for k in after["kinds"] if k["kind"] == "match.offered")
    assert offered["channels"]["email"] == "daily"
    assert after["quiet_hours"] == {"starts": "22:00:00", "ends": "07:00:00"}
    assert QuietHours.objects.filter(member=member).exists()

    # And leaving quiet hours out keeps them; null clears them.
    _put(api, {"preferences": []})
    assert QuietHours.objects.filter(member=member).exists()
    _put(api, {"quiet_hours": None})
    assert not QuietHours.objects.filter(member=member).exists()


def test_a_mandatory_kind_cannot_be_turned_off(api, member, monkeypatch):
    accepted = notice_kinds.notice_kind("match.accepted")
    kind = NoticeKind(
        name="match.must_know",
        load=accepted.load,
        to=accepted.to,
        subject=accepted.subject,
        body=accepted.body,
        mandatory=True,
    )
    monkeypatch.setitem(notice_kinds._KINDS, kind.name, kind)

    response = _put(
        api,
        {
            "preferences": [
                {"kind": "match.offered", "channel": "email", "timing": "daily"},
                {"kind": "match.must_know", "channel": "push", "timing": "off"},
            ]
        },
    )

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_input"
    assert body["fields"]["match.must_know:push"] == ["This notification cannot be turned off."]
    assert not Preference.objects.filter(member=member).exists()


def test_unknown_kinds_and_timings_are_refused(api):
    unknown = _put(
        api, {"preferences": [{"kind": "no.such", "channel": "email", "timing": "daily"}]}
    )
    bad_timing = _put(
        api, {"preferences": [{"kind": "match.offered", "channel": "email", "timing": "hourly"}]}
    )

    assert unknown.status_code == 400
    assert bad_timing.status_code == 422


SUBSCRIPTION = {
    "endpoint": "https://push.example/send/abc",
    "keys": {"p256dh": "BPublic", "auth": "secret"},
}


def test_push_subscribe_and_unsubscribe_with_a_token(api, member):
    created = api.post("/push-subscriptions", SUBSCRIPTION)
    again = api.post("/push-subscriptions", SUBSCRIPTION)

    assert created.status_code == again.status_code == 201
    assert PushSubscription.objects.get().user == member.user

    gone = _delete(
        api.client,
        {"endpoint": SUBSCRIPTION["endpoint"]},
        {"Authorization": f"Bearer {api.secret}"},
    )
    assert gone.status_code == 204
    assert not PushSubscription.objects.exists()


def test_push_subscribe_with_the_session_needs_the_csrf_token(member):
    # The settings page's script sends the browser's session and its CSRF token.
    client = Client(enforce_csrf_checks=True)
    client.force_login(member.user)
    client.get("/notifications/settings/")
    token = client.cookies["csrftoken"].value

    without = client.post(
        API + "/push-subscriptions", json.dumps(SUBSCRIPTION), content_type="application/json"
    )
    with_token = client.post(
        API + "/push-subscriptions",
        json.dumps(SUBSCRIPTION),
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )

    assert without.status_code in {401, 403}
    assert with_token.status_code == 201
    assert PushSubscription.objects.get().user == member.user


def test_one_cannot_unsubscribe_someone_elses_browser(api, outsider):
    PushSubscription.objects.create(
        user=outsider.user, endpoint=SUBSCRIPTION["endpoint"], p256dh="k", auth="a"
    )

    response = _delete(
        api.client,
        {"endpoint": SUBSCRIPTION["endpoint"]},
        {"Authorization": f"Bearer {api.secret}"},
    )

    assert response.status_code == 204
    assert PushSubscription.objects.filter(user=outsider.user).exists()


def test_a_push_endpoint_must_be_https(api):
    response = api.post("/push-subscriptions", SUBSCRIPTION | {"endpoint": "http://x.example/"})

    assert response.status_code == 400
    assert not PushSubscription.objects.exists()


def test_without_a_token_nothing(db):
    anonymous_api = api_client_for(None)
    assert anonymous_api.get("/notifications").status_code == 401
    assert anonymous_api.get("/notification-preferences").status_code == 401
    assert anonymous_api.post("/push-subscriptions", SUBSCRIPTION).status_code == 401


def test_signing_out_of_a_browser_stops_its_pushes_and_no_others(member, api):
    # given a shared browser subscribed through the settings page, and the member's own phone
    # subscribed through the API
    browser = Client()
    browser.force_login(member.user)
    browser.get("/notifications/settings/")
    assert (
        browser.post(
            API + "/push-subscriptions",
            json.dumps(SUBSCRIPTION),
            content_type="application/json",
            headers={"X-CSRFToken": browser.cookies["csrftoken"].value},
        ).status_code
        == 201
    )
    phone = SUBSCRIPTION | {"endpoint": "https://push.example/the-members-phone"}
    assert api.post("/push-subscriptions", phone).status_code == 201
    # when they sign out of the shared browser
    response = browser.post(reverse("account_logout"))
    assert response.status_code == 302
    # then that browser gets no more of their notifications, and their phone still does
    assert list(PushSubscription.objects.values_list("endpoint", flat=True)) == [phone["endpoint"]]


def test_deleting_the_account_from_a_subscribed_browser_signs_out_cleanly(member):
    # given a browser that turned push on in this session
    browser = Client()
    browser.force_login(member.user)
    browser.get("/notifications/settings/")
    browser.post(
        API + "/push-subscriptions",
        json.dumps(SUBSCRIPTION),
        content_type="application/json",
        headers={"X-CSRFToken": browser.cookies["csrftoken"].value},
    )
    # when the person deletes their account, which signs them out
    response = browser.post(reverse("account_delete"), {"confirm": "DELETE"})
    # then it goes through, and the subscription went with the account
    assert response.status_code == 302
    assert not PushSubscription.objects.exists()
