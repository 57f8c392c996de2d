"""The pantry pages. Each view parses a form, fetches with an `access_*` selector, calls one
service and renders; a service's refusal is shown on the form it came from (`form_action`) or
as a message (`page_action`). Buttons are drawn from the same `*_actions` selectors as the API's
`actions`.

Members see the stock, the rules in plain words and the exports; members with the pantry
permission take stock in, give it out, count it and reserve it. The capacity page is public.
"""

import csv
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mutualaid.core.errors import DomainError, NotFound, PermissionDenied
from mutualaid.core.pages import form_action, page_action
from mutualaid.governance.services.proposals import proposal_open
from mutualaid.needs.models import Match, Need
from mutualaid.networks.decorators import member_page, network_page
from mutualaid.networks.models import Member
from mutualaid.networks.requests import MemberRequest, NetworkRequest
from mutualaid.pantry import selectors
from mutualaid.pantry.forms import (
    AdjustForm,
    AlertsForm,
    CountForm,
    DistributionForm,
    DistributionLineFormSet,
    FairShareProposalForm,
    HouseholdForm,
    HouseholdLinkForm,
    IntakeForm,
    IntakeLineFormSet,
    ItemForm,
    ReservationForm,
    SettingsForm,
)
from mutualaid.pantry.models import (
    AlertSubscription,
    Distribution,
    FairShareRule,
    OpenHours,
    PantrySettings,
    Reservation,
)
from mutualaid.pantry.services import alerts as alert_services
from mutualaid.pantry.services import distribution as distribution_services
from mutualaid.pantry.services import households as household_services
from mutualaid.pantry.services import items as item_services
from mutualaid.pantry.services import opening as opening_services
from mutualaid.pantry.services import reservations as reservation_services
from mutualaid.pantry.services import stock as stock_services
from mutualaid.pantry.services.items import IntakeLine

WEEKDAYS = [
    gettext_lazy("Monday"),
    gettext_lazy("Tuesday"),
    gettext_lazy("Wednesday"),
    gettext_lazy("Thursday"),
    gettext_lazy("Friday"),
    gettext_lazy("Saturday"),
    gettext_lazy("Sunday"),
]


def _manager(request: MemberRequest) -> Member:
    """Pages below the pantry permission answer 403 to everyone else."""
    if not selectors.may_manage(request.member):
        raise PermissionDenied()
    return request.member


def _to_stock(member: Member) -> HttpResponse:
    return redirect("pantry:stock", slug=member.network.slug)


def _url(name: str, member: Member, **kwargs: object) -> str:
    return reverse(f"pantry:{name}", kwargs={"slug": member.network.slug, **kwargs})


# --- Everyone's pages -----------------------------------------------------------------------


@require_GET
@network_page
def capacity(request: NetworkRequest) -> HttpResponse:
    """Public: open now, what is low, household slots left. No personal data."""
    network = request.network
    signal = selectors.capacity_signal(network=network)
    return render(request, "pantry/capacity.html", {"signal": signal, "network": network})


@require_GET
@member_page
def stock(request: MemberRequest) -> HttpResponse:
    member = request.member
    items = [
        (item, selectors.item_actions(member, item))
        for item in selectors.items_of(network=member.network)
    ]
    context = {
        "items": items,
        "lots": selectors.lots_in_stock(network=member.network),
        "may_manage": selectors.may_manage(member),
        "alerts_on": AlertSubscription.objects.filter(member=member).exists(),
        "adjust_form": AdjustForm(),
    }
    return render(request, "pantry/stock.html", context)


@require_GET
@member_page
def rules(request: MemberRequest) -> HttpResponse:
    member = request.member
    hours = [
        {"day": WEEKDAYS[h.weekday], "opens": h.opens, "closes": h.closes}
        for h in OpenHours.objects.filter(network=member.network)
    ]
    context = {
        "rules": selectors.rules_in_words(network=member.network),
        "hours": hours,
        "propose_form": FairShareProposalForm(items=selectors.items_of(network=member.network)),
    }
    return render(request, "pantry/rules.html", context)


@require_POST
@member_page
def rule_propose(request: MemberRequest) -> HttpResponse:
    """Fair shares are the group's decision: this opens a proposal (decided by consent) whose
    action, once passed, sets the rule through `pantry.services.fair_share.fair_share_set`."""
    member = request.member
    form = FairShareProposalForm(request.POST, items=selectors.items_of(network=member.network))
    if not form.is_valid():
        messages.error(request, _("Choose an item or a category, a quantity and a period."))
        return redirect("pantry:rules", slug=member.network.slug)
    data = form.cleaned_data
    subject = data["item"].name if data["item"] else data["category"]
    try:
        proposal = proposal_open(
            actor=member,
            title=_("Fair share: %(subject)s, up to %(n)d %(period)s")
            % {
                "subject": subject,
                "n": data["quantity"],
                "period": FairShareRule.Period(data["period"]).label,
            },
            body="",
            method="consent",
            deadline=timezone.now() + timedelta(days=data["days"]),
            action={
                "type": "fair_share_change",
                "params": {
                    "item": data["item"].name if data["item"] else "",
                    "category": data["category"],
                    "quantity": data["quantity"],
                    "period": data["period"],
                },
            },
        )
    except DomainError as err:  # not page_action: success goes to the new proposal's page
        messages.error(request, err.message)
        return redirect("pantry:rules", slug=member.network.slug)
    messages.success(request, _("Your proposal is open for the network to decide."))
    return redirect("governance:proposal_detail", slug=member.network.slug, proposal_id=proposal.pk)


def _csv(filename: str, header: list[str], rows: list[list[object]]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response


@require_GET
@member_page
def stock_csv(request: MemberRequest) -> HttpResponse:
    header = [
        "item", "category", "unit", "dietary_tags", "on_hand", "reserved", "available",
        "next_expiry",
    ]  # fmt: skip
    return _csv("pantry-stock.csv", header, selectors.stock_rows(network=request.network))


@require_GET
@member_page
def distributions_csv(request: MemberRequest) -> HttpResponse:
    """Given out per week and item, with a count of households: no household is named."""
    header = ["week_starting", "item", "unit", "quantity", "households"]
    rows = selectors.distribution_weeks(network=request.network)
    return _csv("pantry-distributions-per-week.csv", header, rows)


# --- The pantry permission's pages ----------------------------------------------------------


@require_http_methods(["GET", "POST"])
@member_page
def item_create(request: MemberRequest) -> HttpResponse:
    member = _manager(request)
    form = ItemForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            outcome = form_action(
                form, lambda: item_services.item_create(actor=member, **form.cleaned_data)
            )
            if outcome.ok:
                messages.success(request, _("The item was added."))
                return _to_stock(member)
            status = outcome.status
    return render(request, "pantry/item_form.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
@member_page
def item_edit(request: MemberRequest, item_id: int) -> HttpResponse:
    member = _manager(request)
    item = selectors.access_item(member, item_id)
    initial = {
        "name": item.name,
        "unit": item.unit,
        "category": item.category,
        "dietary_tags": item.dietary_tags,
        "low_stock_below": item.low_stock_below,
    }
    form = ItemForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            outcome = form_action(
                form,
                lambda: item_services.item_update(actor=member, item=item, **form.cleaned_data),
            )
            if outcome.ok:
                messages.success(request, _("The item was saved."))
                return _to_stock(member)
            status = outcome.status
    actions = selectors.item_actions(member, item)
    # Why "retire" is missing, in the service's own words (the same message it refuses with).
    retire_blocked = _(
        "%(item)s still has %(n)d on hand. Give it out or count it to zero first."
    ) % {
        "item": item.name,
        "n": item.on_hand,
    }
    context = {"form": form, "item": item, "actions": actions, "retire_blocked": retire_blocked}
    return render(request, "pantry/item_edit.html", context, status=status)


@require_POST
@member_page
def item_retire(request: MemberRequest, item_id: int) -> HttpResponse:
    member = _manager(request)
    item = selectors.access_item(member, item_id)
    try:
        item_services.item_retire(actor=member, item=item)
    except DomainError as err:  # not page_action: a refusal goes back to the item, not on
        messages.error(request, err.message)
        return redirect("pantry:item_edit", slug=member.network.slug, item_id=item.pk)
    messages.success(request, _("The item is retired. Its history is kept."))
    return _to_stock(member)


@require_http_methods(["GET", "POST"])
@member_page
def intake(request: MemberRequest) -> HttpResponse:
    member = _manager(request)
    items = selectors.items_in_use(network=member.network)
    data = request.POST or None
    form = IntakeForm(data)
    lines = IntakeLineFormSet(data, prefix="line", form_kwargs={"items": items})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid() and lines.is_valid():
            intake_lines = [
                IntakeLine(
                    item=row["item"],
                    quantity=row["quantity"] or 0,
                    unit=row["unit"],
                    expires_on=row["expires_on"],
                    location=row["location"] or "",
                )
                for row in lines.cleaned_data
                if row.get("item")
            ]
            outcome = form_action(
                form,
                lambda: item_services.intake_record(
                    actor=member,
                    lines=intake_lines,
                    source=form.cleaned_data["source"],
                    donor=form.cleaned_data["donor"],
                ),
            )
            if outcome.ok:
                messages.success(request, _("The delivery was recorded. Thank you."))
                return _to_stock(member)
            status = outcome.status
    return render(request, "pantry/intake.html", {"form": form, "lines": lines}, status=status)


def _allowance_rows(request: MemberRequest, member: Member) -> list[dict[str, Any]]:
    household_id = request.GET.get("household") or request.POST.get("household")
    if not household_id or not str(household_id).isdigit():
        return []
    try:
        household = selectors.access_household(member, int(household_id))
    except NotFound:
        return []
    rows = []
    for item in selectors.items_of(network=member.network):
        for allowance in selectors.allowances(household=household, item=item):
            rows.append(
                {"item": item, "remaining": allowance.remaining, "why": allowance.explain()}
            )
    return rows


def _need(member: Member, need_id: int | None) -> Need | None:
    if need_id is None:
        return None
    need = Need.objects.filter(pk=need_id, network=member.network).first()
    if need is None:
        raise NotFound(_("There is no need with that number."))
    return need


@require_http_methods(["GET", "POST"])
@member_page
def distribute(request: MemberRequest) -> HttpResponse:
    member = _manager(request)
    items = selectors.items_in_use(network=member.network)
    households = selectors.households_of(network=member.network)
    data = request.POST or None
    initial = {"household": request.GET.get("household")}
    form = DistributionForm(data, households=households, initial=initial)
    lines = DistributionLineFormSet(data, prefix="line", form_kwargs={"items": items})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid() and lines.is_valid():
            wanted = [
                (row["item"], row["quantity"] if row["quantity"] is not None else 0)
                for row in lines.cleaned_data
                if row.get("item")
            ]
            outcome = form_action(
                form,
                lambda: distribution_services.distribution_create(
                    actor=member,
                    household=form.cleaned_data["household"],
                    lines=wanted,
                    need=_need(member, form.cleaned_data["need"]),
                    override_reason=form.cleaned_data["override_reason"],
                ),
            )
            if outcome.ok:
                messages.success(request, _("Given out. The stock is updated."))
                return redirect("pantry:distribute", slug=member.network.slug)
            status = outcome.status
    context = {
        "form": form,
        "lines": lines,
        "allowances": _allowance_rows(request, member),
    }
    return render(request, "pantry/distribute.html", context, status=status)


@require_http_methods(["GET", "POST"])
@member_page
def households(request: MemberRequest) -> HttpResponse:
    member = _manager(request)
    form = HouseholdForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            outcome = form_action(
                form,
                lambda: household_services.household_create(
                    actor=member, code=form.cleaned_data["code"]
                ),
            )
            if outcome.ok:
                messages.success(request, _("The household was added."))
                return redirect("pantry:households", slug=member.network.slug)
            status = outcome.status
    context = {"form": form, "households": selectors.households_of(network=member.network)}
    return render(request, "pantry/households.html", context, status=status)


@require_http_methods(["GET", "POST"])
@member_page
def household_link(request: MemberRequest, household_id: int) -> HttpResponse:
    """Link a household to the member who collects for it (or unlink it)."""
    member = _manager(request)
    household = selectors.access_household(member, household_id)
    members = Member.objects.filter(network=member.network).order_by("display_name")
    form = HouseholdLinkForm(
        request.POST or None, members=members, initial={"member": household.member_id}
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            outcome = form_action(
                form,
                lambda: household_services.household_link(
                    actor=member, household=household, member=form.cleaned_data["member"]
                ),
            )
            if outcome.ok:
                messages.success(request, _("The household is saved."))
                return redirect("pantry:households", slug=member.network.slug)
            status = outcome.status
    context = {"form": form, "household": household}
    return render(request, "pantry/household_link.html", context, status=status)


@require_POST
@member_page
def lot_adjust(request: MemberRequest, lot_id: int) -> HttpResponse:
    member = _manager(request)
    lot = selectors.access_lot(member, lot_id)
    form = AdjustForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a change and a reason."))
        return _to_stock(member)
    return page_action(
        request,
        lambda: stock_services.stock_adjust(actor=member, lot=lot, **form.cleaned_data),
        then=_url("stock", member),
        done=_("The count is corrected and logged."),
    )


@require_http_methods(["GET", "POST"])
@member_page
def lot_count(request: MemberRequest, lot_id: int) -> HttpResponse:
    """Record what a count found; the difference goes into the stock log as miscounted."""
    member = _manager(request)
    lot = selectors.access_lot(member, lot_id)
    form = CountForm(request.POST or None, initial={"counted": lot.quantity})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            outcome = form_action(
                form,
                lambda: stock_services.stock_count(actor=member, lot=lot, **form.cleaned_data),
            )
            if outcome.ok:
                messages.success(request, _("The count is recorded."))
                return _to_stock(member)
            status = outcome.status
    return render(request, "pantry/count.html", {"form": form, "lot": lot}, status=status)


def _match(member: Member, match_id: int) -> Match:
    match = (
        Match.objects.filter(pk=match_id, need__network=member.network)
        .select_related("need")
        .first()
    )
    if match is None:
        raise NotFound(_("There is no match with that number."))
    return match


@require_http_methods(["GET", "POST"])
@member_page
def reservations(request: MemberRequest) -> HttpResponse:
    member = _manager(request)
    items = selectors.items_in_use(network=member.network)
    form = ReservationForm(request.POST or None, items=items)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            outcome = form_action(
                form,
                lambda: reservation_services.reservation_create(
                    actor=member,
                    match=_match(member, form.cleaned_data["match"]),
                    item=form.cleaned_data["item"],
                    quantity=form.cleaned_data["quantity"],
                ),
            )
            if outcome.ok:
                messages.success(request, _("The stock is held for the match."))
                return redirect("pantry:reservations", slug=member.network.slug)
            status = outcome.status
    held = [
        (reservation, selectors.reservation_actions(member, reservation))
        for reservation in selectors.reservations_held(network=member.network)
    ]
    context = {
        "form": form,
        "reservations": held,
        "households": selectors.households_of(network=member.network),
    }
    return render(request, "pantry/reservations.html", context, status=status)


@require_POST
@member_page
def reservation_release(request: MemberRequest, reservation_id: int) -> HttpResponse:
    member = _manager(request)
    reservation = selectors.access_reservation(member, reservation_id)
    return page_action(
        request,
        lambda: reservation_services.reservation_release(actor=member, reservation=reservation),
        then=_url("reservations", member),
        done=_("The stock is available again."),
    )


def _fulfil(member: Member, reservation: Reservation, household_id: str) -> Distribution:
    if not household_id.isdigit():
        raise NotFound(_("Choose a household."))
    household = selectors.access_household(member, int(household_id))
    return reservation_services.reservation_fulfil(
        actor=member, reservation=reservation, household=household
    )


@require_POST
@member_page
def reservation_fulfil(request: MemberRequest, reservation_id: int) -> HttpResponse:
    member = _manager(request)
    reservation = selectors.access_reservation(member, reservation_id)
    household_id = request.POST.get("household", "")
    return page_action(
        request,
        lambda: _fulfil(member, reservation, household_id),
        then=_url("reservations", member),
        done=_("Given out. The stock is updated."),
    )


@require_http_methods(["GET", "POST"])
@member_page
def pantry_settings(request: MemberRequest) -> HttpResponse:
    member = _manager(request)
    current = PantrySettings.objects.filter(network=member.network).first()
    hours = OpenHours.objects.filter(network=member.network)
    initial = {
        "weekly_household_slots": current.weekly_household_slots if current else 0,
        "open_hours": "\n".join(f"{h.weekday} {h.opens:%H:%M}-{h.closes:%H:%M}" for h in hours),
    }
    form = SettingsForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            outcome = form_action(form, lambda: _settings_save(member, form.cleaned_data))
            if outcome.ok:
                messages.success(request, _("Saved."))
                return redirect("pantry:settings", slug=member.network.slug)
            status = outcome.status
    return render(request, "pantry/settings.html", {"form": form}, status=status)


def _settings_save(member: Member, data: dict[str, Any]) -> None:
    opening_services.pantry_settings_set(
        actor=member, weekly_household_slots=data["weekly_household_slots"]
    )
    opening_services.open_hours_set(actor=member, hours=data["open_hours"])


@require_POST
@member_page
def alerts(request: MemberRequest) -> HttpResponse:
    member = _manager(request)
    form = AlertsForm(request.POST)
    on = form.is_valid() and form.cleaned_data["on"]
    alert_services.alerts_subscribe(actor=member, on=on)
    if on:
        messages.success(request, _("You will get an email when stock is low or expiring."))
    else:
        messages.success(request, _("No more pantry alerts."))
    return _to_stock(member)
