"""factory-boy factories. Tests build the world through these or through services."""

from datetime import timedelta

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.utils import timezone

from mutualaid.channels.models import Notification
from mutualaid.core.geo import cell_for
from mutualaid.needs.models import Match, Need, Offer
from mutualaid.networks.models import Category, Member, Network

# Oakland, around Lake Merritt: every factory-made place is a real resolution-8 cell.
CENTER = (37.8044, -122.2712)
CENTER_CELL = cell_for(*CENTER)
NEARBY_CELL = cell_for(37.8100, -122.2600)
FAR_CELL = cell_for(37.7000, -122.1000)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.Sequence(lambda n: f"user{n}@example.org")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()
            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)


class NetworkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Network

    name = factory.Sequence(lambda n: f"Network {n}")
    slug = factory.Sequence(lambda n: f"network-{n}")
    area_name = "Oakland"
    center_cell = CENTER_CELL


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("network", "slug")

    network = factory.SubFactory(NetworkFactory)
    slug = "groceries"
    name = "Groceries"


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    network = factory.SubFactory(NetworkFactory)
    user = factory.SubFactory(UserFactory)
    display_name = factory.Sequence(lambda n: f"Neighbour {n}")
    cell = CENTER_CELL
    languages = factory.LazyFunction(lambda: ["en"])


class NeedFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Need

    requester = factory.SubFactory(MemberFactory)
    network = factory.SelfAttribute("requester.network")
    category = factory.SubFactory(CategoryFactory, network=factory.SelfAttribute("..network"))
    description = "Groceries for the week"
    urgency = Need.Urgency.THIS_WEEK
    window_start = factory.LazyFunction(timezone.now)
    window_end = factory.LazyFunction(lambda: timezone.now() + timedelta(days=3))
    cell = NEARBY_CELL
    languages = factory.LazyFunction(lambda: ["en"])
    address = "12 Secret Lane, Apt 3"
    phone = "+1 510 555 0199"


class OfferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Offer

    helper = factory.SubFactory(MemberFactory)
    network = factory.SelfAttribute("helper.network")
    kind = Offer.Kind.TIME
    title = "Can shop on Saturdays"
    cell = CENTER_CELL


class MatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Match

    need = factory.SubFactory(NeedFactory)
    helper = factory.SubFactory(MemberFactory, network=factory.SelfAttribute("..need.network"))
    offered_at = factory.LazyFunction(timezone.now)


def _accepted_offer_of(notification: Notification) -> int:
    """A match in the recipient's network where they are the helper: what "match.accepted"
    is about."""
    requester = MemberFactory(network=notification.recipient.network)
    return MatchFactory(need=NeedFactory(requester=requester), helper=notification.recipient).pk


class NotificationFactory(factory.django.DjangoModelFactory):
    """An in-app notification "Your offer of help was accepted", about a real match."""

    class Meta:
        model = Notification

    recipient = factory.SubFactory(MemberFactory)
    kind = "match.accepted"
    about_id = factory.LazyAttribute(_accepted_offer_of)
