"""How one rendered notice leaves on each channel. Nothing here decides what to send or to
whom; services render the words and pick the address, these carry them.

Each sender takes the delivery's idempotency key and hands it to the provider where the
provider takes one (an email's Message-ID, an SMS gateway's idempotency header, a push
message's topic), so that a try repeated after a worker died mid-send is recognised there."""

import hashlib
import json
import logging
import smtplib
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils.translation import gettext_noop

log = logging.getLogger(__name__)


class PermanentFailure(Exception):
    """The provider refused for good (a bounced address, a gone subscription, a refused
    number): trying again will not help; the member is told on their settings page.

    The reason is an English message marked with `gettext_noop`: it is stored as it is and
    translated when the member's page shows it, in the language of that page."""


class TemporaryFailure(Exception):
    """The provider could not take it now; the delivery is tried again later."""


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str
    link: str
    sms: str


def email_send(address: str, rendered: Rendered, *, key: str, network_name: str) -> None:
    domain = settings.SITE_URL.split("//")[-1].split("/")[0].split(":")[0] or "localhost"
    message = EmailMessage(
        subject=f"[{network_name}] {rendered.subject}",
        body=f"{rendered.body}\n\n{rendered.link}\n",
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address],
        # The same Message-ID on every try of one delivery: mail systems drop the repeat.
        headers={"Message-ID": f"<{key}@{domain}>", "X-Mutualaid-Delivery": key},
    )
    try:
        message.send()
    except smtplib.SMTPRecipientsRefused as error:
        raise PermanentFailure(gettext_noop("the mail server refused the address")) from error
    except (smtplib.SMTPException, OSError) as error:
        log.info("mail server error: %s", type(error).__name__)
        raise TemporaryFailure(gettext_noop("the mail server could not take it")) from error


@dataclass(frozen=True)
class PushTarget:
    endpoint: str
    p256dh: str
    auth: str


def push_send(target: PushTarget, rendered: Rendered, *, key: str) -> None:
    """One Web Push message, signed with the site's VAPID key. Raises PermanentFailure when
    the push service says the subscription is gone (404 or 410)."""
    # import here: pywebpush pulls in HTTP and crypto libraries that only a worker sending
    # push needs; the web processes never load them.
    from pywebpush import WebPushException, webpush

    # The tag is the delivery's key: the service worker shows one notification per tag, so a
    # message sent again after a worker died replaces the first instead of showing twice.
    payload = json.dumps(
        {"title": rendered.subject, "body": rendered.body, "url": rendered.link, "tag": key}
    )
    try:
        webpush(
            subscription_info={
                "endpoint": target.endpoint,
                "keys": {"p256dh": target.p256dh, "auth": target.auth},
            },
            data=payload,
            vapid_private_key=settings.MUTUALAID_VAPID_PRIVATE_KEY,
            vapid_claims={"sub": settings.MUTUALAID_VAPID_SUBJECT},
            # A push service keeps one message per topic: a repeated try replaces, not adds.
            headers={"Topic": hashlib.sha256(key.encode()).hexdigest()[:32]},
            timeout=10,
        )
    except WebPushException as error:
        status = getattr(error.response, "status_code", None)
        if status in (404, 410):
            raise PermanentFailure(gettext_noop("the browser's subscription is gone")) from error
        if status is not None and 400 <= status < 500 and status != 429:
            log.info("push service answered %s", status)
            raise PermanentFailure(gettext_noop("the push service refused it")) from error
        raise TemporaryFailure(gettext_noop("the push service could not take it")) from error
