"""Second-factor secrets (the TOTP key) are stored encrypted, with the same keys and rotation
as every other encrypted field (MUTUALAID_FIELD_KEYS)."""

from allauth.mfa.adapter import DefaultMFAAdapter
from encrypted_fields.fields import EncryptedTextField

# An unattached field: only its Fernet keys and encrypt/decrypt are used.
_CIPHER = EncryptedTextField()


class EncryptedSecretsMFAAdapter(DefaultMFAAdapter):  # type: ignore[misc]  # allauth is untyped
    def encrypt(self, text: str) -> str:
        return str(_CIPHER.get_prep_value(text))

    def decrypt(self, encrypted_text: str) -> str:
        # Secrets stored before encryption was turned on still read back as they are.
        return str(_CIPHER.to_python(encrypted_text))
