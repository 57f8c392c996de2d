"""A person's notifications across their networks, their settings, and the service worker
that shows browser notifications.

Every page works as plain forms that redirect back; with htmx, marking read swaps the item
(or the list) in place and updates the bell in the header out of band."""

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import dateformat
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from mutualaid.channels.forms import NotificationSettingsForm
from mutualaid.channels.labels import kind_label
from mutualaid.channels.models import Channel, Delivery, Notification
from mutualaid.channels.selectors import (
    failed_deliveries_of,
    notifications_of,
    preference_groups,
    push_subscriptions_of,
    quiet_hours_of,
)
from mutualaid.channels.services import (
    notification_mark_read,
    notification_render,
    notification_settings_set,
    notifications_mark_all_read,
    push_unsubscribe,
)
from mutualaid.core.pages import form_action
from mutualaid.core.zones import zone_of
from mutualaid.networks.models import Member
from mutualaid.networks.requests import SignedInRequest
from mutualaid.networks.selectors import memberships_of
from mutualaid.sms.selectors import phone_of

PAGE_SIZE = 20


# --- The list -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    notification: Notification
    subject: str
    body: str
    path: str  # "" when what it was about is gone

    @property
    def unread(self) -> bool:
        return self.notification.read_at is None


def _item(notification: Notification) -> Item:
    """The notification's words in the language this page is shown in."""
    try:
        rendered = notification_render(notification, language=get_language())
    except LookupError:  # a kind no longer declared: nothing left to show but that it was
        rendered = None
    if rendered is None:
        return Item(notification, _("This is no longer available."), "", "")
    link = rendered.link
    path = link[len(settings.SITE_URL) :] if link.startswith(settings.SITE_URL) else link
    return Item(notification, rendered.subject, rendered.body, path or "/")


def _back(request: HttpRequest) -> str:
    """Where a plain form goes back to: the page it was on, if it is one of ours."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("notifications")


def _list_context(request: SignedInRequest) -> dict[str, object]:
    page = Paginator(notifications_of(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return {
        "page_obj": page,
        "items": [_item(n) for n in page.object_list],
        "any_unread": notifications_of(request.user, unread_only=True).exists(),
        "here": request.get_full_path(),
    }


@never_cache
@login_required
def notification_list(request: SignedInRequest) -> HttpResponse:
    return render(request, "channels/notifications.html", _list_context(request))


@require_POST
@login_required
def notification_read(request: SignedInRequest, notification_id: int) -> HttpResponse:
    notification = notification_mark_read(user=request.user, notification_id=notification_id)
    if request.headers.get("HX-Request"):
        context = {
            "item": _item(notification),
            "here": request.POST.get("next", ""),
            # The last unread one read: "Mark all read" goes too.
            "any_unread": notifications_of(request.user, unread_only=True).exists(),
        }
        return render(request, "channels/_read_swap.html", context)
    return redirect(_back(request))


@require_GET
@login_required
def notification_open(request: SignedInRequest, notification_id: int) -> HttpResponse:
    """Follow a notification's link: opening it is reading it. Marking read only changes the
    person's own notification, so a GET may do it (the link must work from the list as is)."""
    notification = notification_mark_read(user=request.user, notification_id=notification_id)
    item = _item(notification)
    return redirect(item.path or reverse("notifications"))


@require_POST
@login_required
def notification_read_all(request: SignedInRequest) -> HttpResponse:
    notifications_mark_all_read(user=request.user)
    if request.headers.get("HX-Request"):
        return render(request, "channels/_list_swap.html", _list_context(request))
    messages.success(request, _("All your notifications are marked read."))
    return redirect(_back(request))


# --- Settings -------------------------------------------------------------------------------


@dataclass(frozen=True)
class NetworkSettings:
    member: Member
    form: NotificationSettingsForm
    zone: str
    texts_on: bool


@dataclass(frozen=True)
class Failure:
    sentence: str
    about: str
    reason: str


FAILED_ON = {
    Channel.EMAIL: _("Email to you could not be delivered on %(date)s."),
    Channel.SMS: _("A text message to you could not be delivered on %(date)s."),
    Channel.PUSH: _("A browser notification to you could not be delivered on %(date)s."),
}


def _failure(delivery: Delivery) -> Failure:
    when: datetime = delivery.notification.created_at
    local = when.astimezone(zone_of(delivery.notification.recipient.network))
    date = dateformat.format(local, "j M")  # "3 Dec", month names in the page's language
    sentence = str(FAILED_ON.get(Channel(delivery.channel), FAILED_ON[Channel.EMAIL]))
    return Failure(
        sentence % {"date": date},
        kind_label(delivery.notification.kind),
        # Stored as an English message id (see senders.PermanentFailure); shown translated.
        _(delivery.error) if delivery.error else "",
    )


def _network_settings(member: Member, data: object = None) -> NetworkSettings:
    quiet = quiet_hours_of(member)
    initial = {"quiet_starts": quiet.starts, "quiet_ends": quiet.ends} if quiet else {}
    form = NotificationSettingsForm(
        data, groups=preference_groups(member), prefix=f"m{member.pk}", initial=initial
    )
    phone = phone_of(member=member)
    texts_on = phone is not None and phone.verified_at is not None and not phone.opted_out_at
    return NetworkSettings(member, form, member.network.timezone, texts_on)


def _render_settings(
    request: SignedInRequest, bound: NetworkSettings | None = None, *, status: int = 200
) -> HttpResponse:
    networks = [
        bound if bound is not None and bound.member.pk == member.pk else _network_settings(member)
        for member in memberships_of(request.user).order_by("network__name")
    ]
    context = {
        "networks": networks,
        "failures": [_failure(d) for d in failed_deliveries_of(request.user)[:20]],
        "subscriptions": push_subscriptions_of(request.user).order_by("created_at"),
        "vapid_public_key": settings.MUTUALAID_VAPID_PUBLIC_KEY,
    }
    return render(request, "channels/settings.html", context, status=status)


@never_cache
@login_required
def notification_settings(request: SignedInRequest) -> HttpResponse:
    if request.method != "POST":
        return _render_settings(request)
    member_id = request.POST.get("member", "")
    member = None
    if member_id.isdigit() and len(member_id) < 19:
        member = memberships_of(request.user).filter(pk=int(member_id)).first()
    if member is None:
        raise Http404
    bound = _network_settings(member, request.POST)
    form = bound.form
    if not form.is_valid():
        return _render_settings(request, bound, status=400)
    outcome = form_action(
        form,
        lambda: notification_settings_set(
            member=member, choices=form.choices(), quiet_hours=form.quiet_hours()
        ),
    )
    if not outcome.ok:
        return _render_settings(request, bound, status=outcome.status)
    messages.success(
        request, _("Your settings for %(network)s are saved.") % {"network": member.network.name}
    )
    # To the top, where the message says it is saved.
    return redirect("notification_settings")


@require_POST
@login_required
def push_subscription_remove(request: SignedInRequest, subscription_id: int) -> HttpResponse:
    subscription = push_subscriptions_of(request.user).filter(pk=subscription_id).first()
    if subscription is None:
        raise Http404
    push_unsubscribe(user=request.user, endpoint=subscription.endpoint)
    messages.success(request, _("That browser will get no more notifications."))
    return redirect(reverse("notification_settings") + "#push")


# --- The service worker -----------------------------------------------------------------------


@cache
def _service_worker() -> bytes:
    found = finders.find("js/sw.js")
    if not found:
        raise Http404
    return Path(str(found)).read_bytes()


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """/sw.js: served from the site's root so that it may show notifications for all of it."""
    response = HttpResponse(_service_worker(), content_type="application/javascript")
    response["Service-Worker-Allowed"] = "/"
    # Browsers check for a new worker at most daily anyway; never keep an old one longer.
    response["Cache-Control"] = "no-cache"
    return response
