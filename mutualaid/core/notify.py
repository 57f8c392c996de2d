"""Sending one email to one member, in their language. Tasks call this; nothing here decides
*whether* to send."""

import logging
from collections.abc import Sequence
from typing import Any, Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation
from django.utils.functional import Promise

log = logging.getLogger(__name__)


class _Named(Protocol):
    @property
    def name(self) -> str: ...


class _HasEmail(Protocol):
    @property
    def email(self) -> str: ...


class Recipient(Protocol):
    """A member, as this module sees one (core imports no app)."""

    @property
    def pk(self) -> Any: ...
    @property
    def languages(self) -> Sequence[str] | None: ...
    @property
    def user(self) -> _HasEmail: ...
    @property
    def network(self) -> _Named: ...


def language_for(member: Recipient) -> str:
    """The first language the member speaks that mutualaid is translated into."""
    available = {code for code, _name in settings.LANGUAGES}
    for code in member.languages or []:
        if code in available:
            return str(code)
    return str(settings.LANGUAGE_CODE)


def email_member(
    member: Recipient,
    *,
    subject: Promise | str,
    body: Promise | str,
    params: dict[str, Any] | None = None,
    path: str = "",
) -> bool:
    """Send a short email, translated into the member's language.

    `subject` and `body` are lazy translations with %-placeholders filled from `params`.
    `body` must never hold an address or phone: it says *that* something happened and links
    to the page where the member, signed in, sees the rest."""
    email = member.user.email
    if not email:
        return False
    params = params or {}
    link = f"{settings.SITE_URL}{path}" if path else settings.SITE_URL
    with translation.override(language_for(member)):
        subject_text = str(subject) % params if params else str(subject)
        body_text = str(body) % params if params else str(body)
    send_mail(
        subject=f"[{member.network.name}] {subject_text}",
        message=f"{body_text}\n\n{link}\n",
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[email],
    )
    log.info("notification sent to member %s: %s", member.pk, subject_text)
    return True
