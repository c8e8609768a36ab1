"""The zh_Hans catalogues are complete and the committed compiled catalogues match them.

The project's catalogue is ``locale/``; an app may keep its own strings in
``<app>/locale/`` (makemessages run at the root writes each app's strings there once the
folder exists), so that apps developed side by side do not edit one file.
"""

import ast
import gettext
from pathlib import Path

import pytest
from django.conf import settings

BASE = Path(settings.BASE_DIR)
PO = BASE / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
CATALOGUES = [PO, *sorted(BASE.glob("*/locale/zh_Hans/LC_MESSAGES/django.po"))]


def parse_po(path):
    """(msgid, msgstr, flags) of each entry; plural entries give their first form; an
    entry with a context (pgettext) has the msgid gettext stores it under, context EOT
    msgid."""
    entries, current, key, flags = [], {}, None, set()
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if line.startswith("#,"):
            flags |= {f.strip() for f in line[2:].split(",")}
        elif line.startswith(("msgctxt ", "msgid ", "msgid_plural ", "msgstr ", "msgstr[0] ")):
            key, _, rest = line.partition(" ")
            current[key] = ast.literal_eval(rest)
        elif line.startswith('"') and key:
            current[key] += ast.literal_eval(line)
        elif not line.strip() and current:
            msgstr = current.get("msgstr", current.get("msgstr[0]", ""))
            msgid = current.get("msgid", "")
            if msgid and "msgctxt" in current:
                msgid = f"{current['msgctxt']}\x04{msgid}"
            entries.append((msgid, msgstr, flags))
            current, key, flags = {}, None, set()
    return [e for e in entries if e[0]]


def test_the_project_catalogue_is_substantial():
    assert len(parse_po(PO)) > 100


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(BASE)))
def test_every_string_is_translated(po):
    entries = parse_po(po)
    untranslated = [msgid for msgid, msgstr, _flags in entries if not msgstr]
    fuzzy = [msgid for msgid, _msgstr, flags in entries if "fuzzy" in flags]
    assert untranslated == [] and fuzzy == []


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(BASE)))
def test_compiled_catalogue_is_current(po):
    with po.with_suffix(".mo").open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    stale = [msgid for msgid, msgstr, _flags in parse_po(po) if catalogue.gettext(msgid) != msgstr]
    assert stale == [], "run: python manage.py compilemessages"
