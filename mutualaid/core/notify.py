"""A member as the notification layer sees one, and the language they read in."""

from collections.abc import Sequence
from typing import Any, Protocol

from django.conf import settings


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
