"""Amounts follow the currency's minor unit: JPY has no decimals, USD two, KWD three."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from mutualaid.fund import selectors
from mutualaid.fund.forms import ContributionForm, RequestForm
from mutualaid.fund.models import FundRequest
from mutualaid.fund.money import exponent, money_text, to_major, to_minor
from mutualaid.fund.services.accounts import fund_account
from mutualaid.fund.services.reconcile import statement_parse
from tests.api.conftest import ApiClient
from tests.conftest import client_for
from tests.fund.conftest import fill, set_policy


def test_the_exponent_table():
    assert (exponent("JPY"), exponent("USD"), exponent("KWD"), exponent("EUR")) == (0, 2, 3, 2)
    assert to_minor(Decimal("1850"), "JPY") == 1850
    assert to_minor(Decimal("18.50"), "USD") == 1850
    assert to_minor(Decimal("1.850"), "KWD") == 1850
    with pytest.raises(ValueError, match="decimals"):
        to_minor(Decimal("18.5"), "JPY")
    assert to_major(1850, "JPY") == Decimal(1850)
    assert money_text(1850, "JPY") == "1850 JPY"
    assert money_text(1850, "USD") == "18.50 USD"
    assert money_text(1850, "KWD") == "1.850 KWD"


def test_forms_take_yen_without_decimals():
    form = RequestForm({"kind": "direct_aid", "category": "rent", "amount": "1850"}, currency="JPY")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["amount"] == 1850
    cents = RequestForm({"kind": "direct_aid", "category": "rent", "amount": "18.50"})
    assert cents.is_valid()
    assert cents.cleaned_data["amount"] == 1850
    bad = RequestForm({"kind": "direct_aid", "category": "rent", "amount": "18.50"}, currency="JPY")
    assert not bad.is_valid()
    assert "amount" in bad.errors
    assert 'step="1"' in str(bad["amount"])
    kwd = ContributionForm({"amount": "1.850"}, accounts=FundRequest.objects.none(), currency="KWD")
    assert kwd.fields["amount"].clean("1.850") == 1850


def test_the_money_filter_shows_the_currency_decimals():
    template = Template("{% load fund_money %}{{ a|money:c }}")
    with translation.override("en"):
        assert template.render(Context({"a": 185000, "c": "JPY"})) == "185,000 JPY"
        assert template.render(Context({"a": 1850, "c": "USD"})) == "18.50 USD"
        assert template.render(Context({"a": 1850, "c": "KWD"})) == "1.850 KWD"


def test_a_yen_fund_through_pages_words_reports_and_statements(
    network, requester, treasurer, donations
):
    set_policy(network, currency="JPY", auto_approve_up_to=5000)
    assert "Requests up to 5000 JPY are approved at once." in selectors.policy_in_words(
        network=network
    )
    response = client_for(requester).post(
        reverse("fund:request_create", kwargs={"slug": network.slug}),
        {"kind": "direct_aid", "category": "groceries", "amount": "1850"},
    )
    assert response.status_code == 302, response.content
    assert FundRequest.objects.get().amount == 1850

    client_for(treasurer).post(
        reverse("fund:treasury", kwargs={"slug": network.slug}),
        {"form": "contribution", "source": donations.pk, "amount": "30000"},
    )
    assert fund_account(network).balance == 30000
    for _ in range(4):
        fill(treasurer, donations, 1000)
    rows = selectors.report_csv_rows(network=network, public=True)
    assert rows[0] == ["balance", "", "", "", "34000", "JPY"]
    [income] = [r for r in rows if r[0] == "income"]
    assert income[3:] == [5, "34000", "JPY"]
    data = selectors.report(network=network, public=False)
    assert data["exponent"] == 0
    page = client_for(requester).get(reverse("fund:report", kwargs={"slug": network.slug}))
    assert b"34,000 JPY" in page.content or b"34000 JPY" in page.content

    lines = statement_parse("Date,Amount\n2026-01-02,1850\n", "JPY")
    assert [line.amount for line in lines] == [1850]
    assert [line.amount for line in statement_parse("Date,Amount\n2026-01-02,18.50\n")] == [1850]


def test_the_api_says_the_exponent(network, treasurer):
    from mutualaid.networks.services import api_token_create

    set_policy(network, currency="JPY")
    _token, raw = api_token_create(actor=treasurer, name="t")
    body = ApiClient(raw).get("/fund").json()
    assert (body["currency"], body["exponent"]) == ("JPY", 0)
