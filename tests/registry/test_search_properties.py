"""Property-based tests (hypothesis) of the search normalizer, and of the searches built on
it: any text a visitor types gives an answer, never a server error."""

import unicodedata

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from registry import search
from registry.models import CommunityGroup, Organization
from registry.pinyin import pinyin_keys

FULL_WIDTH = {chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)}
# Letters and marks as typed into a Chinese search box, spaces of every kind included.
# Lone surrogates are left out: Django decodes requests as UTF-8, where they cannot occur.
typed = st.text(
    st.one_of(
        st.characters(exclude_categories=("Cs",)),
        st.sampled_from(list("和平区劝业场社区合唱团 \u3000\t\n\r\x00ＡＢＣ１２３")),
    ),
    max_size=60,
)


@given(typed)
@example("\x00")
@example(" \u3000 hé  píng\n区 ")
def test_normalize_is_idempotent_and_tidy(text):
    value = search.normalize(text)
    assert search.normalize(value) == value
    assert value == value.strip()
    assert "  " not in value
    assert not any(ch.isspace() and ch != " " for ch in value)
    assert not any(unicodedata.category(ch) == "Cc" for ch in value)


@given(st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=30))
def test_full_width_and_half_width_text_search_alike(text):
    full = "".join(FULL_WIDTH.get(ch, ch) for ch in text)
    assert search.normalize(full) == search.normalize(text)


@pytest.mark.django_db
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(typed)
@example("\x00")
@example("%_\\")
@example("'; DROP TABLE registry_organization; --")
def test_any_text_searches_without_error(text):
    list(search.search_organizations(Organization.objects.all(), text)[:5])
    list(search.search_groups(CommunityGroup.objects.all(), text, private=True)[:5])


# Names as ledgers write them: Chinese, Latin letters of either case, digits, spaces and
# punctuation mixed.
mixed_names = st.text(
    st.sampled_from(list("和平区劝业场社区合唱团中心ITabcXYZ019 -·（）()&")),
    min_size=1,
    max_size=20,
)


@given(mixed_names, st.data())
@example("天津IT产业A1联合会", None)
def test_latin_text_in_a_name_is_in_its_pinyin(name, data):
    """What lets a search of Latin letters and digits test the pinyin and the initials
    alone (``_Terms.text_condition``): every such text in a name, as a visitor would type
    it, is in the name's pinyin too."""
    name = search.normalize(name)
    if data is None:
        start, end = 2, 4  # "IT"
    else:
        start = data.draw(st.integers(0, len(name)))
        end = data.draw(st.integers(start, len(name)))
    terms = search._Terms(name[start:end])
    if not terms.pinyin or terms.chinese:
        return  # not a search of Latin letters and digits alone
    assert terms.pinyin in pinyin_keys(name)[0]
