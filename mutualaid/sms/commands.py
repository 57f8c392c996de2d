"""What a text message asks for, read forgivingly. Pure: no Django, no database.

The first word (or the second, after a greeting or "I") names the command, in English or
Spanish, in any case, with or without accents, and close misspellings are accepted for words
of four letters or more ("NEDE", "OFER", "NESESITO"). The first number after it is the need
number ("YES #123", "help with 123"); a second number picks among several ("YES 123 2").

| command | English           | Spanish                      |
| ------- | ----------------- | ---------------------------- |
| need    | NEED              | NECESITO                     |
| offer   | OFFER             | OFREZCO                      |
| help    | HELP, HELP 123    | AYUDA, AYUDA 123             |
| yes     | YES, YES 123      | SI, SÍ                       |
| no      | NO, NO 123        | NO                           |
| done    | DONE 123          | LISTO, HECHO                 |
| cancel  | CANCEL 123        | CANCELAR                     |
| status  | STATUS            | ESTADO                       |
| stop    | STOP, STOPALL, UNSUBSCRIBE, END, QUIT, CANCEL (alone) | ALTO, PARAR, BAJA |
| start   | START, UNSTOP     | INICIO, ALTA, COMENZAR       |

"HELP"/"AYUDA" alone lists the commands; with a number it offers help with that need.
"CANCEL" alone is a carrier opt-out word, so it means STOP; "CANCEL 123" cancels.
"""

import difflib
import re
import unicodedata
from dataclasses import dataclass

KEYWORDS: dict[str, tuple[str, str]] = {
    # word -> (command, language of the word; "" when it is the same in both)
    "need": ("need", "en"),
    "needs": ("need", "en"),
    "necesito": ("need", "es"),
    "necesitamos": ("need", "es"),
    "offer": ("offer", "en"),
    "ofrezco": ("offer", "es"),
    "ofrecer": ("offer", "es"),
    "help": ("help", "en"),
    "ayuda": ("help", "es"),
    "ayudar": ("help", "es"),
    "yes": ("yes", "en"),
    "si": ("yes", "es"),
    "no": ("no", ""),
    "done": ("done", "en"),
    "listo": ("done", "es"),
    "lista": ("done", "es"),
    "hecho": ("done", "es"),
    "cancel": ("cancel", "en"),
    "cancelar": ("cancel", "es"),
    "status": ("status", "en"),
    "estado": ("status", "es"),
    "stop": ("stop", "en"),
    "stopall": ("stop", "en"),
    "unsubscribe": ("stop", "en"),
    "end": ("stop", "en"),
    "quit": ("stop", "en"),
    "alto": ("stop", "es"),
    "parar": ("stop", "es"),
    "baja": ("stop", "es"),
    "start": ("start", "en"),
    "unstop": ("start", "en"),
    "inicio": ("start", "es"),
    "alta": ("start", "es"),
    "comenzar": ("start", "es"),
}
# Words a person may put before the command: "hi, I need...", "hola, necesito...".
FILLERS = frozenset({"hi", "hello", "hey", "please", "i", "we", "hola", "por", "favor", "yo"})
# Words that stop people only when they are the whole message (carrier opt-out rules).
STOP_WHEN_ALONE = frozenset({"cancel"})
FUZZY_MIN_LENGTH = 4
FUZZY_CUTOFF = 0.75
COMMANDS = frozenset(command for command, _lang in KEYWORDS.values())


@dataclass(frozen=True)
class Command:
    """`name` is one of COMMANDS, or "" when no command was recognised. `text` is what follows
    the command word; `numbers` the numbers in it, in order; `language` is "en" or "es" when
    the command word says which."""

    name: str
    text: str = ""
    numbers: tuple[int, ...] = ()
    language: str = ""

    @property
    def number(self) -> int | None:
        return self.numbers[0] if self.numbers else None

    @property
    def plain(self) -> bool:
        """Nothing but numbers follows the command word ("YES 123", "STOP"): a text that
        says more ("stop by later", "yes see you at 5") may be meant for a person."""
        return all(fold(word).isdigit() or not fold(word) for word in self.text.split())


def fold(word: str) -> str:
    """Lower case, accents and punctuation gone: "¡SÍ!" -> "si"."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(ch for ch in decomposed if ch.isalnum() and not unicodedata.combining(ch))


def _keyword(word: str) -> str | None:
    if word in KEYWORDS:
        return word
    if len(word) < FUZZY_MIN_LENGTH:
        return None
    close = difflib.get_close_matches(word, list(KEYWORDS), n=1, cutoff=FUZZY_CUTOFF)
    return close[0] if close else None


def numbers_in(text: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d{1,9}", text))


def parse(message: str) -> Command:
    """The command a text message asks for. Never raises."""
    words = message.split()
    for position, raw in enumerate(words[:3]):
        word = fold(raw)
        if not word or word in FILLERS:
            continue
        keyword = _keyword(word)
        if keyword is not None:
            rest = " ".join(words[position + 1 :])
            name, language = KEYWORDS[keyword]
            if keyword in STOP_WHEN_ALONE and not rest.strip():
                name = "stop"
            return Command(name=name, text=rest, numbers=numbers_in(rest), language=language)
        break
    return Command(name="", text=message.strip(), numbers=numbers_in(message))


def best_match(word: str, options: dict[str, str], *, cutoff: float = 0.8) -> str | None:
    """The value of the option whose (folded) key is `word` or closest to it."""
    folded = fold(word)
    if not folded:
        return None
    if folded in options:
        return options[folded]
    if len(folded) < FUZZY_MIN_LENGTH:
        return None
    close = difflib.get_close_matches(folded, list(options), n=1, cutoff=cutoff)
    return options[close[0]] if close else None


def when_words(text: str) -> str:
    """ "today", "tomorrow" or "" from the words of a need ("hoy", "mañana" in Spanish)."""
    folded = {fold(word) for word in text.split()}
    if folded & {"today", "tonight", "hoy", "now", "ahora", "urgent", "urgente"}:
        return "today"
    if folded & {"tomorrow", "manana"}:
        return "tomorrow"
    return ""


# Everyday words for the default categories, in English and Spanish, beside their labels
# (which are matched too, in both languages). Only categories the network has are used.
CATEGORY_WORDS: dict[str, tuple[str, ...]] = {
    "groceries": ("grocery", "food", "shopping", "comida", "mercado", "super", "despensa"),
    "meals": ("meal", "dinner", "lunch", "cooked", "comidas", "cena", "almuerzo"),
    "rides": ("ride", "lift", "drive", "car", "transport", "aventon", "raite", "traslado"),
    "childcare": ("babysitting", "babysitter", "kids", "children", "ninos", "ninera"),
    "prescriptions": ("prescription", "pharmacy", "medicine", "medicina", "farmacia", "receta"),
    "medical-accompaniment": ("doctor", "appointment", "hospital", "clinic", "cita", "clinica"),
    "housing": ("rent", "shelter", "room", "vivienda", "renta", "alquiler", "cuarto"),
    "money": ("cash", "bills", "dinero", "plata", "pago"),
    "peer-support": ("talk", "support", "lonely", "listen", "apoyo", "hablar", "platicar"),
    "errands": ("errand", "pickup", "mandado", "mandados", "recado"),
    "repairs": ("repair", "fix", "broken", "arreglo", "reparar", "reparacion"),
    "disaster-relief": ("disaster", "fire", "flood", "desastre", "incendio", "inundacion"),
}


def category_in(text: str, options: dict[str, str]) -> str | None:
    """The first word of `text` that names a category, as the option's value (a slug).
    `options` maps folded words to slugs; plurals and close misspellings are forgiven."""
    for word in text.split():
        folded = fold(word)
        for candidate in (folded, folded.removesuffix("s"), folded.removesuffix("es")):
            found = best_match(candidate, options) if len(candidate) >= 3 else None
            if found is not None:
                return found
    return None
