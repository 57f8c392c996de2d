"""API: my notifications, how I am told of them, and my browsers' push subscriptions.

A token belongs to one membership, so the notifications and preferences here are that
membership's; a notification of anyone else (or of my other memberships) is the same 404 as
one that does not exist. Push subscriptions are the person's, and the settings page's script
adds them with the browser's session (and its CSRF token) instead of a token."""

from datetime import datetime, time
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.utils.translation import get_language
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status
from ninja.security import HttpBearer, SessionAuth
from pydantic import StringConstraints

from mutualaid.channels import selectors, services
from mutualaid.channels.labels import group_key, group_label, kind_label
from mutualaid.channels.models import Notification
from mutualaid.channels.receivers import push_endpoint_remember
from mutualaid.channels.senders import Rendered
from mutualaid.core.api import InputSchema, PageNumbers, PathId, PlainText, responses
from mutualaid.core.zones import zone_of
from mutualaid.networks.models import Member
from mutualaid.networks.requests import api_member
from mutualaid.networks.services import api_token_authenticate

router = Router(tags=["notifications"])

# Mirrors of channels.models.Channel and Timing, spelled out so the OpenAPI document lists
# them; tests/channels/test_api.py checks that they match.
ChannelName = Literal["email", "sms", "push"]
TimingName = Literal["instant", "daily", "weekly", "off"]
KindName = Annotated[str, StringConstraints(min_length=1, max_length=64), PlainText]
Endpoint = Annotated[str, StringConstraints(min_length=1, max_length=1000), PlainText]
KeyText = Annotated[str, StringConstraints(min_length=1, max_length=200), PlainText]


class _Bearer(HttpBearer):
    """The API's member token (as `mutualaid.api.MemberToken`, which this module cannot
    import: that module imports this one)."""

    def authenticate(self, request: HttpRequest, token: str) -> Member | None:
        if not token or len(token) > 200:
            return None
        return api_token_authenticate(token)


# A token, or the signed-in browser's session with its CSRF token (the settings page).
TOKEN_OR_SESSION = [_Bearer(), SessionAuth()]


def _person(request: HttpRequest) -> Any:
    auth = getattr(request, "auth", None)
    return auth.user if isinstance(auth, Member) else auth


# --- Notifications --------------------------------------------------------------------------


def _rendered(notification: Notification) -> Rendered | None:
    """Rendered once per notification and response, in the request's language."""
    cached: tuple[Rendered | None] | None = getattr(notification, "_api_rendered", None)
    if cached is None:
        try:
            cached = (services.notification_render(notification, language=get_language()),)
        except LookupError:
            cached = (None,)
        notification._api_rendered = cached  # type: ignore[attr-defined]  # per-response cache
    return cached[0]


class NotificationOut(Schema):
    id: int
    kind: str
    network: str = Field(description="The slug of the network it happened in.")
    subject: str
    body: str
    link: str | None = Field(description="The page it is about; null when that is gone.")
    created_at: datetime
    read_at: datetime | None
    unread: bool

    @staticmethod
    def resolve_network(obj: Notification) -> str:
        return obj.recipient.network.slug

    @staticmethod
    def resolve_subject(obj: Notification) -> str:
        rendered = _rendered(obj)
        return rendered.subject if rendered else str(kind_label(obj.kind))

    @staticmethod
    def resolve_body(obj: Notification) -> str:
        rendered = _rendered(obj)
        return rendered.body if rendered else ""

    @staticmethod
    def resolve_link(obj: Notification) -> str | None:
        rendered = _rendered(obj)
        return rendered.link if rendered else None

    @staticmethod
    def resolve_unread(obj: Notification) -> bool:
        return obj.read_at is None


class NotificationFilters(Schema):
    unread: bool = Field(False, description="Only those not read yet.")


class MarkedOut(Schema):
    marked: int = Field(description="How many were unread and are now read.")


@router.get(
    "/notifications",
    response=responses(list[NotificationOut]),
    operation_id="notifications_list",
)
@paginate(PageNumbers)
def list_notifications(request: HttpRequest, filters: Query[NotificationFilters]) -> Any:
    """My notifications in this network, newest first."""
    return selectors.notifications_of_member(api_member(request), unread_only=filters.unread)


@router.post(
    "/notifications/read-all",
    response=responses(MarkedOut),
    operation_id="notifications_read_all",
)
def read_all_notifications(request: HttpRequest) -> dict[str, int]:
    member = api_member(request)
    return {"marked": services.notifications_mark_all_read(user=member.user, member=member)}


@router.post(
    "/notifications/{notification_id}/read",
    response=responses(NotificationOut),
    operation_id="notification_read",
)
def read_notification(request: HttpRequest, notification_id: PathId) -> Notification:
    member = api_member(request)
    return services.notification_mark_read(
        user=member.user, notification_id=notification_id, member=member
    )


# --- Preferences ----------------------------------------------------------------------------


class ChannelTimings(Schema):
    email: TimingName
    sms: TimingName
    push: TimingName


class KindPreferenceOut(Schema):
    kind: str
    label: str
    group: str
    mandatory: bool = Field(description="It cannot be turned off on any channel.")
    channels: ChannelTimings = Field(description="In-app is always on.")


class QuietHoursOut(Schema):
    starts: time
    ends: time


class PreferencesOut(Schema):
    timezone: str = Field(description="The network's time zone, which quiet hours are in.")
    kinds: list[KindPreferenceOut]
    quiet_hours: QuietHoursOut | None


class PreferenceIn(InputSchema):
    kind: KindName
    channel: ChannelName
    timing: TimingName


class QuietHoursIn(InputSchema):
    starts: time | None = None
    ends: time | None = None


class PreferencesIn(InputSchema):
    preferences: list[PreferenceIn] = Field(
        default_factory=list,
        max_length=500,
        description="Choices to change; kinds and channels left out keep theirs.",
    )
    quiet_hours: QuietHoursIn | None = Field(
        None,
        description="Both times, or null (or both empty) for none; leave it out to keep them.",
    )


def _preferences(member: Member) -> dict[str, Any]:
    quiet = selectors.quiet_hours_of(member)
    return {
        "timezone": str(zone_of(member.network)),
        "kinds": [
            {
                "kind": row.kind.name,
                "label": kind_label(row.kind.name),
                "group": group_label(group_key(row.kind.name)),
                "mandatory": row.kind.mandatory,
                "channels": row.timings,
            }
            for row in selectors.preference_rows(member)
        ],
        "quiet_hours": {"starts": quiet.starts, "ends": quiet.ends} if quiet else None,
    }


@router.get(
    "/notification-preferences",
    response=responses(PreferencesOut),
    operation_id="notification_preferences",
)
def get_preferences(request: HttpRequest) -> dict[str, Any]:
    """How each kind of notification reaches me in this network, and my quiet hours."""
    return _preferences(api_member(request))


@router.put(
    "/notification-preferences",
    response=responses(PreferencesOut),
    operation_id="notification_preferences_set",
)
def set_preferences(request: HttpRequest, payload: PreferencesIn) -> dict[str, Any]:
    """Change some choices and, if given, quiet hours; all or nothing. Turning off a kind
    that cannot be turned off is refused (400 `invalid_input`, the field named
    `kind:channel`)."""
    member = api_member(request)
    quiet = None
    if "quiet_hours" in payload.model_fields_set:
        given = payload.quiet_hours
        quiet = (given.starts, given.ends) if given is not None else (None, None)
    services.notification_settings_set(
        member=member,
        choices={f"{p.kind}:{p.channel}": p.timing for p in payload.preferences},
        quiet_hours=quiet,
    )
    return _preferences(member)


# --- Push subscriptions ---------------------------------------------------------------------


class PushKeys(InputSchema):
    p256dh: KeyText
    auth: KeyText


class PushSubscriptionIn(InputSchema):
    """As the browser's `PushSubscription.toJSON()` gives it."""

    endpoint: Endpoint
    keys: PushKeys


class PushEndpointIn(InputSchema):
    endpoint: Endpoint


class PushSubscriptionOut(Schema):
    id: int
    created_at: datetime


@router.post(
    "/push-subscriptions",
    auth=TOKEN_OR_SESSION,
    response=responses(PushSubscriptionOut, 201),
    operation_id="push_subscribe",
)
def subscribe_push(request: HttpRequest, payload: PushSubscriptionIn) -> Any:
    """Let this browser show my notifications (again: the same endpoint is updated)."""
    subscription = services.push_subscribe(
        user=_person(request),
        endpoint=payload.endpoint,
        p256dh=payload.keys.p256dh,
        auth=payload.keys.auth,
    )
    if not isinstance(getattr(request, "auth", None), Member):  # a browser: forgotten on sign-out
        push_endpoint_remember(request.session, payload.endpoint)
    return Status(201, subscription)


@router.delete(
    "/push-subscriptions",
    auth=TOKEN_OR_SESSION,
    response=responses(None, 204),
    operation_id="push_unsubscribe",
)
def unsubscribe_push(request: HttpRequest, payload: PushEndpointIn) -> Any:
    """Stop sending to this browser. Succeeds also when it was not subscribed."""
    services.push_unsubscribe(user=_person(request), endpoint=payload.endpoint)
    return Status(204, None)
