"""The zh_Hans catalogue is complete and the committed compiled catalogue matches it."""

import ast
import gettext
from pathlib import Path

from django.conf import settings

PO = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def parse_po(path):
    """(msgid, msgstr, flags) of each entry; plural entries give their first form."""
    entries, current, key, flags = [], {}, None, set()
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if line.startswith("#,"):
            flags |= {f.strip() for f in line[2:].split(",")}
        elif line.startswith(("msgid ", "msgid_plural ", "msgstr ", "msgstr[0] ")):
            key, _, rest = line.partition(" ")
            current[key] = ast.literal_eval(rest)
        elif line.startswith('"') and key:
            current[key] += ast.literal_eval(line)
        elif not line.strip() and current:
            msgstr = current.get("msgstr", current.get("msgstr[0]", ""))
            entries.append((current.get("msgid", ""), msgstr, flags))
            current, key, flags = {}, None, set()
    return [e for e in entries if e[0]]


def test_every_string_is_translated():
    entries = parse_po(PO)
    assert len(entries) > 100
    untranslated = [msgid for msgid, msgstr, _flags in entries if not msgstr]
    fuzzy = [msgid for msgid, _msgstr, flags in entries if "fuzzy" in flags]
    assert untranslated == [] and fuzzy == []


def test_compiled_catalogue_is_current():
    with MO.open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    stale = [msgid for msgid, msgstr, _flags in parse_po(PO) if catalogue.gettext(msgid) != msgstr]
    assert stale == [], "run: python manage.py compilemessages"
