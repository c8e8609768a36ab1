"""One normalizer and one search function for every place that searches names:
the public directory (HTML and API), the clerks' workspace and the staff admin.

What a person may type: any part of the name (one or two Chinese characters included),
full pinyin with or without spaces (``hepingqu``, ``he ping qu``), pinyin initials
(``hpq``), a credit code or its last characters, and for filed groups the filing number.

The index design behind these lookups is decided by measurement (``bench/directory.py``,
``docs/benchmarks.md``).
"""

import unicodedata

from django.db.models import Q

from registry import creditcode
from registry.pinyin import pinyin_keys


def normalize(text):
    """Search text as the database stores names: full-width forms folded to half-width
    (NFKC), control characters (NUL included, which PostgreSQL refuses in text) and line
    breaks read as spaces, runs of spaces collapsed, surrounding spaces dropped."""
    text = unicodedata.normalize("NFKC", text or "")
    text = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text)
    return " ".join(text.split())


def _pinyin_condition(value):
    compact = value.replace(" ", "").lower()
    if compact.isascii() and compact.isalnum():
        return Q(name_pinyin__contains=compact) | Q(name_initials__contains=compact)
    if not compact.isascii():
        # Chinese typed with a different character for the same sound still finds it.
        full, _initials = pinyin_keys(compact)
        if full:
            return Q(name_pinyin__contains=full)
    return Q()


def search_organizations(queryset, text):
    """Registered organizations matching ``text``: name, pinyin, initials or credit code."""
    value = normalize(text)
    if not value:
        return queryset
    condition = Q(name__icontains=value) | _pinyin_condition(value)
    code = creditcode.normalize(value)
    if code and code.isalnum():
        condition |= Q(credit_code__contains=code)
    return queryset.filter(condition)


def search_groups(queryset, text, *, private=False):
    """Filed community groups matching ``text``: name, pinyin, initials or filing number;
    with ``private`` (internal pages only) also the leader's name."""
    value = normalize(text)
    if not value:
        return queryset
    condition = Q(name__icontains=value) | Q(filing_number__icontains=value)
    if private:
        condition |= Q(leader_name__icontains=value)
    return queryset.filter(condition | _pinyin_condition(value))
