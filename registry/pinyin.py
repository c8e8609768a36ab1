"""Pinyin keys of Chinese names, for sorting and for search by pinyin or initials."""

from pypinyin import Style, lazy_pinyin


def pinyin_keys(name):
    """Return (full pinyin, initials) in lower case, e.g. ("hepingqu", "hpq")."""
    name = name or ""
    full = "".join(lazy_pinyin(name, errors="default")).lower()
    initials = "".join(
        syllable[:1] for syllable in lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default")
    ).lower()
    full = "".join(ch for ch in full if ch.isalnum())
    initials = "".join(ch for ch in initials if ch.isalnum())
    return full, initials
