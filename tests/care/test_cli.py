"""`mutualaid care`: the retention and rotation sweep now, and the network's crisis lines."""

from datetime import timedelta

from click.testing import CliRunner
from django.utils import timezone

from mutualaid.care import services
from mutualaid.care.models import Circle, CircleMembership, CrisisResource, Post
from mutualaid.cli import main
from mutualaid.networks.models import Member
from tests.care.conftest import SECRET_POST
from tests.factories import MemberFactory


def care(*args: str):
    return CliRunner().invoke(main, ["care", *args])


def test_sweep_deletes_expired_posts_and_rotates_due_facilitators(circle, facilitator, poster):
    # Given a post past the circle's retention and a fresh one,
    old = services.post_create(actor=poster, circle=circle, body=SECRET_POST)
    Post.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    fresh = services.post_create(actor=poster, circle=circle, body="still here")
    # and a facilitator role that is due to be handed on,
    Circle.objects.filter(pk=circle.pk).update(
        facilitators_rotated_at=timezone.now() - timedelta(days=31)
    )

    result = care("sweep")

    # then the expired post is gone, the fresh one stays, and the role moved on.
    assert result.exit_code == 0, result.output
    assert "Posts deleted (retention ran out): 1" in result.output
    assert "Circles whose facilitators were rotated: 1" in result.output
    assert list(Post.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert CircleMembership.objects.get(circle=circle, member=poster).is_facilitator
    assert SECRET_POST not in result.output


def test_sweep_with_nothing_due_changes_nothing(circle, poster):
    services.post_create(actor=poster, circle=circle, body=SECRET_POST)
    result = care("sweep")
    assert "Posts deleted (retention ran out): 0" in result.output
    assert "Circles whose facilitators were rotated: 0" in result.output
    assert "Listening rows deleted (retention ran out): 0" in result.output
    assert "Care teams closed (closing date passed): 0" in result.output
    assert Post.objects.count() == 1


def test_sweep_closes_a_care_team_whose_closing_date_passed(network):
    from mutualaid.care.teams import services as teams
    from mutualaid.care.teams.models import CareTeam

    rosa = MemberFactory(network=network)
    team = teams.team_create(actor=rosa, name="After surgery", recipient=rosa)
    CareTeam.objects.filter(pk=team.pk).update(closes_on=timezone.now().date() - timedelta(days=2))
    result = care("sweep")
    assert "Care teams closed (closing date passed): 1" in result.output
    assert CareTeam.objects.get(pk=team.pk).state == CareTeam.State.CLOSED


def test_an_organiser_adds_a_crisis_line_and_lists_it(network):
    organiser = MemberFactory(network=network, role=Member.Role.FOUNDING_ORGANISER)
    added = care(
        "crisis", "add", "--network", network.slug, "--as", organiser.user.email,
        "--name", "Crisis Text Line", "--phone", "741741", "--hours", "24/7", "--position", "5",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    resource = CrisisResource.objects.get(network=network)
    assert (resource.name, resource.phone, resource.hours, resource.position) == (
        "Crisis Text Line",
        "741741",
        "24/7",
        5,
    )

    listed = care("crisis", "list", "--network", network.slug)
    assert listed.exit_code == 0, listed.output
    assert "Crisis Text Line" in listed.output
    assert "741741" in listed.output


def test_a_member_who_is_not_an_organiser_cannot_add_one(network):
    member = MemberFactory(network=network)
    result = care(
        "crisis", "add", "--network", network.slug, "--as", member.user.email, "--name", "Line"
    )
    assert result.exit_code != 0
    assert "Nothing was changed." in result.output
    assert not CrisisResource.objects.exists()


def test_someone_outside_the_network_or_an_unknown_network_is_refused(network, outsider):
    outside = care(
        "crisis", "add", "--network", network.slug, "--as", outsider.user.email, "--name", "Line"
    )
    unknown = care("crisis", "list", "--network", "no-such-network")
    assert outside.exit_code != 0
    assert "is not a member of" in outside.output
    assert unknown.exit_code != 0
    assert "No network with the short name 'no-such-network'" in unknown.output
    assert not CrisisResource.objects.exists()


def test_an_empty_name_is_refused_clearly(network):
    organiser = MemberFactory(network=network, role=Member.Role.FOUNDING_ORGANISER)
    result = care(
        "crisis", "add", "--network", network.slug, "--as", organiser.user.email, "--name", " "
    )
    assert result.exit_code != 0
    assert not CrisisResource.objects.exists()
