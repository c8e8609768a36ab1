"""Property-based tests (hypothesis) of the credit-code normalizer and validator: whatever
a clerk pastes, the answer is the normalized code or a ValidationError, never a crash; the
spelling of a valid code does not matter; single typing errors are always caught."""

import unicodedata

from django.core.exceptions import ValidationError
from hypothesis import example, given
from hypothesis import strategies as st

from registry import creditcode
from registry.models import OrgType

ALPHABET = creditcode.ALPHABET
FULL_WIDTH = {chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)}

org_types = st.sampled_from([t.value for t in OrgType])
areas = st.text("0123456789", min_size=6, max_size=6)
bodies = st.text(ALPHABET, min_size=8, max_size=8)


@st.composite
def valid_codes(draw):
    return creditcode.make(draw(org_types), draw(areas), draw(bodies))


@st.composite
def as_typed(draw, code):
    """The code as it may arrive: lower case, full-width, with spaces and hyphens."""
    out = []
    for ch in code:
        if draw(st.booleans()):
            ch = ch.lower()
        if draw(st.booleans()):
            ch = FULL_WIDTH.get(ch, ch)
        out.append(ch)
        out.append(draw(st.sampled_from(["", "", "", " ", "-", "\u3000", "－", "\t"])))
    return draw(st.sampled_from(["", " ", "\n"])) + "".join(out)


@given(st.text())
@example("\x00")
@example("５１１２０１０１ＭＪ０００００１７Ｘ")
def test_normalize_is_idempotent_and_half_width(raw):
    code = creditcode.normalize(raw)
    assert creditcode.normalize(code) == code
    assert code == code.upper()
    assert not set(code) & {" ", "-", "\u3000", "\t", "\n"}
    assert unicodedata.normalize("NFKC", code) == code


@given(st.text())
@example("\x00" * 18)
@example("ⅫⅫⅫⅫⅫⅫⅫⅫⅫ")
@example("5" * 17 + "ß")
def test_validate_answers_a_code_or_a_message_for_any_text(raw):
    try:
        code = creditcode.validate(raw)
    except ValidationError as error:
        assert error.messages and all(m.strip() for m in error.messages)
    else:
        assert len(code) == 18 and code == creditcode.normalize(raw)
        assert code[0] == creditcode.CIVIL_AFFAIRS


@given(st.data(), valid_codes())
def test_any_spelling_of_a_valid_code_is_accepted(data, code):
    typed = data.draw(as_typed(code))
    assert creditcode.validate(typed) == code
    assert creditcode.validate(typed, org_type=code[1]) == code


@given(valid_codes(), st.integers(0, 17), st.sampled_from(ALPHABET))
def test_every_single_character_typo_is_caught(code, position, replacement):
    if code[position] == replacement:
        replacement = ALPHABET[(ALPHABET.index(replacement) + 1) % len(ALPHABET)]
    typo = code[:position] + replacement + code[position + 1 :]
    try:
        creditcode.validate(typo)
    except ValidationError:
        return
    raise AssertionError(f"{typo} (from {code}) was accepted")


@given(valid_codes(), st.integers(0, 15))
def test_every_swap_of_neighbours_is_caught(code, position):
    a, b = code[position], code[position + 1]
    if a == b:
        return
    swapped = code[:position] + b + a + code[position + 2 :]
    try:
        creditcode.validate(swapped)
    except ValidationError:
        return
    raise AssertionError(f"{swapped} (from {code}) was accepted")


@given(valid_codes(), st.text("0123456789", min_size=6, max_size=6))
def test_warnings_never_block_and_name_a_foreign_area(code, district):
    found = creditcode.warnings(code, district)
    assert all(isinstance(str(w), str) for w in found)
    assert any(code[2:8] in str(w) for w in found) == (code[2:8] != district)
