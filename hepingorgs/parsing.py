"""Parsers for what people type into ledgers (台账): pure functions from a cell's value to
a Python value, raising ``ParseError`` with a message for the user.

Each function takes what openpyxl gives for a cell (``str``, ``int``, ``float``,
``datetime``, ``bool`` or ``None``) and never touches the database or settings, so they
can be tested (and fuzzed) on their own. Messages are lazy translations: they become
Chinese text only when shown.
"""

import datetime
import math
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from django.utils.translation import gettext_lazy as _

CENT = Decimal("0.01")
TEN_THOUSAND = Decimal(10000)
# Excel's day 0 in the 1900 date system (it counts 29 February 1900, which never was,
# so every serial from 61 on is one day ahead; starting from 30 December 1899 absorbs it).
EXCEL_EPOCH = datetime.date(1899, 12, 30)
# Serial numbers that can be a date in a ledger: 1900-03-01 .. 2199-12-31. Serials below
# 61 would need a calendar of their own (60 is Excel's 29 February 1900); no ledger of a
# social organization has a date in January or February 1900.
EXCEL_SERIALS = (61, 109574)  # (2199-12-31 - EXCEL_EPOCH).days is 109574
EARLIEST_YEAR, LATEST_YEAR = 1900, 2199

# Full-width ASCII (ＡＢＣ１２３) is U+FF01..U+FF5E, 0xFEE0 above the ASCII character.
# In text only letters, digits and the ideographic space are made half-width: Chinese
# punctuation such as （）and ，is how names are written. Numbers, dates and codes take
# every full-width character to ASCII.
_ALL_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_ALL_FULL_WIDTH[0x3000] = 0x20
_FULL_WIDTH = {
    code: half for code, half in _ALL_FULL_WIDTH.items() if chr(half).isalnum() or half == 0x20
}
_SPACES = re.compile(r"\s+")


class ParseError(ValueError):
    """A value that cannot be read; ``str()`` gives the message for the user."""

    def __init__(self, message, **params):
        super().__init__(message)
        self.message = message
        self.params = params

    def __str__(self):
        return str(self.message) % self.params if self.params else str(self.message)


def half_width(text):
    """Full-width letters, digits and spaces to their ASCII forms."""
    return text.translate(_FULL_WIDTH)


def ascii_form(text):
    """Every full-width ASCII character to its ASCII form (for numbers, dates, codes)."""
    return text.translate(_ALL_FULL_WIDTH)


def clean_text(value):
    """A cell as one line of text: half-width ASCII, runs of spaces and line breaks made
    one space, trimmed. Chinese punctuation such as （） stays as typed. ``None`` is ""."""
    if type(value) is str:  # nearly every cell: straight to the cleaning
        return _SPACES.sub(" ", value.translate(_FULL_WIDTH)).strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime) and value.time() == datetime.time():
        value = value.date()
    return _SPACES.sub(" ", half_width(str(value))).strip()


def header_key(value):
    """A header cell reduced for matching: no spaces, no required-field asterisks, and
    without a unit in brackets at the end (注册资金（万元） -> 注册资金)."""
    text = clean_text(value).replace(" ", "").replace("*", "").replace("＊", "")
    return re.sub(r"[(（][^()（）]*[)）]$", "", text)


def header_multiplier(value):
    """10,000 when a header gives its unit as 万元, else 1."""
    text = clean_text(value)
    return TEN_THOUSAND if re.search(r"[(（]\s*万元?\s*[)）]", text) else Decimal(1)


def _text(value):
    return ascii_form(clean_text(value)).replace(" ", "")


def parse_date(value):
    """A date from a date cell, an Excel serial number, or text such as 2016-05-01,
    2016/5/1, 2016.5.1, 2016年5月1日 or 20160501. ``None`` for an empty cell."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, bool):
        raise ParseError(_("%(value)s is not a date."), value=value)
    if isinstance(value, int | float):
        return _from_serial(value)
    text = _text(value)
    if not text:
        return None
    if re.fullmatch(r"\d+(\.0+)?", text) and len(text.split(".")[0]) <= 6:
        return _from_serial(float(text))
    match = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?", text)
    if match is None:
        match = re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text)
    if match is None:
        raise ParseError(
            _("%(value)s is not a date; write it as 2016-05-01, 2016/5/1 or 2016年5月1日."),
            value=text,
        )
    year, month, day = (int(part) for part in match.groups())
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        raise ParseError(_("The year %(year)d is not plausible."), year=year)
    try:
        return datetime.date(year, month, day)
    except ValueError as exc:
        raise ParseError(_("%(value)s is not a day of the calendar."), value=text) from exc


def _from_serial(number):
    if not math.isfinite(number):
        raise ParseError(_("%(value)s is not a date."), value=number)
    if number != int(number):
        number = int(number)  # a date-time serial: the fraction is the time of day
    if not EXCEL_SERIALS[0] <= number <= EXCEL_SERIALS[1]:
        raise ParseError(_("%(value)s is not a date."), value=clean_text(number))
    return EXCEL_EPOCH + datetime.timedelta(days=int(number))


def parse_amount(value, multiplier=Decimal(1)):
    """Yuan as a Decimal with two places, from a number or text such as 30000,
    30,000.00, 3万元, 3.5万, ￥1,200元 or 人民币500元. ``multiplier`` is 10,000 for a
    column whose header says 万元. ``None`` for an empty cell."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ParseError(_("%(value)s is not an amount."), value=value)
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ParseError(_("%(value)s is not an amount."), value=value)
        if abs(value) >= 1e14:
            raise ParseError(_("%(value)s is too large an amount."), value=clean_text(value))
        number = Decimal(repr(value))
        # A computed cell may carry binary noise (0.30000000000000004): keep the cents.
        if abs(number - number.quantize(CENT, ROUND_HALF_UP)) < Decimal("0.000001"):
            number = number.quantize(CENT, ROUND_HALF_UP)
    else:
        text = _text(value).replace(",", "").replace("，", "")
        if not text:
            return None
        text = re.sub(r"^(人民币|RMB|CNY|[¥￥])", "", text, flags=re.IGNORECASE)
        text = re.sub(r"(元|圆|元整|元人民币)$", "", text)
        if text.endswith(("万", "萬")):
            multiplier, text = TEN_THOUSAND, text[:-1]
        try:
            number = Decimal(text)
        except InvalidOperation as exc:
            raise ParseError(
                _("%(value)s is not an amount; write it as 30000, 30,000.00 or 3万元."),
                value=clean_text(value),
            ) from exc
        if not number.is_finite():
            raise ParseError(_("%(value)s is not an amount."), value=clean_text(value))
    number *= multiplier
    if abs(number) >= Decimal(10) ** 14:
        raise ParseError(_("%(value)s is too large an amount."), value=clean_text(value))
    if number != number.quantize(CENT, ROUND_HALF_UP):
        raise ParseError(
            _("%(value)s has more than two decimal places of a yuan."), value=clean_text(value)
        )
    return number.quantize(CENT)


def parse_integer(value):
    """A whole number from a number or text such as 25, 1,200, ２５ or 25人.
    ``None`` for an empty cell."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ParseError(_("%(value)s is not a whole number."), value=value)
    if isinstance(value, float):
        if not value.is_integer():
            raise ParseError(_("%(value)s is not a whole number."), value=value)
        return int(value)
    if isinstance(value, int):
        return value
    text = _text(value).replace(",", "").replace("，", "")
    text = re.sub(r"(人|名|个|位)$", "", text)
    if not text:
        return None
    if not re.fullmatch(r"-?\d{1,12}(\.0+)?", text):
        raise ParseError(_("%(value)s is not a whole number."), value=clean_text(value))
    return int(text.split(".")[0])


def parse_year(value):
    """A year such as 2016, 2016年 or 2016年度. ``None`` for an empty cell."""
    if isinstance(value, datetime.date):
        value = value.year
    text = _text(value) if value is not None else ""
    text = re.sub(r"年度?$", "", text)
    try:
        year = parse_integer(text)
    except ParseError as exc:
        raise ParseError(_("%(value)s is not a year."), value=clean_text(value)) from exc
    if year is not None and not EARLIEST_YEAR <= year <= LATEST_YEAR:
        raise ParseError(_("The year %(year)d is not plausible."), year=year)
    return year


@lru_cache(maxsize=4096, typed=True)
def choice_key(text):
    """A coded value or its label reduced for matching: half-width, no spaces, lower case."""
    return ascii_form(clean_text(text)).replace(" ", "").lower()


def parse_choice(value, choices):
    """The code of a coded value given by code or by label. ``choices`` maps
    ``choice_key(code or label)`` to the code. "" for an empty cell."""
    key = choice_key(value)
    if not key:
        return ""
    if key.endswith(".0") and key[:-2].isdigit():
        key = key[:-2]  # a code typed as a number: 4.0 -> 4
    if key in choices:
        return choices[key]
    if key.isdigit() and key.zfill(2) in choices:
        return choices[key.zfill(2)]  # a two-digit code whose leading zero Excel dropped
    raise ParseError(_("%(value)s is not one of the allowed values."), value=clean_text(value))


LIST_SEPARATORS = re.compile(r"[、,，;；/|\s]+")


def parse_choices(value, choices):
    """Several coded values in one cell, separated by 、 , ; / or spaces."""
    text = clean_text(value)
    if not text:
        return []
    codes = []
    for part in LIST_SEPARATORS.split(text):
        if part:
            code = parse_choice(part, choices)
            if code not in codes:
                codes.append(code)
    return codes
