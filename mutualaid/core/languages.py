"""Languages members can list on profiles and needs (ISO 639-1 codes)."""

from django.utils.translation import gettext_lazy as _

LANGUAGE_CHOICES = [
    ("en", _("English")),
    ("es", _("Spanish")),
    ("zh", _("Chinese")),
    ("vi", _("Vietnamese")),
    ("tl", _("Tagalog")),
    ("ar", _("Arabic")),
    ("fr", _("French")),
    ("ht", _("Haitian Creole")),
    ("pt", _("Portuguese")),
    ("ru", _("Russian")),
    ("ko", _("Korean")),
    ("am", _("Amharic")),
    ("so", _("Somali")),
    ("fa", _("Persian")),
    ("uk", _("Ukrainian")),
    ("asl", _("American Sign Language")),
]
LANGUAGE_CODES = frozenset(code for code, _label in LANGUAGE_CHOICES)
