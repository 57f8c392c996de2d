"""`mutualaid rekey`: after a field key rotation, every encrypted value is re-encrypted under
the new key, so that the old key can be dropped and everything still reads back."""

from contextlib import contextmanager

import pytest
from allauth.mfa.models import Authenticator
from click.testing import CliRunner
from django.db.models import TextField, Value
from django.db.models.functions import Cast
from django.test import override_settings
from encrypted_fields.fields import EncryptedTextField

from mutualaid.cli import main
from mutualaid.core.rekey import fields_rekey, forget_cached_keys
from mutualaid.needs.models import Need
from tests.conftest import SECRET_ADDRESS, SECRET_PHONE
from tests.factories import NeedFactory, UserFactory

TOTP_SECRET = "JBSWY3DPEHPK3PXP"


@contextmanager
def field_keys(keys: str):
    """Run as if MUTUALAID_FIELD_KEYS were `keys` (the fields cache their keys: forget them)."""
    with override_settings(SALT_KEY=keys.split(",")):
        forget_cached_keys()
        try:
            yield
        finally:
            forget_cached_keys()
    forget_cached_keys()


def raw(need: Need, field: str) -> str:
    """What the database holds, not decrypted."""
    return (
        Need.objects.filter(pk=need.pk)
        .annotate(raw=Cast(field, TextField()))
        .values_list("raw", flat=True)
        .get()
    )


def counts_for(label: str, counts):
    return next(c for c in counts if c.model == label)


@pytest.fixture
def written_under_a(db):
    with field_keys("key-A"):
        needs = [NeedFactory() for _ in range(3)]
        user = UserFactory()
        mfa = Authenticator.objects.create(
            user=user,
            type=Authenticator.Type.TOTP,
            data={"secret": EncryptedTextField().get_prep_value(TOTP_SECRET)},
        )
    return needs, mfa


def test_after_rekey_every_value_reads_back_with_the_new_key_alone(written_under_a):
    # Given needs with an address and phone written under key A,
    needs, mfa = written_under_a
    before = {n.pk: (raw(n, "address"), raw(n, "phone"), n.updated_at) for n in needs}

    # when the operator puts key B first and runs rekey,
    with field_keys("key-B,key-A"):
        counts = fields_rekey(batch_size=2)

    # then every value was re-encrypted, and B alone opens them all,
    need_counts = counts_for("needs.Need", counts)
    assert (need_counts.rewritten, need_counts.unreadable) == (6, 0)
    assert counts_for("mfa.Authenticator", counts).rewritten == 1
    with field_keys("key-B"):
        for need in needs:
            fresh = Need.objects.get(pk=need.pk)
            assert (fresh.address, fresh.phone) == (SECRET_ADDRESS, SECRET_PHONE)
            # the stored tokens changed, and "last changed" did not,
            assert raw(need, "address") != before[need.pk][0]
            assert raw(need, "phone") != before[need.pk][1]
            assert fresh.updated_at == before[need.pk][2]
        stored = Authenticator.objects.get(pk=mfa.pk).data["secret"]
        assert EncryptedTextField().to_python(stored) == TOTP_SECRET
    # and A alone opens none of them any more.
    with field_keys("key-A"):
        assert Need.objects.get(pk=needs[0].pk).address != SECRET_ADDRESS


def test_a_second_run_finds_everything_current(written_under_a):
    with field_keys("key-B,key-A"):
        fields_rekey()
        again = counts_for("needs.Need", fields_rekey())
    assert (again.rewritten, again.current) == (0, 6)


def test_a_dry_run_counts_and_changes_nothing(written_under_a):
    needs, _mfa = written_under_a
    before = raw(needs[0], "address")
    with field_keys("key-B,key-A"):
        counts = counts_for("needs.Need", fields_rekey(dry_run=True))
    assert counts.rewritten == 6
    assert raw(needs[0], "address") == before


def test_a_value_no_key_opens_is_counted_and_left_alone(written_under_a):
    # Given a value under key C, which is no longer configured,
    with field_keys("key-C"):
        stray = NeedFactory()
    token = raw(stray, "address")
    # when rekey runs with B and A,
    with field_keys("key-B,key-A"):
        counts = counts_for("needs.Need", fields_rekey())
    # then it is reported, and not overwritten.
    assert counts.unreadable == 2
    assert raw(stray, "address") == token


def test_plain_text_from_before_encryption_is_encrypted(written_under_a):
    needs, _mfa = written_under_a
    # A value that bypassed the field (e.g. written before the field was encrypted).
    Need.objects.filter(pk=needs[0].pk).update(address=Value("1 Plain St", TextField()))
    with field_keys("key-B,key-A"):
        counts = counts_for("needs.Need", fields_rekey())
        assert counts.unencrypted == 1
        assert raw(needs[0], "address") != "1 Plain St"
        assert Need.objects.get(pk=needs[0].pk).address == "1 Plain St"


def test_the_command_prints_counts_per_model(written_under_a):
    with field_keys("key-B,key-A"):
        dry = CliRunner().invoke(main, ["rekey", "--dry-run"])
        done = CliRunner().invoke(main, ["rekey"])
    assert dry.exit_code == 0, dry.output
    assert "needs.Need" in dry.output
    assert "Dry run: nothing was written." in dry.output
    assert done.exit_code == 0, done.output
    line = next(row for row in done.output.splitlines() if row.startswith("needs.Need"))
    assert line.split()[1:] == ["6", "0", "0", "0"]


def test_the_command_fails_loudly_when_a_value_cannot_be_opened(written_under_a):
    with field_keys("key-B"):
        result = CliRunner().invoke(main, ["rekey"])
    assert result.exit_code != 0
    assert "could not be opened" in result.output
