"""Text messages: the member's settings page, and the webhook the SMS gateway posts to."""

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from mutualaid.core.pages import form_action, page_action
from mutualaid.core.sms import sms_available, sms_signature_valid, twiml_reply
from mutualaid.networks.decorators import member_page
from mutualaid.networks.requests import MemberRequest
from mutualaid.sms.forms import CodeForm, PhoneForm
from mutualaid.sms.selectors import phone_of
from mutualaid.sms.services import phones
from mutualaid.sms.services.inbound import sms_receive
from mutualaid.sms.services.replies import commands_text


def _settings_url(request: MemberRequest) -> str:
    return reverse("sms:settings", kwargs={"slug": request.network.slug})


def _render(
    request: MemberRequest, *, phone_form: PhoneForm, code_form: CodeForm, status: int = 200
) -> HttpResponse:
    number = getattr(request.network, "sms_number", None)
    context = {
        "network": request.network,
        "phone": phone_of(member=request.member),
        "phone_form": phone_form,
        "code_form": code_form,
        "network_number": number.number if number is not None else "",
        "commands": commands_text(),
        "sms_available": sms_available(),
    }
    return render(request, "sms/settings.html", context, status=status)


@never_cache
@member_page
def sms_settings(request: MemberRequest) -> HttpResponse:
    """Add a number (a code is texted to it), enter the code, see whether texts are on."""
    form = PhoneForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        outcome = form_action(
            form,
            lambda: phones.sms_phone_add(actor=request.member, number=form.cleaned_data["number"]),
        )
        if outcome.ok:
            messages.success(request, _("We texted you a code. Enter it below."))
            return redirect(_settings_url(request))
        return _render(request, phone_form=form, code_form=CodeForm(), status=outcome.status)
    return _render(
        request, phone_form=form, code_form=CodeForm(), status=400 if form.errors else 200
    )


@require_POST
@member_page
def sms_confirm(request: MemberRequest) -> HttpResponse:
    form = CodeForm(request.POST)
    if form.is_valid():
        outcome = form_action(
            form,
            lambda: phones.sms_phone_confirm(actor=request.member, code=form.cleaned_data["code"]),
        )
        if outcome.ok:
            messages.success(request, _("Your number is verified. You can now use text messages."))
            return redirect(_settings_url(request))
        return _render(request, phone_form=PhoneForm(), code_form=form, status=outcome.status)
    return _render(request, phone_form=PhoneForm(), code_form=form, status=400)


@require_POST
@member_page
def sms_resend(request: MemberRequest) -> HttpResponse:
    return page_action(
        request,
        lambda: phones.sms_phone_resend_code(actor=request.member),
        then=_settings_url(request),
        done=_("We texted you a new code."),
    )


@require_POST
@member_page
def sms_remove(request: MemberRequest) -> HttpResponse:
    return page_action(
        request,
        lambda: phones.sms_phone_remove(actor=request.member),
        then=_settings_url(request),
        done=_("Your number is removed. We will send you no more texts."),
    )


# --- The gateway's webhook --------------------------------------------------------------------


@csrf_exempt
@require_POST
def sms_inbound(request: HttpRequest) -> HttpResponse:
    """POST /sms/inbound, form-encoded as Twilio sends it (From, To, Body, MessageSid), signed
    in X-Twilio-Signature over the address given to the gateway (MUTUALAID_SITE_URL + path)."""
    params = {key: request.POST.get(key, "") for key in request.POST}
    if not settings.MUTUALAID_SMS_SKIP_SIGNATURE:
        url = settings.SITE_URL + request.get_full_path()
        signature = request.headers.get("X-Twilio-Signature", "")
        if not sms_signature_valid(url, params, signature):
            return HttpResponseForbidden("bad signature")
    if not params.get("From") or not params.get("MessageSid"):
        return HttpResponseBadRequest("From and MessageSid are required")
    reply = sms_receive(
        from_number=params["From"],
        to_number=params.get("To", ""),
        body=params.get("Body", ""),
        message_sid=params["MessageSid"],
    )
    return HttpResponse(twiml_reply(reply), content_type="text/xml; charset=utf-8")
