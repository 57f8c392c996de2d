"""The pure command parser: forgiving of case, extra words, misspellings and Spanish."""

import pytest

from mutualaid.sms.commands import Command, category_in, parse, when_words


@pytest.mark.parametrize(
    ("text", "name", "numbers", "language"),
    [
        ("NEED groceries tomorrow", "need", (), "en"),
        ("need Groceries", "need", (), "en"),
        ("Hi, I need a ride to the clinic", "need", (), "en"),
        ("NEDE groceries", "need", (), "en"),
        ("necesito víveres mañana", "need", (), "es"),
        ("NESESITO comida", "need", (), "es"),
        ("offer", "offer", (), "en"),
        ("OFER", "offer", (), "en"),
        ("ofrezco", "offer", (), "es"),
        ("HELP", "help", (), "en"),
        ("help 123", "help", (123,), "en"),
        ("Help with #123 please", "help", (123,), "en"),
        ("AYUDA", "help", (), "es"),
        ("Yes 12", "yes", (12,), "en"),
        ("yess 12 2", "yes", (12, 2), "en"),
        ("¡Sí! 12", "yes", (12,), "es"),
        ("no 12", "no", (12,), ""),
        ("DONE 7", "done", (7,), "en"),
        ("listo 7", "done", (7,), "es"),
        ("CANCEL 9", "cancel", (9,), "en"),
        ("CANSEL 9", "cancel", (9,), "en"),
        ("cancelar 9", "cancel", (9,), "es"),
        ("STATUS", "status", (), "en"),
        ("STAUTS", "status", (), "en"),
        ("estado", "status", (), "es"),
        ("STOP", "stop", (), "en"),
        ("Cancel", "stop", (), "en"),  # a carrier opt-out word when alone
        ("alto", "stop", (), "es"),
        ("START", "start", (), "en"),
        ("inicio", "start", (), "es"),
    ],
)
def test_commands_are_read_forgivingly(text, name, numbers, language):
    command = parse(text)
    assert (command.name, command.numbers, command.language) == (name, numbers, language)


@pytest.mark.parametrize("text", ["thanks so much", "see you at 5", "", "hola"])
def test_other_messages_are_no_command(text):
    assert parse(text).name == ""


def test_what_follows_the_command_is_kept():
    assert parse("NEED groceries for my mum").text == "groceries for my mum"
    assert parse("YES 12").number == 12
    assert Command(name="status").number is None


def test_categories_are_found_in_english_spanish_plurals_and_misspellings():
    options = {"groceries": "groceries", "viveres": "groceries", "ride": "rides", "rides": "rides"}
    assert category_in("groceries tomorrow", options) == "groceries"
    assert category_in("víveres mañana", options) == "groceries"
    assert category_in("a ride please", options) == "rides"
    assert category_in("grocerys", options) == "groceries"
    assert category_in("something else", options) is None


def test_when_words_in_both_languages():
    assert when_words("groceries tomorrow") == "tomorrow"
    assert when_words("víveres mañana") == "tomorrow"
    assert when_words("food today please") == "today"
    assert when_words("hoy") == "today"
    assert when_words("groceries") == ""
