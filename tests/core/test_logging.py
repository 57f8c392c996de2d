"""Addresses and phones never reach a log line.

The whole core loop runs through the API with every logger at DEBUG, and no log record may
carry a private detail. The scrubbing filter on the console handler is the second line of
defence, for a line someone adds later; it is tested on the shapes a careless line would take.
"""

import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from mutualaid.core.logging import ScrubSensitiveFilter, scrub
from mutualaid.needs import services
from tests.api.conftest import api_client_for
from tests.conftest import SECRET_ADDRESS, SECRET_PHONE
from tests.factories import CENTER_CELL, CategoryFactory, MemberFactory

SECRETS = (SECRET_ADDRESS, SECRET_PHONE)
MEMBER_PHONE = "+1 510 555 0123"


def record_texts(records: list[logging.LogRecord]) -> list[str]:
    """Everything a handler could write for each record: message, arguments, traceback."""
    formatter = logging.Formatter()
    texts = []
    for record in records:
        parts = [record.getMessage(), repr(record.args), repr(record.__dict__)]
        if record.exc_info:
            parts.append(formatter.formatException(record.exc_info))
        texts.append("\n".join(parts))
    return texts


@pytest.mark.django_db(transaction=True)
def test_the_whole_loop_logs_no_address_or_phone(caplog, mailoutbox):
    # given a requester who prefers phone contact, a helper, and every logger at DEBUG
    caplog.set_level(logging.DEBUG)
    requester = MemberFactory(display_name="Rosa")
    requester.phone, requester.contact_preference = MEMBER_PHONE, "phone"
    requester.save()
    helper = MemberFactory(network=requester.network, display_name="Hugo")
    category = CategoryFactory(network=requester.network)
    rosa, hugo = api_client_for(requester), api_client_for(helper)
    now = timezone.now()

    # when the need goes through its whole life, including refusals and a release
    need = rosa.post(
        "/needs",
        {
            "category": category.slug,
            "description": "Groceries",
            "window_start": now.isoformat(),
            "window_end": (now + timedelta(hours=2)).isoformat(),
            "cell": CENTER_CELL,
            "address": SECRET_ADDRESS,
            "phone": SECRET_PHONE,
        },
        headers={"Idempotency-Key": "need-1"},
    ).json()
    too_long = rosa.post("/needs", {"category": category.slug, "address": SECRET_ADDRESS * 40})
    assert too_long.status_code in {400, 422}
    first = hugo.post(f"/needs/{need['id']}/offers-of-help", {"message": "I can go"}).json()
    assert rosa.post(f"/matches/{first['id']}/accept").status_code == 200
    detail = hugo.get(f"/needs/{need['id']}").json()
    assert detail["private"]["address"] == SECRET_ADDRESS  # the accepted helper sees it
    assert hugo.post(f"/matches/{first['id']}/release", {"reason": "Car broke"}).status_code == 200
    second = hugo.post(f"/needs/{need['id']}/offers-of-help", {}).json()
    for who, step in [(rosa, "accept"), (hugo, "start"), (hugo, "confirm-done")]:
        assert who.post(f"/matches/{second['id']}/{step}").status_code == 200
    assert rosa.post(f"/matches/{second['id']}/confirm-done").json()["state"] == "done"
    assert rosa.post(f"/matches/{second['id']}/accept").status_code == 409
    services.needs_expire_sweep(now=now + timedelta(days=30))

    # then plenty was logged, and none of it holds a private detail
    texts = record_texts(caplog.records)
    assert any("notification sent" in text for text in texts)
    for secret in (*SECRETS, MEMBER_PHONE):
        leaks = [text[:300] for text in texts if secret in text]
        assert leaks == [], secret
    assert mailoutbox  # and the emails are checked in test_notifications.py


@pytest.mark.parametrize(
    "line",
    [
        f"address={SECRET_ADDRESS}",
        f"saving need address: {SECRET_ADDRESS} for member 4",
        f"{{'address': '{SECRET_ADDRESS}', 'phone': '{SECRET_PHONE}'}}",
        f'{{"address": "{SECRET_ADDRESS}", "phone": "{SECRET_PHONE}"}}',
        f"phone={SECRET_PHONE} status=ok",
        f"contact_phone={SECRET_PHONE}",
        f"POST body address={SECRET_ADDRESS}&phone={SECRET_PHONE}",
        f"Address: {SECRET_ADDRESS}\nnext line",
    ],
)
def test_the_filter_scrubs_a_careless_line_whole(line):
    cleaned = scrub(line)
    assert "Secret Lane" not in cleaned
    assert "Apt 3" not in cleaned
    assert "555" not in cleaned
    assert "[scrubbed]" in cleaned


def test_the_filter_leaves_ordinary_lines_alone():
    line = "notification sent to member 12: Your offer of help was accepted"
    assert scrub(line) == line


def test_the_console_handler_scrubs_what_it_writes():
    # given the handler that settings.LOGGING puts on the root logger
    [handler] = [
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, ScrubSensitiveFilter) for f in h.filters)
    ]
    record = logging.LogRecord(
        "mutualaid.test", logging.INFO, __file__, 1, "saved address=%s", (SECRET_ADDRESS,), None
    )

    # when it handles a careless record, then what it would write holds no address
    assert handler.filter(record)
    assert SECRET_ADDRESS not in handler.format(record)
    assert "Apt 3" not in handler.format(record)
