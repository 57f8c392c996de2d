"""Every shipped language is complete, its compiled catalog is current, and switching works.

The .po files are the source of truth; the .mo files are committed so that installs need no
gettext. These tests keep the two in step and catch half-finished translation passes: after
adding strings, run `manage.py makemessages -l es ...`, translate, then `compilemessages`.
"""

import os
import re
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

LOCALE_DIR = Path(settings.LOCALE_PATHS[0])
PACKAGE_DIR = LOCALE_DIR.parent
TRANSLATED_LANGUAGES = [code for code, _name in settings.LANGUAGES if code != "en"]

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b"}
_PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif%]|\{\w*\}|</?[a-z][^>]*>")


def _unquote(text: str) -> str:
    if not (len(text) >= 2 and text[0] == text[-1] == '"'):
        raise ValueError(f"not a quoted .po string: {text}")
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), text[1:-1])


def parse_po(path: Path) -> list[dict]:
    """The entries of a .po file (without obsolete `#~` ones), each with its fields and flags."""
    entries: list[dict] = []
    entry: dict | None = None
    key = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#~"):
            if not line and entry is not None:
                entries.append(entry)
                entry = None
            continue
        if entry is None:
            entry = {"flags": set(), "refs": []}
        if line.startswith("#,"):
            entry["flags"].update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#:"):
            entry["refs"].append(line[2:].strip())
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[key] += _unquote(line)
        else:
            key, _space, rest = line.partition(" ")
            entry[key] = _unquote(rest)
    if entry is not None:
        entries.append(entry)
    return entries


def _msgstrs(entry: dict) -> list[str]:
    if "msgid_plural" in entry:
        return [v for k, v in sorted(entry.items()) if k.startswith("msgstr[")]
    return [entry["msgstr"]]


def _describe(entry: dict) -> str:
    return f"{entry['msgid']!r} ({', '.join(entry['refs']) or 'no reference'})"


def read_mo(path: Path) -> dict[str, str]:
    """The raw catalog of a compiled .mo file: key -> value, as msgfmt wrote them."""
    data = path.read_bytes()
    magic = struct.unpack("<I", data[:4])[0]
    order = "<" if magic == 0x950412DE else ">"
    count, originals, translations = struct.unpack(order + "3I", data[8:20])
    catalog = {}
    for i in range(count):
        olen, ooff = struct.unpack(order + "2I", data[originals + 8 * i : originals + 8 * i + 8])
        tlen, toff = struct.unpack(
            order + "2I", data[translations + 8 * i : translations + 8 * i + 8]
        )
        catalog[data[ooff : ooff + olen].decode()] = data[toff : toff + tlen].decode()
    return catalog


def _expected_mo(entries: list[dict]) -> dict[str, str]:
    """What msgfmt puts in the .mo for these .po entries (fuzzy and empty ones are left out)."""
    expected = {}
    for entry in entries:
        strs = _msgstrs(entry)
        if entry["msgid"] == "" or "fuzzy" in entry["flags"] or not all(strs):
            continue
        key = entry["msgid"]
        if "msgid_plural" in entry:
            key += "\0" + entry["msgid_plural"]
        if "msgctxt" in entry:
            key = entry["msgctxt"] + "\x04" + key
        expected[key] = "\0".join(strs)
    return expected


@pytest.fixture(params=TRANSLATED_LANGUAGES)
def catalog(request) -> tuple[str, Path]:
    po = LOCALE_DIR / request.param / "LC_MESSAGES" / "django.po"
    assert po.is_file(), f"{po} is missing: run makemessages -l {request.param}"
    return request.param, po


def test_every_string_is_translated_and_none_is_fuzzy(catalog):
    language, po = catalog
    entries = [e for e in parse_po(po) if e["msgid"]]
    assert len(entries) > 100, "suspiciously few strings; was makemessages run?"
    fuzzy = [_describe(e) for e in entries if "fuzzy" in e["flags"]]
    untranslated = [_describe(e) for e in entries if not all(_msgstrs(e))]
    assert not fuzzy, f"{language}: fuzzy entries to check and unmark:\n" + "\n".join(fuzzy)
    assert not untranslated, f"{language}: untranslated:\n" + "\n".join(untranslated)


def test_the_header_is_right(catalog):
    language, po = catalog
    header = next(e for e in parse_po(po) if e["msgid"] == "")
    assert "fuzzy" not in header["flags"], "remove the #, fuzzy flag from the header"
    assert f"Language: {language}\n" in header["msgstr"]
    assert "charset=UTF-8" in header["msgstr"]
    if language == "es":
        assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header["msgstr"]


def test_translations_keep_every_placeholder_and_tag(catalog):
    _language, po = catalog
    wrong = []
    for entry in parse_po(po):
        if not entry["msgid"]:
            continue
        strs = _msgstrs(entry)
        sources = [entry["msgid"]] + [entry.get("msgid_plural", entry["msgid"])] * (len(strs) - 1)
        for source, translated in zip(sources, strs, strict=True):
            if translated and sorted(_PLACEHOLDER.findall(source)) != sorted(
                _PLACEHOLDER.findall(translated)
            ):
                wrong.append(f"{source!r} -> {translated!r}")
    assert not wrong, "placeholders or tags differ:\n" + "\n".join(wrong)


@pytest.mark.skipif(
    shutil.which("msgfmt") is None,
    reason="GNU gettext's msgfmt is not installed (apt install gettext / brew install gettext)",
)
def test_msgfmt_accepts_the_catalog(catalog):
    language, po = catalog
    result = subprocess.run(
        [shutil.which("msgfmt"), "--check", "--statistics", "--output-file", os.devnull, str(po)],
        capture_output=True,
        text=True,
        env={**os.environ, "LC_ALL": "C", "LANGUAGE": ""},
        check=False,
    )
    report = result.stderr + result.stdout
    assert result.returncode == 0, report
    assert "fuzzy" not in report, report
    assert "untranslated" not in report, report
    assert "warning" not in report, report


def test_the_committed_mo_matches_the_po(catalog):
    language, po = catalog
    mo = po.with_suffix(".mo")
    assert mo.is_file(), f"{mo} is missing: run compilemessages -l {language}"
    compiled = read_mo(mo)
    compiled.pop("", None)
    expected = _expected_mo(parse_po(po))
    stale = sorted(set(expected) - set(compiled)) + sorted(
        k for k in set(expected) & set(compiled) if expected[k] != compiled[k]
    )
    extra = sorted(set(compiled) - set(expected))
    hint = f"the .mo is out of date: run `manage.py compilemessages -l {language}`"
    assert not stale, f"{hint}; missing or different: {stale[:10]}"
    assert not extra, f"{hint}; no longer in the .po: {extra[:10]}"


def _msgid_keys(entries: list[dict]) -> set[str]:
    """Each entry's identity as gettext sees it: context, singular and plural."""
    keys = set()
    for entry in entries:
        if not entry["msgid"]:
            continue
        key = entry["msgid"]
        if "msgid_plural" in entry:
            key += " | plural: " + entry["msgid_plural"]
        if "msgctxt" in entry:
            key = f"[{entry['msgctxt']}] {key}"
        keys.add(key)
    return keys


@pytest.mark.skipif(
    shutil.which("xgettext") is None,
    reason="GNU gettext's xgettext is not installed (apt install gettext / brew install gettext)",
)
def test_the_catalog_holds_exactly_the_strings_marked_in_the_source(catalog, tmp_path):
    """Re-extract the marked strings from a copy of the package and compare with the .po.

    Fails when a string was marked (or changed) in code or templates without running
    makemessages, and when the .po still holds strings the source no longer has.
    """
    language, po = catalog
    copy = tmp_path / PACKAGE_DIR.name
    shutil.copytree(PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", language, "--no-obsolete"],
        cwd=tmp_path,
        env={**env, "LC_ALL": "C.UTF-8"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    extracted = _msgid_keys(parse_po(copy / po.relative_to(PACKAGE_DIR)))
    committed = _msgid_keys(parse_po(po))
    assert len(extracted) > 100, "suspiciously few strings extracted:\n" + result.stderr
    hint = (
        f"run `manage.py makemessages -l {language} --ignore=.venv --ignore=node_modules "
        "--ignore=tests --ignore=bench --no-obsolete`, translate, then compilemessages"
    )
    missing = sorted(extracted - committed)
    stale = sorted(committed - extracted)
    assert not missing, f"{language}: marked in the source but not in {po.name}; {hint}:\n" + (
        "\n".join(missing)
    )
    assert not stale, f"{language}: in {po.name} but no longer in the source; {hint}:\n" + (
        "\n".join(stale)
    )


@pytest.mark.django_db
def test_choosing_spanish_shows_the_start_page_in_spanish():
    client = Client()
    english = client.get("/").content.decode()
    assert '<html lang="en">' in english
    assert "<h1>Neighbours helping neighbours</h1>" in english

    response = client.post("/i18n/setlang/", {"language": "es", "next": "/"})
    assert response.status_code == 302
    spanish = client.get("/").content.decode()
    assert '<html lang="es">' in spanish
    assert "<h1>Vecinos ayudando a vecinos</h1>" in spanish
    assert "Iniciar sesión" in spanish
    assert "Neighbours helping neighbours" not in spanish
