"""Circle pages. Server-rendered, no JavaScript needed.

Only an active membership opens what is inside a circle. Everyone else in the network sees its
name and purpose and may ask to join; an organiser who is not in the circle is no different.
Posts are shown under their pseudonym, never beside a member's name.
"""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_POST

from mutualaid.care import selectors, services
from mutualaid.care.forms import (
    AgreementForm,
    CircleForm,
    CircleSettingsForm,
    InviteForm,
    PostForm,
    ReactionForm,
    ReasonForm,
    ReplyForm,
    WillingForm,
)
from mutualaid.care.models import CircleMembership
from mutualaid.core.errors import DomainError, NotFound
from mutualaid.networks.decorators import member_page, network_page
from mutualaid.networks.models import Member


def _member(request: HttpRequest) -> Member:
    return request.member  # type: ignore[attr-defined,no-any-return]


def _to_circle(request: HttpRequest, circle_id: int) -> HttpResponse:
    return redirect("care:circle_detail", slug=_member(request).network.slug, circle_id=circle_id)


def _done_or_error(request: HttpRequest, circle_id: int, action: object) -> HttpResponse:
    try:
        action()  # type: ignore[operator]
    except NotFound as err:
        raise Http404 from err
    except DomainError as err:
        messages.error(request, err.message)
    return _to_circle(request, circle_id)


@require_GET
@member_page
def circle_list(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    mine = {
        m.circle_id: m
        for m in CircleMembership.objects.filter(member=member).only("circle_id", "state")
    }
    circles = [(c, mine.get(c.pk)) for c in selectors.circles_visible(member=member)]
    return render(request, "care/circle_list.html", {"circles": circles})


@member_page
def circle_create(request: HttpRequest) -> HttpResponse:
    form = CircleForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            circle = services.circle_create(actor=_member(request), **form.cleaned_data)
        except DomainError as err:
            form.add_error(None, err.message)
            status = err.status
        else:
            return _to_circle(request, circle.pk)
    elif request.method == "POST":
        status = 400
    return render(request, "care/circle_form.html", {"form": form}, status=status)


@require_GET
@member_page
def circle_detail(request: HttpRequest, circle_id: int) -> HttpResponse:
    member = _member(request)
    try:
        circle = selectors.access_circle(member, circle_id)
    except NotFound as err:
        raise Http404 from err
    own = selectors.membership_of(member=member, circle=circle)
    if own is not None and not selectors.circle_opens_to(member, circle):
        raise Http404
    context: dict[str, object] = {
        "circle": circle,
        "own": own,
        "crisis": selectors.crisis_resources(network=circle.network),
    }
    if own is None or own.state != CircleMembership.State.ACTIVE:
        return render(request, "care/circle_outside.html", context)
    agreement = selectors.agreement_current(circle=circle)
    context |= {
        "agreement": agreement,
        "agreed": agreement is not None and own.agreed_version == agreement.version,
        "threads": selectors.threads_searched(membership=own, query=request.GET.get("q", "")[:200])[
            :100
        ],
        "query": request.GET.get("q", "")[:200],
        "roster": selectors.circle_roster(circle=circle),
        "small_circle": selectors.circle_is_small(circle=circle),
        "pending": selectors.pending_memberships(membership=own),
        "paused": selectors.paused_memberships(membership=own),
        "flags": selectors.open_flags(membership=own),
        "invite_form": InviteForm(members=selectors.invitable_members(circle=circle)),
        "post_form": PostForm(),
        "reactions": ReactionForm.base_fields["kind"].choices,  # type: ignore[attr-defined]
    }
    return render(request, "care/circle_detail.html", context)


@require_GET
@member_page
def circle_log(request: HttpRequest, circle_id: int) -> HttpResponse:
    try:
        own = selectors.access_membership(_member(request), circle_id)
    except NotFound as err:
        raise Http404 from err
    entries = selectors.circle_log(circle=own.circle)[:200]
    return render(request, "care/circle_log.html", {"circle": own.circle, "entries": entries})


@require_POST
@member_page
def circle_join(request: HttpRequest, circle_id: int) -> HttpResponse:
    member = _member(request)
    try:
        circle = selectors.access_circle(member, circle_id)
    except NotFound as err:
        raise Http404 from err

    def act() -> None:
        services.membership_request(actor=member, circle=circle)
        messages.success(request, _("You asked to join. A facilitator will answer."))

    return _done_or_error(request, circle_id, act)


@require_POST
@member_page
def agreement_accept(request: HttpRequest, circle_id: int) -> HttpResponse:
    member = _member(request)
    own = _own(member, circle_id)
    form = AgreementForm(request.POST)
    version = form.cleaned_data["version"] if form.is_valid() else 0
    return _done_or_error(
        request,
        circle_id,
        lambda: services.agreement_accept(actor=member, circle=own.circle, version=version),
    )


def _own(member: Member, circle_id: int) -> CircleMembership:
    try:
        return selectors.access_membership(member, circle_id)
    except NotFound as err:
        raise Http404 from err


@require_POST
@member_page
def post_create(request: HttpRequest, circle_id: int) -> HttpResponse:
    member = _member(request)
    own = _own(member, circle_id)
    form = PostForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please write something to share."))
        return _to_circle(request, circle_id)
    return _done_or_error(
        request,
        circle_id,
        lambda: services.post_create(actor=member, circle=own.circle, **form.cleaned_data),
    )


def _post_action(
    request: HttpRequest, circle_id: int, post_id: int, form_class, act
) -> HttpResponse:  # type: ignore[no-untyped-def]
    member = _member(request)
    own = _own(member, circle_id)
    try:
        post = selectors.access_post(own, post_id)
    except NotFound as err:
        raise Http404 from err
    post.circle = own.circle
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please check what you entered."))
        return _to_circle(request, circle_id)
    return _done_or_error(request, circle_id, lambda: act(member, post, form.cleaned_data))


@require_POST
@member_page
def post_reply(request: HttpRequest, circle_id: int, post_id: int) -> HttpResponse:
    return _post_action(
        request,
        circle_id,
        post_id,
        ReplyForm,
        lambda m, p, d: services.reply_create(actor=m, post=p, **d),
    )


@require_POST
@member_page
def post_react(request: HttpRequest, circle_id: int, post_id: int) -> HttpResponse:
    return _post_action(
        request,
        circle_id,
        post_id,
        ReactionForm,
        lambda m, p, d: services.reaction_toggle(actor=m, post=p, kind=d["kind"]),
    )


@require_POST
@member_page
def post_flag(request: HttpRequest, circle_id: int, post_id: int) -> HttpResponse:
    def act(m: Member, p: object, d: dict[str, str]) -> None:
        services.post_flag(actor=m, post=p, reason=d["reason"])  # type: ignore[arg-type]
        messages.success(request, _("Thank you. The circle's facilitators will look at it."))

    return _post_action(request, circle_id, post_id, ReasonForm, act)


@require_POST
@member_page
def post_hide(request: HttpRequest, circle_id: int, post_id: int) -> HttpResponse:
    return _post_action(
        request,
        circle_id,
        post_id,
        ReasonForm,
        lambda m, p, d: services.post_hide(actor=m, post=p, reason=d["reason"]),
    )


MEMBERSHIP_STEPS = {
    "accept": lambda m, ms, reason: services.membership_accept(actor=m, membership=ms),
    "pause": lambda m, ms, reason: services.membership_pause(actor=m, membership=ms, reason=reason),
    "resume": lambda m, ms, reason: services.membership_resume(actor=m, membership=ms),
    "remove": lambda m, ms, reason: services.membership_remove(
        actor=m, membership=ms, reason=reason
    ),
}


MEMBERSHIP_DONE = {
    "accept": _lazy("Welcomed. They accept the agreement before they post."),
    "pause": _lazy("Paused. The circle log shows the reason, without a name."),
    "resume": _lazy("Welcomed back."),
    "remove": _lazy("Removed. The circle log shows the reason, without a name."),
}


@require_POST
@member_page
def membership_step(
    request: HttpRequest, circle_id: int, membership_id: int, action: str
) -> HttpResponse:
    """A facilitator welcomes, pauses, welcomes back or removes a member (services check)."""
    member = _member(request)
    own = _own(member, circle_id)
    step = MEMBERSHIP_STEPS.get(action)
    if step is None:
        raise Http404
    try:
        target = selectors.access_circle_membership(own, membership_id)
    except NotFound as err:
        raise Http404 from err
    reason = str(request.POST.get("reason", ""))[:500]

    def act() -> None:
        step(member, target, reason)
        messages.success(request, str(MEMBERSHIP_DONE[action]))

    return _done_or_error(request, circle_id, act)


@require_POST
@member_page
def circle_invite(request: HttpRequest, circle_id: int) -> HttpResponse:
    """A member of the circle invites someone from the network; a facilitator welcomes them."""
    member = _member(request)
    own = _own(member, circle_id)
    form = InviteForm(request.POST, members=selectors.invitable_members(circle=own.circle))
    if not form.is_valid():
        messages.error(request, _("Choose someone from the list to invite."))
        return _to_circle(request, circle_id)
    invited = form.cleaned_data["member"]

    def act() -> None:
        services.membership_invite(actor=member, circle=own.circle, member=invited)
        messages.success(request, _("Invited. A facilitator will welcome them."))

    return _done_or_error(request, circle_id, act)


@require_POST
@member_page
def membership_willing(request: HttpRequest, circle_id: int) -> HttpResponse:
    """Whether I am willing to take the facilitator role when it is handed on."""
    member = _member(request)
    own = _own(member, circle_id)
    form = WillingForm(request.POST)
    if not form.is_valid():
        raise Http404
    willing = form.cleaned_data["willing"]

    def act() -> None:
        services.membership_set_willing(actor=member, circle=own.circle, willing=willing)
        if willing:
            messages.success(request, _("Thank you. The role may come to you when it rotates."))
        else:
            messages.success(request, _("Noted. The role will not be handed to you."))

    return _done_or_error(request, circle_id, act)


@require_POST
@member_page
def circle_leave(request: HttpRequest, circle_id: int) -> HttpResponse:
    """Leave the circle, withdraw a request or decline an invitation. Posts stay under the
    pseudonym until they expire."""
    member = _member(request)
    try:
        own = selectors.access_own_membership(member, circle_id)
    except NotFound as err:
        raise Http404 from err
    was_active = own.state == CircleMembership.State.ACTIVE
    try:
        services.membership_remove(actor=member, membership=own)
    except DomainError as err:
        messages.error(request, err.message)
        return _to_circle(request, circle_id)
    if was_active:
        messages.success(request, _("You left the circle. Take care."))
    else:
        messages.success(request, _("Done. You are not joining this circle."))
    return redirect("care:circle_list", slug=member.network.slug)


@member_page
def circle_settings(request: HttpRequest, circle_id: int) -> HttpResponse:
    """A facilitator changes the circle's name, purpose, retention and rotation."""
    member = _member(request)
    own = _own(member, circle_id)
    if not own.is_facilitator:
        raise Http404
    circle = own.circle
    initial = {
        "name": circle.name,
        "description": circle.description,
        "retention_days": circle.retention_days,
        "rotation_days": circle.rotation_days,
    }
    form = CircleSettingsForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.circle_update(actor=member, circle=circle, **form.cleaned_data)
        except DomainError as err:
            form.add_error(None, err.message)
            status = err.status
        else:
            messages.success(request, _("The circle's settings are saved."))
            return _to_circle(request, circle_id)
    elif request.method == "POST":
        status = 400
    context = {"form": form, "circle": circle}
    return render(request, "care/circle_settings.html", context, status=status)


@require_POST
@member_page
def agreement_revise(request: HttpRequest, circle_id: int) -> HttpResponse:
    """A facilitator writes a new version of the agreement; everyone accepts it again."""
    member = _member(request)
    own = _own(member, circle_id)
    text = str(request.POST.get("text", ""))
    return _done_or_error(
        request,
        circle_id,
        lambda: services.agreement_revise(actor=member, circle=own.circle, text=text),
    )


@require_GET
@network_page
def crisis(request: HttpRequest) -> HttpResponse:
    """The network's crisis lines: open to everyone, signed in or not."""
    network = request.network  # type: ignore[attr-defined]
    resources = selectors.crisis_resources(network=network)
    return render(request, "care/crisis.html", {"resources": resources, "network": network})


@require_GET
def crisis_general(request: HttpRequest) -> HttpResponse:
    """When no network is known: general advice to call local emergency services."""
    return render(request, "care/crisis.html", {"resources": [], "network": None})
