"""The lending library's pages, and its calendar feed.

Each view parses input with a form, fetches with an `access_*` selector, calls one service and
renders; a DomainError from the service is shown on the form it came from, with its status.
Pages work without JavaScript. The feed is the one door without a session: its URL carries
the network's feed secret, and it says only when a thing is booked, never by whom.
"""

from collections.abc import Callable, Iterable
from datetime import datetime, time, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from mutualaid.core.errors import DomainError
from mutualaid.core.pages import form_action, page_action
from mutualaid.library import selectors, services
from mutualaid.library.calendar import bookings_ical
from mutualaid.library.forms import (
    BookingForm,
    BookingStepForm,
    KeeperForm,
    PhotoForm,
    ThingFilterForm,
    ThingForm,
    ThingStateForm,
    TrainingForm,
)
from mutualaid.library.models import BOOKING_TRANSITIONS, Booking, Thing
from mutualaid.library.photos import photo_response
from mutualaid.needs.forms import neighbourhood_choices
from mutualaid.networks.decorators import member_page, network_time
from mutualaid.networks.models import Member
from mutualaid.networks.permissions import can
from mutualaid.networks.requests import MemberRequest
from mutualaid.networks.selectors import members_active, neighbourhoods_of

STEP_SERVICES: dict[str, Callable[[Member, Booking, str], Booking]] = {
    "check_out": lambda member, booking, notes: services.booking_check_out(
        actor=member, booking=booking, condition_notes=notes
    ),
    "return": lambda member, booking, notes: services.booking_return(
        actor=member, booking=booking, condition_notes=notes
    ),
    "cancel": lambda member, booking, notes: services.booking_cancel(actor=member, booking=booking),
}


def _cell_choices(member: Member) -> list[tuple[str, str]]:
    return neighbourhood_choices(neighbourhoods_of(network=member.network), member.cell)


def _thing_url(request: MemberRequest, thing_id: int) -> str:
    return reverse(
        "library:thing_detail", kwargs={"slug": request.network.slug, "thing_id": thing_id}
    )


def _redirect_to_thing(request: MemberRequest, thing_id: int) -> HttpResponse:
    return redirect(_thing_url(request, thing_id))


def _with_actions(member: Member, bookings: Iterable[Booking]) -> list[dict[str, Any]]:
    """Each booking with the steps the member may take, for the page to offer as buttons."""
    return [{"booking": b, "actions": selectors.booking_actions(member, b)} for b in bookings]


@require_GET
@member_page
def thing_list(request: MemberRequest) -> HttpResponse:
    member = request.member
    form = ThingFilterForm(request.GET or None, kinds=selectors.thing_kinds(member=member))
    filters = form.cleaned_data if form.is_valid() else {}
    things = selectors.things_browse(
        member=member,
        query=filters.get("q", ""),
        kind=filters.get("kind", ""),
        condition=filters.get("condition", ""),
        free_now=filters.get("free_now", False),
    )[:200]
    context = {
        "form": form,
        "things": things,
        "may_lend": can(member, "library.lend", member.network),
    }
    return render(request, "library/thing_list.html", context)


@member_page
@network_time
def thing_create(request: MemberRequest) -> HttpResponse:
    member = request.member
    form = ThingForm(request.POST or None, request.FILES or None, cells=_cell_choices(member))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            outcome = form_action(
                form, lambda: services.thing_create(actor=member, **form.cleaned_data)
            )
            if outcome.value is not None:
                messages.success(request, _("Thank you for lending it to your neighbours."))
                return _redirect_to_thing(request, outcome.value.pk)
            status = outcome.status
    return render(request, "library/thing_form.html", {"form": form}, status=status)


def _render_thing(
    request: MemberRequest,
    thing: Thing,
    *,
    booking_form: BookingForm | None = None,
    training_form: TrainingForm | None = None,
    photo_form: PhotoForm | None = None,
    keeper_form: KeeperForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    member = request.member
    actions = selectors.thing_actions(member, thing)
    calendar = _with_actions(member, selectors.bookings_calendar(thing=thing))
    token = services.library_feed_token(network=member.network)
    feed_path = reverse(
        "library:thing_feed",
        kwargs={"slug": member.network.slug, "token": token, "thing_id": thing.pk},
    )
    context: dict[str, Any] = {
        "thing": thing,
        "actions": actions,
        "calendar": calendar,
        "days": _days([row["booking"] for row in calendar], member),
        "handles": "update" in actions,
        "mine": [row for row in calendar if row["booking"].borrower_id == member.pk],
        "pickup_notes": selectors.thing_pickup_notes(member=member, thing=thing),
        "trained": selectors.is_trained_for(member, thing),
        "trainings": selectors.trainings_for(thing=thing)[:100],
        "booking_form": booking_form or BookingForm(),
        "may_book": "book" in actions,
        "training_form": training_form
        or (TrainingForm(members=_trainees(member)) if "train" in actions else None),
        "step_form": BookingStepForm(),
        "photo_form": photo_form or (PhotoForm() if "set_photo" in actions else None),
        "state_form": ThingStateForm(
            initial={"condition": thing.condition, "is_active": thing.is_active}
        )
        if "update" in actions
        else None,
        "feed_url": request.build_absolute_uri(feed_path),
        "keeper_form": keeper_form
        or (KeeperForm(members=_keepers(member)) if "assign_keeper" in actions else None),
        "error": error,
    }
    return render(request, "library/thing_detail.html", context, status=status)


CALENDAR_DAYS = 14


def _days(calendar: list[Booking], member: Member) -> list[dict[str, Any]]:
    """The next two weeks, day by day, each with the booked hours that fall on it (in the
    network's zone), so the page can show a calendar without JavaScript."""
    today = timezone.localdate()
    days = []
    for offset in range(CALENDAR_DAYS):
        day = today + timedelta(days=offset)
        start = timezone.make_aware(datetime.combine(day, time.min))
        end = start + timedelta(days=1)
        slots = [
            {
                "from": max(b.starts_at, start),
                "until": min(b.ends_at, end),
                "mine": b.borrower_id == member.pk,
                "all_day": b.starts_at <= start and b.ends_at >= end,
            }
            for b in calendar
            if b.starts_at < end and b.ends_at > start
        ]
        days.append({"day": day, "slots": slots})
    return days


def _keepers(member: Member) -> QuerySet[Member]:
    return members_active(network=member.network).order_by("display_name")


def _trainees(member: Member) -> QuerySet[Member]:
    return members_active(network=member.network).exclude(pk=member.pk).order_by("display_name")


@require_GET
@member_page
@network_time
def thing_detail(request: MemberRequest, thing_id: int) -> HttpResponse:
    return _render_thing(request, selectors.access_thing(request.member, thing_id))


@require_GET
@member_page
def thing_photo(request: MemberRequest, thing_id: int) -> HttpResponse:
    """The thing's photo, for members of its network only (it may show someone's home)."""
    return photo_response(selectors.access_thing(request.member, thing_id))


@require_POST
@member_page
@network_time
def thing_book(request: MemberRequest, thing_id: int) -> HttpResponse:
    member = request.member
    thing = selectors.access_thing(member, thing_id)
    form = BookingForm(request.POST)
    if not form.is_valid():
        return _render_thing(request, thing, booking_form=form, status=400)
    outcome = form_action(
        form, lambda: services.booking_create(actor=member, thing=thing, **form.cleaned_data)
    )
    if not outcome.ok:
        return _render_thing(request, thing, booking_form=form, status=outcome.status)
    messages.success(request, _("Booked. The keeper has been told."))
    return _redirect_to_thing(request, thing.pk)


@require_POST
@member_page
def thing_photo_upload(request: MemberRequest, thing_id: int) -> HttpResponse:
    member = request.member
    thing = selectors.access_thing(member, thing_id)
    form = PhotoForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_thing(request, thing, photo_form=form, status=400)
    photo = form.cleaned_data["photo"]
    outcome = form_action(
        form, lambda: services.thing_set_photo(actor=member, thing=thing, photo=photo)
    )
    if not outcome.ok:
        return _render_thing(request, thing, photo_form=form, status=outcome.status)
    messages.success(request, _("The photo is changed."))
    return _redirect_to_thing(request, thing.pk)


def _errors(form: forms.Form) -> str:
    return " ".join(str(error) for error in form.non_field_errors())


@require_POST
@member_page
def thing_update(request: MemberRequest, thing_id: int) -> HttpResponse:
    member = request.member
    thing = selectors.access_thing(member, thing_id)
    form = ThingStateForm(request.POST)
    if not form.is_valid():
        return _render_thing(request, thing, error=_("Choose the thing's condition."), status=400)
    outcome = form_action(
        form, lambda: services.thing_update(actor=member, thing=thing, **form.cleaned_data)
    )
    if not outcome.ok:
        return _render_thing(request, thing, error=_errors(form), status=outcome.status)
    messages.success(request, _("Saved."))
    return _redirect_to_thing(request, thing.pk)


@require_POST
@member_page
def thing_keeper(request: MemberRequest, thing_id: int) -> HttpResponse:
    """Give a thing whose keeper left a new keeper."""
    member = request.member
    thing = selectors.access_thing(member, thing_id)
    form = KeeperForm(request.POST, members=_keepers(member))
    if not form.is_valid():
        return _render_thing(request, thing, keeper_form=form, status=400)
    keeper = form.cleaned_data["keeper"]
    outcome = form_action(
        form, lambda: services.thing_keeper_assign(actor=member, thing=thing, keeper=keeper)
    )
    if not outcome.ok:
        return _render_thing(request, thing, error=_errors(form), status=outcome.status)
    messages.success(request, _("The thing has a new keeper. They can put it back on the shelf."))
    return _redirect_to_thing(request, thing.pk)


@require_POST
@member_page
def thing_train(request: MemberRequest, thing_id: int) -> HttpResponse:
    member = request.member
    thing = selectors.access_thing(member, thing_id)
    form = TrainingForm(request.POST, members=_trainees(member))
    if not form.is_valid():
        return _render_thing(request, thing, training_form=form, status=400)
    whole_kind = form.cleaned_data["whole_kind"]
    outcome = form_action(
        form,
        lambda: services.training_give(
            actor=member,
            trainee=form.cleaned_data["trainee"],
            thing=None if whole_kind else thing,
            kind=thing.kind if whole_kind else "",
        ),
    )
    if not outcome.ok:
        return _render_thing(request, thing, training_form=form, status=outcome.status)
    messages.success(request, _("Thank you. The training is recorded."))
    return _redirect_to_thing(request, thing.pk)


@require_POST
@member_page
def booking_step(request: MemberRequest, booking_id: int, action: str) -> HttpResponse:
    member = request.member
    if action not in BOOKING_TRANSITIONS:
        raise Http404
    booking = selectors.access_booking(member, booking_id)
    form = BookingStepForm(request.POST)
    notes = str(form.cleaned_data["condition_notes"]) if form.is_valid() else ""
    if request.POST.get("next", "") == "loans":
        then = reverse("library:loan_list", kwargs={"slug": member.network.slug})
    else:
        then = _thing_url(request, booking.thing_id)
    return page_action(
        request, lambda: STEP_SERVICES[action](member, booking, notes), then=then, done=_("Done.")
    )


@require_GET
@member_page
@network_time
def loan_list(request: MemberRequest) -> HttpResponse:
    member = request.member
    now = timezone.now()
    mine = [
        {
            "booking": booking,
            "actions": selectors.booking_actions(member, booking),
            "overdue": booking.state == Booking.State.OUT and booking.ends_at <= now,
            "waiting": selectors.next_booking_after(booking=booking)
            if booking.state == Booking.State.OUT
            else None,
        }
        for booking in selectors.bookings_of_member(member=member)[:100]
    ]
    context = {
        "mine": mine,
        "to_handle": _with_actions(member, selectors.bookings_to_handle(member=member)[:100]),
    }
    return render(request, "library/loan_list.html", context)


@require_GET
def thing_feed(request: HttpRequest, slug: str, token: str, thing_id: int) -> HttpResponse:
    """The thing's bookings as iCalendar, for calendar apps (no session; the URL is the key)."""
    try:
        network = selectors.feed_network(slug=slug, token=token)
        thing, bookings = selectors.feed_bookings(network=network, thing_id=thing_id)
    except DomainError:
        raise Http404 from None
    response = HttpResponse(
        bookings_ical(thing=thing, bookings=bookings), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'inline; filename="thing-{thing.pk}.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response
