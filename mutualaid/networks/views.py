"""The network pages. Each view parses a form, fetches, calls one service and renders."""

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from mutualaid.core.errors import DomainError, NotFound
from mutualaid.core.pages import form_action, page_action
from mutualaid.membership import services as membership
from mutualaid.needs.models import Need
from mutualaid.needs.selectors import matches_of_member, needs_of_member
from mutualaid.networks import services
from mutualaid.networks.decorators import member_page, network_page
from mutualaid.networks.forms import (
    ApplyForm,
    JoinForm,
    ProfileForm,
    SettingsForm,
    TokenForm,
    VoteForm,
)
from mutualaid.networks.models import Application, ApplicationVote, Member, Network
from mutualaid.networks.permissions import can
from mutualaid.networks.requests import MemberRequest, NetworkRequest
from mutualaid.networks.selectors import (
    access_api_token,
    access_application,
    api_tokens_of,
    application_actions,
    application_of,
    applications_pending,
    approvals_needed_now,
    invitation_is_current,
    memberships_of,
    neighbourhoods_of,
    network_public_counts,
    networks_public,
    skills_of,
)


def _user(request: HttpRequest) -> User:
    """The signed-in user, on pages behind `login_required`."""
    return cast(User, request.user)


def _posted(request: HttpRequest) -> Any:
    """The submitted data on a POST (even when empty, so it is judged), else None."""
    return request.POST if request.method == "POST" else None


def _require_organiser(request: NetworkRequest) -> Member:
    """The organiser asking, or the same 404 a missing page gives."""
    member = request.member
    if member is None or not can(member, "network.manage", request.network):
        raise NotFound()
    return member


def _invite_url(request: HttpRequest, network: Network) -> str:
    path = reverse("networks:join", kwargs={"slug": network.slug, "code": network.invite_code})
    return request.build_absolute_uri(path)


# --- The public page, joining and applying -----------------------------------------------


def home(request: HttpRequest) -> HttpResponse:
    """Signed-in members go to their network; everyone else sees the networks here."""
    if request.user.is_authenticated:
        memberships = list(memberships_of(request.user))
        if len(memberships) == 1:
            return redirect("networks:dashboard", slug=memberships[0].network.slug)
        networks = [] if memberships else networks_public()  # someone new may apply to one
        return render(request, "core/home.html", {"memberships": memberships, "networks": networks})
    return render(request, "core/home.html", {"memberships": [], "networks": networks_public()})


@network_page
def network_public(request: NetworkRequest) -> HttpResponse:
    network = request.network
    member = request.member
    context = {
        "network": network,
        "counts": network_public_counts(network=network),
        "application": application_of(request.user, network)
        if member is None and request.user.is_authenticated
        else None,
    }
    return render(request, "networks/public.html", context)


@network_page
def join_by_invitation(request: NetworkRequest, code: str) -> HttpResponse:
    network = request.network
    if not invitation_is_current(network=network, code=code):
        context = {"network": network}
        return render(request, "networks/join_invalid.html", context, status=403)
    if not request.user.is_authenticated:
        return render(request, "networks/join_welcome.html", {"network": network})
    if request.member is not None and request.method != "POST":
        messages.info(request, _("You are already a member of this network."))
        return redirect("networks:dashboard", slug=network.slug)
    form = JoinForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        outcome = form_action(
            form,
            lambda: membership.member_join_by_invitation(
                user=_user(request),
                network=network,
                invite_code=code,
                display_name=form.cleaned_data["display_name"],
            ),
        )
        if not outcome.ok:
            return _render_join(request, form, status=outcome.status)
        messages.success(
            request, _("Welcome! Finish your profile so neighbours know how you can help.")
        )
        return redirect("networks:profile", slug=network.slug)
    return _render_join(request, form, status=400 if form.errors else 200)


def _render_join(request: NetworkRequest, form: JoinForm, *, status: int) -> HttpResponse:
    context = {"network": request.network, "form": form}
    return render(request, "networks/join.html", context, status=status)


@login_required
@network_page
def apply(request: NetworkRequest) -> HttpResponse:
    network = request.network
    if request.member is not None and request.method != "POST":
        messages.info(request, _("You are already a member of this network."))
        return redirect("networks:dashboard", slug=network.slug)
    form = ApplyForm(_posted(request), questions=network.application_questions)
    if request.method == "POST" and form.is_valid():
        outcome = form_action(
            form,
            lambda: services.application_submit(
                user=_user(request),
                network=network,
                display_name=form.cleaned_data["display_name"],
                answers=form.answers(),
            ),
        )
        if not outcome.ok:
            return _render_apply(request, form, status=outcome.status)
        messages.success(request, _("Thank you. Members will look at your application soon."))
        return redirect("networks:public", slug=network.slug)
    return _render_apply(request, form, status=400 if form.errors else 200)


def _render_apply(request: NetworkRequest, form: ApplyForm, *, status: int) -> HttpResponse:
    network = request.network
    context = {
        "network": network,
        "form": form,
        "application": application_of(_user(request), network),
    }
    return render(request, "networks/apply.html", context, status=status)


# --- Applications: members approve or decline ----------------------------------------------


def _application_rows(member: Member) -> list[dict[str, Any]]:
    rows = []
    for application in applications_pending(member=member):
        votes = list(application.votes.all())
        rows.append(
            {
                "application": application,
                "approvals": sum(v.decision == ApplicationVote.Decision.APPROVE for v in votes),
                "declines": sum(v.decision == ApplicationVote.Decision.DECLINE for v in votes),
                "my_vote": next((v for v in votes if v.voter_id == member.pk), None),
                "actions": application_actions(member, application),
            }
        )
    return rows


def _render_applications(
    request: MemberRequest, *, error: str = "", status: int = 200
) -> HttpResponse:
    context = {
        "network": request.network,
        "rows": _application_rows(request.member),
        "approvals_needed": approvals_needed_now(request.network),
        "error": error,
    }
    return render(request, "networks/applications.html", context, status=status)


@member_page
def applications_list(request: MemberRequest) -> HttpResponse:
    return _render_applications(request)


@require_POST
@member_page
def application_vote(request: MemberRequest, application_id: int) -> HttpResponse:
    member = request.member
    application = access_application(member, application_id)
    form = VoteForm(_posted(request))
    if not form.is_valid():
        return _render_applications(request, error=_("Choose approve or decline."), status=400)
    outcome = form_action(
        form,
        lambda: membership.application_vote(
            actor=member, application=application, decision=form.cleaned_data["decision"]
        ),
    )
    if outcome.value is None:  # refused: the reason is on top of the page
        return _render_applications(request, error=_first_error(form), status=outcome.status)
    application = outcome.value
    if application.status == Application.Status.APPROVED:
        text = _("%(name)s is now a member.") % {"name": application.display_name}
    elif application.status == Application.Status.DECLINED:
        text = _("The application from %(name)s was declined.") % {"name": application.display_name}
    else:
        text = _("Thank you, your answer is recorded.")
    messages.success(request, text)
    return redirect("networks:applications", slug=request.network.slug)


def _first_error(form: VoteForm) -> str:
    return str(form.non_field_errors()[0]) if form.non_field_errors() else ""


# --- The member's home ---------------------------------------------------------------------


@member_page
def dashboard(request: MemberRequest) -> HttpResponse:
    network = request.network
    member = request.member
    is_organiser = can(member, "network.manage", network)
    context = {
        "network": network,
        "needs": needs_of_member(member=member).filter(
            status__in=(Need.Status.OPEN, Need.Status.MATCHED)
        )[:20],
        "matches": matches_of_member(member=member, live_only=True)[:20],
        "pending_applications": applications_pending(member=member).count(),
        "is_organiser": is_organiser,
        "invite_url": _invite_url(request, network) if is_organiser else "",
    }
    return render(request, "networks/dashboard.html", context)


# --- The member's profile ------------------------------------------------------------------


@never_cache
@member_page
def profile_edit(request: MemberRequest) -> HttpResponse:
    network = request.network
    member = request.member
    form = ProfileForm(
        _posted(request),
        initial=ProfileForm.initial_for(member),
        network=network,
        skills=skills_of(network=network),
        neighbourhoods=neighbourhoods_of(network=network),
    )
    if request.method == "POST" and form.is_valid():
        outcome = form_action(
            form,
            lambda: services.member_update_profile(
                actor=member, member=member, **form.service_kwargs()
            ),
        )
        if not outcome.ok:
            member.refresh_from_db()
            return _render_profile(request, form, status=outcome.status)
        messages.success(request, _("Your profile is saved."))
        return redirect("networks:profile", slug=network.slug)
    return _render_profile(request, form, status=400 if form.errors else 200)


def _render_profile(request: MemberRequest, form: ProfileForm, *, status: int) -> HttpResponse:
    context = {"network": request.network, "form": form}
    return render(request, "networks/profile.html", context, status=status)


# --- Organisers: settings and the invitation link ------------------------------------------


@login_required
@network_page
def network_settings(request: NetworkRequest) -> HttpResponse:
    network = request.network
    organiser = _require_organiser(request)
    form = SettingsForm(_posted(request), initial=SettingsForm.initial_for(network))
    if request.method == "POST" and form.is_valid():
        outcome = form_action(
            form,
            lambda: services.network_update_settings(
                actor=organiser, network=network, **form.cleaned_data
            ),
        )
        if not outcome.ok:
            network.refresh_from_db()
            return _render_settings(request, form, status=outcome.status)
        messages.success(request, _("The network's settings are saved."))
        return redirect("networks:settings", slug=network.slug)
    return _render_settings(request, form, status=400 if form.errors else 200)


def _render_settings(request: NetworkRequest, form: SettingsForm, *, status: int) -> HttpResponse:
    network = request.network
    context = {"network": network, "form": form, "invite_url": _invite_url(request, network)}
    return render(request, "networks/settings.html", context, status=status)


@require_POST
@login_required
@network_page
def invite_rotate(request: NetworkRequest) -> HttpResponse:
    network = request.network
    organiser = _require_organiser(request)
    services.network_rotate_invite(actor=organiser, network=network)
    messages.success(request, _("There is a new invitation link. The old one no longer works."))
    return redirect("networks:settings", slug=network.slug)


# --- API tokens ----------------------------------------------------------------------------


@never_cache
@member_page
def tokens(request: MemberRequest) -> HttpResponse:
    member = request.member
    form = TokenForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        outcome = form_action(
            form, lambda: services.api_token_create(actor=member, name=form.cleaned_data["name"])
        )
        if outcome.value is None:
            return _render_tokens(request, form, status=outcome.status)
        token, secret = outcome.value
        # The secret is shown on this response only, never stored in the session or redirected.
        return _render_tokens(request, TokenForm(), new_token=token, secret=secret, status=200)
    return _render_tokens(request, form, status=400 if form.errors else 200)


def _render_tokens(
    request: MemberRequest, form: TokenForm, *, status: int, **extra: Any
) -> HttpResponse:
    tokens_held = api_tokens_of(member=request.member)
    context = {"network": request.network, "form": form, "tokens": tokens_held}
    return render(request, "networks/tokens.html", context | extra, status=status)


@require_POST
@member_page
def token_revoke(request: MemberRequest, token_id: int) -> HttpResponse:
    member = request.member
    token = access_api_token(member, token_id)
    services.api_token_revoke(actor=member, token=token)
    messages.success(request, _("The token %(name)s is revoked.") % {"name": token.name})
    return redirect("networks:tokens", slug=request.network.slug)


# --- Leaving --------------------------------------------------------------------------------


@never_cache
@member_page
def network_leave(request: MemberRequest) -> HttpResponse:
    """Leave this network: the page says what goes and what stays; its button posts."""
    network = request.network
    if request.method != "POST":
        founding = request.member.role == Member.Role.FOUNDING_ORGANISER
        context = {"network": network, "founding_organiser": founding}
        return render(request, "networks/leave.html", context)
    return page_action(
        request,
        lambda: membership.member_leave_by_choice(actor=request.member),
        then=reverse("networks:public", kwargs={"slug": network.slug}),
        done=_("You have left %(network)s. Your account and your other networks stay.")
        % {"network": network.name},
    )


# --- Activity: "I'm back" and "I'm still here" ----------------------------------------------


@require_POST
@member_page
def member_back(request: MemberRequest) -> HttpResponse:
    membership.member_back(actor=request.member)
    messages.success(request, _("Welcome back! You count as an active member again."))
    return redirect("networks:dashboard", slug=request.network.slug)


@never_cache
@network_page
def still_here(request: NetworkRequest, token: str) -> HttpResponse:
    """The link in the "are you still here?" email. Opening it changes nothing (mail scanners
    open links too); the one button on it answers, without signing in."""
    network = request.network
    if request.method == "POST":
        try:
            membership.member_still_here(network=network, token=token)
        except DomainError as err:  # no form on this page: the reason is shown in its place
            context = {"network": network, "error": err.message}
            return render(request, "networks/still_here.html", context, status=err.status)
        context = {"network": network, "done": True}
        return render(request, "networks/still_here.html", context)
    return render(request, "networks/still_here.html", {"network": network})
