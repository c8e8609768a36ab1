"""Property-based tests (hypothesis) of the ledger-cell parsers in ``hepingorgs.parsing``:
whatever a cell holds, a parser gives a value of its type or a ``ParseError`` with a
message, never another exception; and every way the issue lists of writing a date, an
amount or a number reads back as the value written."""

import datetime
import string
from decimal import Decimal

from hypothesis import example, given
from hypothesis import strategies as st

from hepingorgs import parsing
from hepingorgs.parsing import ParseError

FULL_WIDTH = {chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)}


def full_width(text):
    return "".join(FULL_WIDTH.get(ch, ch) for ch in text)


# What openpyxl can hand over for a cell, including text typed into a ledger by hand.
ledger_text = st.text(
    st.one_of(
        st.characters(exclude_categories=("Cs",)),
        st.sampled_from(list("0123456789.,/-年月日元万人 \u3000\n\t１２３４５６７８９０，．")),
    ),
    max_size=40,
)
cells = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(),
    st.datetimes(),
    ledger_text,
)
ledger_dates = st.dates(
    min_value=datetime.date(parsing.EARLIEST_YEAR, 1, 1),
    max_value=datetime.date(parsing.LATEST_YEAR, 12, 31),
)
cents = st.integers(min_value=0, max_value=10**13 - 1)


def parses_or_refuses(parser, value, *args):
    """The parser's value, or None after checking the refusal carries a message."""
    try:
        return parser(value, *args)
    except ParseError as exc:
        assert str(exc).strip(), "a refusal without a message"
        return None


@given(cells)
@example("\x00")
@example("2016-02-30")
@example(float("nan"))
@example(10**20)
def test_any_cell_is_a_date_or_a_message(value):
    result = parses_or_refuses(parsing.parse_date, value)
    assert result is None or isinstance(result, datetime.date)
    if isinstance(result, datetime.date) and not isinstance(value, datetime.date):
        assert parsing.EARLIEST_YEAR <= result.year <= parsing.LATEST_YEAR


@given(cells)
@example("NaN")
@example("1e400")
@example("-0.001")
@example(float("inf"))
def test_any_cell_is_an_amount_or_a_message(value):
    result = parses_or_refuses(parsing.parse_amount, value)
    if result is not None:
        assert isinstance(result, Decimal)
        assert result.is_finite()
        assert result == result.quantize(parsing.CENT)
        assert abs(result) < Decimal(10) ** 14


@given(cells)
@example("9" * 13)
@example(float("inf"))
def test_any_cell_is_a_whole_number_or_a_message(value):
    result = parses_or_refuses(parsing.parse_integer, value)
    assert result is None or (isinstance(result, int) and not isinstance(result, bool))


@given(cells)
def test_any_cell_is_a_year_or_a_message(value):
    result = parses_or_refuses(parsing.parse_year, value)
    assert result is None or parsing.EARLIEST_YEAR <= result <= parsing.LATEST_YEAR


@given(
    ledger_dates,
    st.sampled_from(
        [
            "{y}-{m:02d}-{d:02d}",
            "{y}/{m}/{d}",
            "{y}.{m}.{d}",
            "{y}年{m}月{d}日",
            "{y}{m:02d}{d:02d}",
        ],
    ),
    st.booleans(),
    st.sampled_from(["", " ", "\n", "\u3000"]),
)
def test_every_listed_way_of_writing_a_date_reads_back(day, form, wide, padding):
    text = form.format(y=day.year, m=day.month, d=day.day)
    if wide:
        text = full_width(text)
    assert parsing.parse_date(padding + text + padding) == day


@given(st.dates(min_value=datetime.date(1900, 3, 1), max_value=datetime.date(2199, 12, 31)))
@example(datetime.date(1900, 3, 1))
@example(datetime.date(2199, 12, 31))  # was refused: the upper bound was a day short
def test_excel_serial_numbers_read_back(day):
    # From 1 March 1900 on; Excel counts a 29 February 1900 that never was.
    serial = (day - parsing.EXCEL_EPOCH).days
    assert parsing.parse_date(serial) == day
    assert parsing.parse_date(float(serial) + 0.5) == day  # a date-time: the day counts
    assert parsing.parse_date(str(serial)) == day


@given(cents, st.sampled_from(["{:,.2f}", "{:.2f}", "{:,.2f}元", "￥{:,.2f}", "人民币{:.2f}元"]))
def test_amounts_written_with_separators_and_units_read_back(amount_cents, form):
    amount = Decimal(amount_cents) / 100
    assert parsing.parse_amount(form.format(amount)) == amount
    assert parsing.parse_amount(full_width(form.format(amount))) == amount


@given(st.integers(min_value=0, max_value=10**9 - 1), st.sampled_from(["万", "万元"]))
def test_amounts_in_ten_thousands_read_back(amount_cents, unit):
    # 万 with up to six decimals is still whole cents.
    amount = Decimal(amount_cents) / 100
    in_wan = (amount / 10000).normalize()
    assert parsing.parse_amount(f"{in_wan:f}{unit}") == amount
    assert parsing.parse_amount(f"{in_wan:f}", parsing.TEN_THOUSAND) == amount


@given(cents)
def test_float_amounts_keep_their_cents(amount_cents):
    amount = Decimal(amount_cents) / 100
    assert parsing.parse_amount(float(amount)) == amount


@given(
    st.integers(min_value=0, max_value=10**11),
    st.sampled_from(["{}", "{:,}", "{}人", "{}名", "{}.0"]),
    st.booleans(),
)
def test_whole_numbers_read_back(number, form, wide):
    text = form.format(number)
    assert parsing.parse_integer(full_width(text) if wide else text) == number


@given(st.integers(min_value=parsing.EARLIEST_YEAR, max_value=parsing.LATEST_YEAR))
def test_years_read_back(year):
    for text in (str(year), f"{year}年", f"{year}年度", full_width(str(year)), float(year)):
        assert parsing.parse_year(text) == year


@given(cells)
def test_clean_text_is_one_tidy_line(value):
    text = parsing.clean_text(value)
    assert parsing.clean_text(text) == text
    assert text == text.strip()
    assert "  " not in text and "\n" not in text and "\u3000" not in text
    assert not any(ch in text for ch in full_width(string.ascii_letters + string.digits))


CHOICES = {"01": "社会团体", "02": "民办非企业单位", "03": "基金会"}
CHOICE_KEYS = {
    parsing.choice_key(key): code for code, label in CHOICES.items() for key in (code, label)
}


@given(
    st.sampled_from(sorted(CHOICES)),
    st.booleans(),
    st.booleans(),
    st.sampled_from(["", " ", "\n", "\u3000"]),
)
def test_coded_values_by_code_or_label_in_any_width_and_spacing(code, by_label, wide, pad):
    text = CHOICES[code] if by_label else code
    if wide:
        text = full_width(text)
    assert parsing.parse_choice(pad + text + pad, CHOICE_KEYS) == code
    if not by_label:
        assert parsing.parse_choice(int(code), CHOICE_KEYS) == code  # Excel dropped the 0


@given(ledger_text)
def test_any_text_is_a_coded_value_or_a_message(text):
    result = parses_or_refuses(parsing.parse_choice, text, CHOICE_KEYS)
    assert result is None or result == "" or result in CHOICES
    codes = parses_or_refuses(parsing.parse_choices, text, CHOICE_KEYS)
    assert codes is None or (set(codes) <= set(CHOICES) and len(codes) == len(set(codes)))
