"""Pinyin keys of Chinese names, for sorting and for search by pinyin or initials.

pypinyin's ``lazy_pinyin`` cuts a name into runs of Chinese characters and runs of
other characters, cuts each Chinese run into words by its phrase dictionary, and
converts each word. Here both keys come from one cut, the runs are found by one regular
expression (pypinyin's own character class, not a loop over characters), and the keys
of each run and each word are remembered: the runs of names repeat (社区, 合唱团, a
community's name), and cutting and converting are most of the time of a name. The keys
are those built from ``lazy_pinyin`` in both styles (``tests/registry/test_pinyin.py``).
"""

import re
from functools import lru_cache

from pypinyin import Style
from pypinyin.constants import PHRASES_DICT, RE_HANS
from pypinyin.converter import UltimateConverter
from pypinyin.seg import mmseg

# ``lazy_pinyin``'s own converter: no tone sandhi, ü as v. Its dictionaries are
# pypinyin's, never changed here.
_CONVERTER = UltimateConverter(v_to_u=False, neutral_tone_with_five=False)

# RE_HANS is ``^(?:[...])+$``: one class of the characters pypinyin converts.
_HAN = RE_HANS.pattern.removeprefix("^(?:").removesuffix(")+$")
assert _HAN.startswith("[") and _HAN.endswith("]"), RE_HANS.pattern
_RUNS = re.compile(f"{_HAN}+|(?:(?!{_HAN}).)+", RE_HANS.flags | re.DOTALL)


def _alphanumeric(text):
    return "".join(ch for ch in text.lower() if ch.isalnum())


@lru_cache(maxsize=50_000)
def _word_keys(word):
    """(pinyin, initials) of one word, as ``lazy_pinyin`` gives them, not yet lower case."""
    full = _CONVERTER.convert(word, Style.NORMAL, False, "default", True)
    first = _CONVERTER.convert(word, Style.FIRST_LETTER, False, "default", True)
    return (
        "".join(s for item in full for s in item),
        "".join(s[:1] for item in first for s in item),
    )


@lru_cache(maxsize=50_000)
def _run_keys(run):
    """(pinyin, initials) of one run of Chinese or of other characters."""
    if not (PHRASES_DICT and RE_HANS.match(run)):
        return _word_keys(run)
    keys = [_word_keys(word) for word in mmseg.seg.cut(run)]
    return "".join(k[0] for k in keys), "".join(k[1] for k in keys)


def pinyin_keys(name):
    """Return (full pinyin, initials) in lower case, e.g. ("hepingqu", "hpq")."""
    keys = [_run_keys(run) for run in _RUNS.findall(name or "")]
    # Lower case of the whole name, not run by run (as lazy_pinyin's keys were).
    return (
        _alphanumeric("".join(k[0] for k in keys)),
        _alphanumeric("".join(k[1] for k in keys)),
    )
