"""Two-factor sign-in with TOTP: the secret is stored encrypted and still verifies codes."""

from allauth.mfa.adapter import get_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)

from tests.factories import UserFactory


def test_the_totp_secret_is_encrypted_at_rest_and_still_checks_codes(db):
    # Given a member who turned on TOTP,
    user = UserFactory()
    secret = generate_totp_secret()
    authenticator = TOTP.activate(user, secret).instance
    # then the stored data does not hold the secret in the clear,
    stored = Authenticator.objects.get(pk=authenticator.pk).data["secret"]
    assert secret not in stored
    assert get_adapter().decrypt(stored) == secret
    # and a code from their app is accepted.
    code = format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))
    assert TOTP(authenticator).validate_code(code) is True
