"""The pantry pages are accessible: every form field has a label, ids are unique, and there
is no inline style or script (the content security policy forbids them)."""

from collections import Counter
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from mutualaid.pantry import services
from tests.conftest import client_for
from tests.pantry.conftest import stock


class Markup(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: Counter[str] = Counter()
        self.labelled: set[str] = set()
        self.fields: list[str] = []
        self.inline: list[str] = []
        self.headings: list[int] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if len(tag) == 2 and tag[0] == "h" and tag[1] in "123456":
            self.headings.append(int(tag[1]))
        if "id" in attrs:
            self.ids[attrs["id"]] += 1
        if tag == "label" and attrs.get("for"):
            self.labelled.add(attrs["for"])
        if tag in {"input", "select", "textarea"} and attrs.get("type") not in {
            "hidden",
            "submit",
        }:
            self.fields.append(attrs.get("id") or f"<{tag} name={attrs.get('name')}>")
        if "style" in attrs or (tag == "script" and "src" not in attrs) or tag == "style":
            self.inline.append(tag)


PAGES = [
    "stock",
    "rules",
    "capacity",
    "item_create",
    "intake",
    "distribute",
    "households",
    "reservations",
    "settings",
]


@pytest.mark.parametrize("page", PAGES)
def test_every_pantry_page_labels_its_fields(page, keeper, rice, household, network):
    stock(keeper, rice, 3)
    services.household_create(actor=keeper, code="Green 3")
    response = client_for(keeper).get(reverse(f"pantry:{page}", kwargs={"slug": network.slug}))
    assert response.status_code == 200
    markup = Markup()
    markup.feed(response.content.decode())
    assert [i for i, n in markup.ids.items() if n > 1] == []
    assert markup.headings.count(1) == 1
    assert all(b - a <= 1 for a, b in zip(markup.headings, markup.headings[1:], strict=False))
    # Checkbox groups are labelled per box by Django; their wrapper has no single label.
    unlabelled = [f for f in markup.fields if f not in markup.labelled]
    assert unlabelled == [] or all("dietary_tags" in f for f in unlabelled), unlabelled
    assert markup.inline == []
