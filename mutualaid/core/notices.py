"""One way to declare a notice and send it.

Each app declares its notices as data in its own `notices.py` (below its services): a
`NoticeKind` names the kind ("match.accepted"), how to load what it is about, who receives it,
and its translated subject and body. Services call `notice_send(kind, about_id)` inside their
transaction; the notice is queued only once the transaction commits, and a worker renders it in
each recipient's language and sends it, retrying if sending fails. Nothing here decides
*whether* something deserves a notice: the service that calls `notice_send` did.

Apps' `notices` modules are imported when Django starts (see `CoreConfig.ready`), so a worker
knows every kind before it takes a queued notice.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Generic, TypeVar

from django.db import transaction
from django.utils.functional import Promise

from mutualaid.core.notify import Recipient, email_member
from mutualaid.core.schedules import queued

About = TypeVar("About")

CHANNELS = ("email", "sms", "push")
FREQUENCIES = ("instant", "daily", "weekly", "off")
# Email and push at once; SMS only for what a member would want on a basic phone, by choice.
DEFAULT_CHANNELS: Mapping[str, str] = {"email": "instant", "sms": "off", "push": "instant"}
Extra = Mapping[str, Any]


def _no_params(about: Any, extra: Extra) -> dict[str, object]:
    return {}


def _no_path(about: Any) -> str:
    return ""


@dataclass(frozen=True)
class NoticeKind(Generic[About]):
    """One kind of notice. `to` returns the recipients (None entries are skipped, e.g. a
    helper whose account was deleted); `params` fills the %-placeholders of the subject and
    body; `path` is the page the notice links to, where the member sees the rest."""

    name: str
    load: Callable[[int], About | None]
    to: Callable[[About, Extra], Iterable[Recipient | None]]
    subject: Promise
    body: Promise
    params: Callable[[About, Extra], Mapping[str, object]] = field(default=_no_params)
    path: Callable[[About], str] = field(default=_no_path)
    # How each channel carries the kind unless the member chose otherwise: channel name
    # ("email", "sms", "push") -> "instant", "daily", "weekly" or "off". In-app is always on.
    defaults: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_CHANNELS))
    # A member cannot turn it off (a cancelled match, a security notice, a removal).
    mandatory: bool = False
    # Listed on the member's notifications page; off for codes sent by SMS only.
    in_app: bool = True
    # The text of an SMS, when it should say more than the subject and a link (a relayed
    # message); same %-placeholders as the body.
    sms_body: Promise | None = None


_KINDS: dict[str, NoticeKind[Any]] = {}


def notice_kinds(*kinds: NoticeKind[Any]) -> None:
    """Declare kinds; an app's `notices` module calls this once, at import."""
    for kind in kinds:
        if kind.name in _KINDS and _KINDS[kind.name] is not kind:
            raise ValueError(f"notice kind {kind.name!r} is declared twice")
        _KINDS[kind.name] = kind


def notice_kind(name: str) -> NoticeKind[Any]:
    try:
        return _KINDS[name]
    except KeyError:
        raise LookupError(f"no notice kind {name!r}; declare it in the app's notices.py") from None


def notice_kinds_declared() -> list[str]:
    return sorted(_KINDS)


def notice_send(kind: str, about_id: int, **extra: Any) -> None:
    """Queue a notice about one object once the current transaction commits (nothing is sent
    for a write that rolls back). `extra` must be JSON-like: it travels through the queue."""
    notice_kind(kind)  # an unknown kind fails in the service, not later in a worker
    transaction.on_commit(partial(notice_deliver, kind, about_id, dict(extra)))


@queued(retries=3, retry_delay=60)
def notice_deliver(kind: str, about_id: int, extra: dict[str, Any]) -> int:
    """Render and send one queued notice to each of its recipients; returns how many went."""
    spec = notice_kind(kind)
    about = spec.load(about_id)
    if about is None:  # deleted since: there is nothing left to tell
        return 0
    sent = 0
    for recipient in spec.to(about, extra):
        if recipient is None:
            continue
        sent += email_member(
            recipient,
            subject=spec.subject,
            body=spec.body,
            params=dict(spec.params(about, extra)),
            path=spec.path(about),
        )
    return sent
