"""The people and the network the browser tests start from: Olu's Fruitvale network, members
added as if they came by invitation, and signing in the way a person does."""

from mutualaid.membership import services as membership
from mutualaid.networks.models import Member, Network
from tests.factories import UserFactory

PASSWORD = "correct horse battery"  # what UserFactory sets
ORGANISER_EMAIL = "organiser@example.org"


def fruitvale_network() -> Network:
    """Fruitvale Mutual Aid in Oakland, founded by Olu (organiser@example.org)."""
    return membership.network_create(
        founder=UserFactory(email=ORGANISER_EMAIL),
        founder_display_name="Olu",
        name="Fruitvale Mutual Aid",
        area_name="Oakland",
        center_lat=37.7748,
        center_lng=-122.2243,
        neighbourhoods=[("Fruitvale", 37.7748, -122.2243), ("Dimond", 37.8000, -122.2130)],
    )


def member_in(network: Network, email: str, name: str) -> Member:
    user = UserFactory(email=email)
    return membership._member_create(
        network=network, user=user, display_name=name, how="invitation"
    )


def sign_in(page, base_url: str, email: str, axe_check) -> None:  # noqa: ANN001
    page.goto(base_url + "/accounts/login/")
    axe_check(page)
    page.locator("#id_login").fill(email)
    page.locator("#id_password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign In").click()
