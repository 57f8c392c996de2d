"""One way to declare a notice and send it.

Each app declares its notices as data in its own `notices.py` (below its services): a
`NoticeKind` names the kind ("match.accepted"), how to load what it is about, who receives it,
its translated subject and body, and how each channel carries it by default. Services call
`mutualaid.channels.services.notice_send(kind, about_id)` inside their transaction, which
records the notifications and delivers them (docs/notifications.md). Nothing here decides
*whether* something deserves a notice: the service that calls `notice_send` did.

Apps' `notices` modules are imported when Django starts (see `CoreConfig.ready`), so a worker
knows every kind before it takes a queued notice.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.utils.functional import Promise

from mutualaid.core.notify import Recipient

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
    # A member cannot turn it off on the channels that carry it by default (a cancelled
    # match, a security notice, a removal); they may still move it to a digest.
    mandatory: bool = False
    # Listed on the member's notifications page; off for codes sent by SMS only.
    in_app: bool = True
    # The text of an SMS, when it should say more than the subject and a link (a relayed
    # message); same %-placeholders as the body.
    sms_body: Promise | None = None
    # Whether it may still leave now (checked by the worker as it sends, on every channel but
    # the in-app list): e.g. a relayed message whose conversation has closed may not.
    sendable: Callable[[About], bool] = field(default=lambda about: True)


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
