"""Building matchable worlds for the matching tests."""

from tests.factories import CategoryFactory, MemberFactory, OfferFactory


def a_helper(network, *, category=None, **fields):
    """A member who offers time for a category (groceries unless given)."""
    member = MemberFactory(network=network, **fields)
    OfferFactory(helper=member, category=category or CategoryFactory(network=network))
    return member
