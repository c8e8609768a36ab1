"""Pinyin keys of Chinese names, for sorting and for search by pinyin or initials.

pypinyin cuts a name into words and converts each word; converting is most of its time
(about 0.25 ms a name), and the words of names repeat (社区, 合唱团, a community's name),
so each word's conversion is remembered: what ``lazy_pinyin`` builds for every call, with
a converter that keeps its last conversions. The keys are the same as ``lazy_pinyin``'s
(``tests/registry/test_pinyin.py``).
"""

from functools import lru_cache

from pypinyin import Style
from pypinyin.converter import UltimateConverter
from pypinyin.core import Pinyin


class _RememberingConverter(UltimateConverter):
    """``lazy_pinyin``'s converter (no tone sandhi, ü as v), remembering each word's
    conversion. The dictionaries it reads are pypinyin's own, never changed here."""

    def convert(self, words, style, heteronym, errors, strict, **kwargs):
        if kwargs:
            return super().convert(words, style, heteronym, errors, strict, **kwargs)
        converted = self._remembered(words, style, heteronym, errors, strict)
        return [list(syllables) for syllables in converted]

    @lru_cache(maxsize=20_000)  # noqa: B019 - one converter for the process
    def _remembered(self, words, style, heteronym, errors, strict):
        converted = super().convert(words, style, heteronym, errors, strict)
        return tuple(tuple(syllables) for syllables in converted)


_PINYIN = Pinyin(_RememberingConverter(v_to_u=False, neutral_tone_with_five=False))


def _lazy_pinyin(name, style):
    """pypinyin's ``lazy_pinyin(name, style=style, errors="default")``."""
    return _PINYIN.lazy_pinyin(name, style=style, errors="default")


def pinyin_keys(name):
    """Return (full pinyin, initials) in lower case, e.g. ("hepingqu", "hpq")."""
    name = name or ""
    full = "".join(_lazy_pinyin(name, Style.NORMAL)).lower()
    initials = "".join(syllable[:1] for syllable in _lazy_pinyin(name, Style.FIRST_LETTER)).lower()
    full = "".join(ch for ch in full if ch.isalnum())
    initials = "".join(ch for ch in initials if ch.isalnum())
    return full, initials
