"""The "Text messages (SMS)" settings page: add a number, enter the code, remove it."""

from unittest import mock

from django.urls import reverse

from mutualaid.sms.models import SmsPhone
from tests.conftest import client_for
from tests.sms.conftest import verified_phone


def _url(member, name="sms:settings"):
    return reverse(name, kwargs={"slug": member.network.slug})


def test_a_member_adds_a_number_enters_the_code_and_is_verified(requester):
    client = client_for(requester)
    with mock.patch("mutualaid.sms.services.phones.notice_send") as send:
        response = client.post(_url(requester), {"number": "510 555 0123"})
    assert response.status_code == 302
    code = send.call_args.kwargs["code"]
    page = client.get(_url(requester)).content.decode()
    assert "Enter the code" in page
    response = client.post(_url(requester, "sms:confirm"), {"code": code}, follow=True)
    assert "verified" in response.content.decode()
    assert SmsPhone.objects.get(member=requester).verified_at is not None


def test_a_wrong_code_is_shown_on_the_form(requester):
    client = client_for(requester)
    with mock.patch("mutualaid.sms.services.phones.notice_send"):
        client.post(_url(requester), {"number": "+15105550123"})
    response = client.post(_url(requester, "sms:confirm"), {"code": "abc"})
    assert response.status_code == 400
    assert "not right" in response.content.decode()


def test_an_opted_out_number_is_shown_and_can_be_removed(requester):
    phone = verified_phone(requester, "+15105550123")
    SmsPhone.objects.filter(pk=phone.pk).update(opted_out_at=phone.verified_at)
    client = client_for(requester)
    assert "You texted STOP" in client.get(_url(requester)).content.decode()
    client.post(_url(requester, "sms:remove"))
    assert not SmsPhone.objects.filter(member=requester).exists()


def test_the_page_works_in_spanish(requester):
    client = client_for(requester)
    page = client.get(_url(requester), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Mensajes de texto (SMS)" in page


def test_the_profile_links_to_it(requester):
    page = client_for(requester).get(
        reverse("networks:profile", kwargs={"slug": requester.network.slug})
    )
    assert _url(requester) in page.content.decode()
