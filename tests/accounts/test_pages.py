"""A person's own account pages: their data, deleting it, and allauth's pages in our layout."""

import json
import re

import pytest
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from mutualaid.needs.models import AnonymousTally, Need
from mutualaid.networks.models import Member
from tests.conftest import SECRET_ADDRESS, SECRET_PHONE, client_for
from tests.factories import MemberFactory, NeedFactory, UserFactory
from tests.networks.test_pages import assert_accessible_structure

User = get_user_model()
ACCOUNT_PAGES = ["data_export", "data_download", "account_delete"]


def client_for_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def body(response) -> str:
    return response.content.decode()


@pytest.mark.parametrize("name", ACCOUNT_PAGES)
def test_a_visitor_is_asked_to_sign_in_for_every_account_page(db, name):
    response = Client().get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login") + "?next=")


@pytest.mark.parametrize("name", ACCOUNT_PAGES)
def test_account_pages_are_never_cached(requester, name):
    response = client_for(requester).get(reverse(name))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


# --- Seeing and downloading my data ---


def test_the_data_page_shows_my_own_data_and_nobody_elses(requester, need, helper):
    requester.phone = SECRET_PHONE
    requester.save()
    NeedFactory(requester=helper, description="Hugo's own need")
    response = client_for(requester).get(reverse("data_export"))
    text = body(response)
    assert requester.user.email in text
    assert need.description in text
    assert SECRET_ADDRESS in text
    assert SECRET_PHONE in text
    assert "Hugo" not in text
    assert reverse("data_download") in text
    assert_accessible_structure(text)


def test_the_download_is_a_json_attachment_of_my_own_data(requester, need, helper):
    NeedFactory(requester=helper, description="Hugo's own need")
    response = client_for(requester).get(reverse("data_download"))
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith('attachment; filename="mutualaid-data-')
    data = json.loads(response.content)
    assert data["account"]["email"] == requester.user.email
    [membership] = data["memberships"]
    assert membership["display_name"] == "Rosa"
    assert [n["description"] for n in membership["needs"]] == [need.description]
    assert membership["needs"][0]["address"] == SECRET_ADDRESS
    assert "Hugo" not in response.content.decode()


# --- Deleting my account ---


def test_the_delete_page_explains_what_goes_and_what_stays(requester):
    response = client_for(requester).get(reverse("account_delete"))
    text = body(response)
    assert "What is removed" in text
    assert "Anonymous counts" in text
    assert requester.network.name in text
    assert "Type DELETE to confirm" in text
    assert_accessible_structure(text)


def test_deleting_removes_me_and_my_needs_but_keeps_anonymous_counts(
    requester, need, mailoutbox, django_capture_on_commit_callbacks
):
    client = client_for(requester)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_delete"), {"confirm": "DELETE"})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert not User.objects.filter(pk=requester.user_id).exists()
    assert not Member.objects.filter(pk=requester.pk).exists()
    assert not Need.objects.filter(pk=need.pk).exists()
    tally = AnonymousTally.objects.get(network=requester.network, category_slug="groceries")
    assert tally.needs_asked == 1
    home = client.get(response["Location"])
    assert "Your account and your personal data are deleted" in body(home)
    assert client.get(reverse("data_export")).status_code == 302  # signed out


def test_the_typed_word_is_case_insensitive(requester):
    response = client_for(requester).post(reverse("account_delete"), {"confirm": " delete "})
    assert response.status_code == 302
    assert not User.objects.filter(pk=requester.user_id).exists()


@pytest.mark.parametrize("data", [{}, {"confirm": "yes"}, {"confirm": "x" * 100_000}])
def test_deleting_without_typing_the_word_deletes_nothing(requester, need, data):
    users, needs = User.objects.count(), Need.objects.count()
    response = client_for(requester).post(reverse("account_delete"), data)
    assert response.status_code == 400
    assert "That was not saved" in body(response)
    assert (User.objects.count(), Need.objects.count()) == (users, needs)
    assert AnonymousTally.objects.count() == 0


def test_a_member_of_another_network_deletes_only_their_own_account(requester, outsider):
    client_for(outsider).post(reverse("account_delete"), {"confirm": "DELETE"})
    assert Member.objects.filter(pk=requester.pk).exists()
    assert not Member.objects.filter(pk=outsider.pk).exists()


# --- allauth's pages, in our layout ---


def assert_our_layout(response) -> str:
    text = body(response)
    assert response.status_code == 200
    assert "mutualaid/site.css" in text
    assert '<main id="main">' in text
    assert "No fees, ever." in text
    assert_accessible_structure(text)
    return text


@pytest.mark.parametrize("name", ["account_login", "account_signup", "account_reset_password"])
def test_sign_in_sign_up_and_password_reset_use_our_layout(db, name):
    assert_our_layout(Client().get(reverse(name)))


def test_signing_up_then_confirming_the_email_works_in_our_layout(db, mailoutbox):
    client = Client()
    response = client.post(
        reverse("account_signup"),
        {
            "email": "new@example.org",
            "password1": "a long enough passphrase 42",
            "password2": "a long enough passphrase 42",
        },
    )
    assert response.status_code == 302
    assert_our_layout(client.get(response["Location"]))
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mailoutbox[0].body)[0]
    confirm = client.get(link)
    text = assert_our_layout(confirm)
    assert "Confirm" in text
    response = client.post(link)
    assert response.status_code == 302
    assert EmailAddress.objects.get(email="new@example.org").verified


def test_signing_up_from_an_invitation_comes_back_to_it_after_confirming(network, mailoutbox):
    join = reverse("networks:join", kwargs={"slug": network.slug, "code": network.invite_code})
    client = Client()
    signup = client.get(reverse("account_signup"), {"next": join})
    assert f'name="next" value="{join}"' in body(signup)
    client.post(
        reverse("account_signup"),
        {
            "email": "invited@example.org",
            "password1": "a long enough passphrase 42",
            "password2": "a long enough passphrase 42",
            "next": join,
        },
    )
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mailoutbox[0].body)[0]
    response = client.post(link)
    assert response["Location"] == join
    assert client.post(join, {"display_name": "Ina"}).status_code == 302
    assert Member.objects.filter(network=network, user__email="invited@example.org").exists()


def test_the_email_confirmation_page_renders_for_a_key(db):
    user = UserFactory()
    address = EmailAddress.objects.get(user=user)
    address.verified = False
    address.save()
    key = EmailConfirmationHMAC(address).key
    assert_our_layout(Client().get(reverse("account_confirm_email", args=[key])))


def test_turning_on_an_authenticator_app_uses_our_layout(requester):
    client = client_for(requester)
    assert_our_layout(client.get(reverse("mfa_index")))
    # allauth asks for the password again before changing two-step sign-in.
    response = client.get(reverse("mfa_activate_totp"))
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert_our_layout(client.get(response["Location"]))
    response = client.post(response["Location"], {"password": "correct horse battery"}, follow=True)
    text = assert_our_layout(response)
    assert "Activate Authenticator App" in text
    assert 'name="code"' in text
    assert 'src="data:image/svg+xml;base64,' in text


def test_a_signed_in_member_reaches_the_email_and_password_pages(requester):
    client = client_for(requester)
    assert_our_layout(client.get(reverse("account_email")))
    assert_our_layout(client.get(reverse("account_change_password")))


def test_the_start_page_offers_signing_up_and_lists_networks(network):
    text = assert_our_layout(Client().get(reverse("home")))
    assert reverse("account_signup") in text
    assert network.name in text


def test_a_signed_in_person_without_a_network_sees_networks_to_apply_to(network):
    text = assert_our_layout(client_for_user(UserFactory()).get(reverse("home")))
    assert reverse("networks:public", kwargs={"slug": network.slug}) in text


def test_the_start_page_lists_a_members_networks(requester, outsider):
    MemberFactory(user=requester.user, network=outsider.network)
    text = assert_our_layout(client_for(requester).get(reverse("home")))
    assert requester.network.name in text
    assert outsider.network.name in text
