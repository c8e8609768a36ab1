"""One normalizer and one search function for every place that searches names:
the public directory (HTML and API), the clerks' workspace and the staff admin.

What a person may type: any part of the name (one or two Chinese characters included),
full pinyin with or without spaces (``hepingqu``, ``he ping qu``), pinyin initials
(``hpq``), a credit code or its last characters, and for filed groups the filing number.
Full-width input is folded to half-width first.

Ranking: both search functions annotate ``search_rank`` (0 exact match of the name, its
pinyin, initials, credit code or filing number; 1 prefix match; 2 anything else). Order
by it first, e.g. ``.order_by("search_rank", "name_pinyin", "id")``. Without a search
text the annotation is the constant 0, so the same ordering works on every list.

Counts: ``capped_count`` and ``estimated_count`` count a large result without reading
all of it; ``EstimatedCountPaginator`` is a Django paginator built on them (its
``count_is_exact`` says whether to print "about").

The index design behind these lookups (registry/migrations/0007_search_indexes.py) was
decided by measurement, see ``bench/directory.py`` and ``docs/benchmarks.md``:

- Chinese text: ``registry_ngrams(name)``, a GIN index over the name's single characters
  and character pairs. A query of one character looks for that character, a longer one
  for its rarest pair (``ngrams_to_look_up``); ``strpos(lower(name), ...)`` then checks
  the exact substring (``Holds``: as ``ILIKE`` would, but estimated by the planner as it
  should be, and cheaper). Latin letters and digits are looked for in the pinyin and
  initials alone (``_Terms.text_condition``). pg_trgm cannot serve patterns under three
  characters, and Django's ``icontains`` (``UPPER(name) LIKE``) is served by no index at
  all, so neither is used for names.
- pinyin, initials and filing numbers: trigram GIN indexes (``LIKE '%x%'``, stored in
  lower or upper case so no ``UPPER()`` is needed).
- credit code: the unique index for a full code, ``reverse(credit_code)`` with
  ``text_pattern_ops`` for its last characters.
"""

import json
import time
import unicodedata
from contextlib import contextmanager
from functools import cache, cached_property

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.lookups import DataContains
from django.core.exceptions import EmptyResultSet, FieldDoesNotExist
from django.core.paginator import Paginator
from django.db import OperationalError, connections, models, transaction
from django.db.models import Case, F, Func, IntegerField, Q, Value, When
from django.db.models.constants import LOOKUP_SEP
from django.db.models.expressions import Col, CombinedExpression, OrderBy
from django.db.models.functions import Reverse
from django.db.models.lookups import Exact
from django.db.models.sql.where import AND, OR, WhereNode

from hepingorgs.kept import Kept
from hepingorgs.lookups import AnyOf, Implied
from registry import creditcode
from registry.pinyin import pinyin_keys

# Creates registry_ngrams(); run by migration 0007 (and 0017, which made it what it is).
# Built-in regular expressions instead of a loop over the characters: four times faster,
# which matters when the index is built over millions of names. chr(1) separates the
# pairs, so names with spaces work. Not STRICT (a NULL gives NULL all the same), so that
# PostgreSQL inlines its body where it is used, in queries and in the indexes' upkeep: a
# SQL function that is called costs an executor of its own per name (100,000 names into
# one n-gram index: 4.8-5.4 s called, 3.5-4.3 s inlined).
NGRAMS_FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION registry_ngrams(value text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT regexp_split_to_array(lower(value), '')
        || string_to_array(regexp_replace(lower(value), '(..)', '\\1' || chr(1), 'g'), chr(1))
        || string_to_array(
            regexp_replace(substr(lower(value), 2), '(..)', '\\1' || chr(1), 'g'), chr(1)
        )
$$
"""

# Creates registry_street_ngrams(); run by migration 0020. The n-grams of a name (as
# registry_ngrams() gives them, but for the empty one that it sometimes gives), each
# after the row's street key and a space ("3 合唱"):
# one GIN index of them finds a street's matches alone (``_Terms.name_condition``).
# Written with regular expressions over the n-grams joined by chr(1), not over
# registry_ngrams()'s array: array_to_string() is only STABLE, and PostgreSQL inlines an
# IMMUTABLE function only when all of its body is (see NGRAMS_FUNCTION_SQL). It calls no
# function of ours either: pg_restore builds the indexes with an empty search_path, where
# registry_ngrams() is not found (tests/test_backup.py).
STREET_NGRAMS_FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION registry_street_ngrams(street bigint, value text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT array_remove(
        string_to_array(
            street::text || ' ' || regexp_replace(
                regexp_replace(lower(value), '(.)', '\\1' || chr(1), 'g')
                    || regexp_replace(lower(value), '(..)', '\\1' || chr(1), 'g')
                    || chr(1)
                    || regexp_replace(substr(lower(value), 2), '(..)', '\\1' || chr(1), 'g'),
                chr(1), chr(1) || street::text || ' ', 'g'
            ),
            chr(1)
        ),
        street::text || ' '
    )
$$
"""

# Fewer characters than this in a credit code's tail match too many codes to be useful.
CODE_SUFFIX_MIN = 4
CODE_CHARACTERS = frozenset(creditcode.ALPHABET)
# pg_trgm needs three characters to use its index.
TRIGRAM_MIN = 3
COUNT_CAP = 10000
SEARCH_COUNT_CAP = 2000
# A search the planner expects to match more than this many times its count cap is not
# counted: the estimate is shown (marked as one). Below it the matches are counted up to
# the cap, and the estimate only stands in above the cap.
TRUSTED_ESTIMATE = 4
# Longest search a form or the API accepts (a name is at most 100 characters).
SEARCH_MAX_LENGTH = 100


class Ngrams(Func):
    """The name's characters and character pairs, lower-cased (``registry_ngrams``)."""

    function = "registry_ngrams"
    output_field = ArrayField(models.TextField())


class StreetNgrams(Ngrams):
    """``registry_street_ngrams(street, x)``: the n-grams of ``x``, each after the
    street's key and a space (``StreetNgrams("street", "name")``)."""

    function = "registry_street_ngrams"


class Holds(models.Lookup):
    """``strpos(lower(x), y) <> 0``: ``x`` holds the (lower-case) text ``y``, compared as
    ``ILIKE`` does. Used next to the n-gram look-up rather than ``ILIKE``: PostgreSQL
    estimates ``ILIKE '%..%'`` as rare and multiplies it with the n-grams' selectivity
    (12,707 names hold 养老; it expected 255), while it takes ``<> 0`` on a function's
    result as true of nearly every row, so the estimate of a search is the n-gram
    index's, which its statistics give well (``EstimatedCountPaginator`` trusts a large
    estimate instead of counting). Cheap per row, so a walk down the name order still
    rejects most names before computing their n-grams.

    Text without letters that have a case (Chinese, digits: ``caseless``) is in ``x``
    exactly where it is in ``lower(x)``, and is looked for in ``x`` itself:
    ``lower()`` of each name and leader's name tested was half the time of a walk
    testing 1,800 names for 合唱 at three million groups (4.6 to 2.2 ms), a quarter of
    collecting the 3,227 groups led by 王芳 (20 to 15 ms).

    Other text is looked for in ``lower(x)`` only when ``x`` holds one of its
    characters as it is or in upper case (``_probe``): ``lower()`` of a Chinese name
    costs some 0.5 µs, looking for ``h`` and ``H`` in it a tenth of that, and a walk of
    the staff workspace testing 15,244 leaders' names for "hct" spent 11 of its 27 ms on
    ``lower()``. The test stays one expression (a ``CASE``) compared with 0, so the
    planner's estimate is the same as without it."""

    lookup_name = "holds"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        text = getattr(self.rhs, "value", self.rhs)
        if caseless(text):
            return f"strpos({lhs}, {rhs}) <> 0", [*lhs_params, *rhs_params]
        held = f"strpos(lower({lhs}), {rhs})"
        probe = _probe(text) if isinstance(text, str) else ()
        if not probe:
            return f"{held} <> 0", [*lhs_params, *rhs_params]
        found = " + ".join(f"strpos({lhs}, %s)" for _ in probe)
        params = [param for character in probe for param in (*lhs_params, character)]
        return (
            f"CASE WHEN {found} <> 0 THEN {held} ELSE 0 END <> 0",
            [*params, *lhs_params, *rhs_params],
        )


def _probe(text):
    """Characters of which a string must hold one for its ``lower()`` to hold the
    lower-case ``text``: a digit or a letter without case (a Chinese character) of the
    text, which only itself lower-cases to; else an ASCII letter of it and its upper
    case. Not ``i`` or ``k``, which ``İ`` and the Kelvin sign lower-case to too. Empty
    when the text has none of these (Greek or accented letters: ``ς`` and ``σ`` both
    upper-case to ``Σ``)."""
    for character in text:
        if "0" <= character <= "9" or unicodedata.category(character) == "Lo":
            return (character,)
    for character in text:
        if "a" <= character <= "z" and character not in "ik":
            return (character, character.upper())
    return ()


def caseless(text):
    """Whether ``text`` is a string whose characters have no upper or lower case form
    (Chinese characters, digits, punctuation), so that no character of a name but the
    same one is that character once lower-cased."""
    return isinstance(text, str) and text == text.lower() == text.upper()


def normalize(text):
    """Search text as the database stores names: full-width forms folded to half-width
    (NFKC, so the ideographic space too), control characters (NUL included, which
    PostgreSQL refuses in text) and line breaks read as spaces, runs of spaces collapsed,
    surrounding spaces dropped."""
    text = unicodedata.normalize("NFKC", text or "")
    text = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text)
    return " ".join(text.split())


def ngrams(value):
    """What to look up in the ``registry_ngrams`` index for a substring ``value``: the
    character itself, or every pair of neighbouring characters."""
    value = value.lower()
    if len(value) == 1:
        return [value]
    return sorted({value[i : i + 2] for i in range(len(value) - 1)})


# How long the n-grams' frequencies read from PostgreSQL's statistics are kept (ANALYZE,
# which autovacuum runs as a table changes, is what renews them).
NGRAM_STATS_SECONDS = 600
_ngram_stats = Kept()  # (database, *key) -> (statistics, table rows): _element_statistics


def _ngram_frequencies(using, index):
    """The share of rows holding each of the most common n-grams of ``index``, from
    PostgreSQL's statistics of the index (``pg_stats.most_common_elems``); None before
    the table is first analyzed."""
    return _ngram_statistics(using, index)[0]


def _ngram_statistics(using, index):
    """(``_ngram_frequencies``, the rows of the index's table when it was analyzed), or
    (None, None) before it is."""
    frequencies, rows = _element_statistics(
        using,
        (index,),
        "SELECT s.tablename, s.most_common_elems::text::text[], s.most_common_elem_freqs, "
        "t.reltuples FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid "
        "LEFT JOIN pg_stats s ON s.schemaname = current_schema() AND s.tablename = %s "
        "WHERE i.indexrelid = to_regclass(%s)",
        [index, index],
    )
    found = frequencies.get(index)
    return (found, rows) if found else (None, None)


def _element_statistics(using, key, sql, params):
    """({name: {element: share of rows holding it}}, the table's rows when it was
    analyzed, or None) from ``sql``, whose rows are (the statistics' name, their most
    common elements, their shares, the table's ``reltuples``), the name null where
    nothing is analyzed yet: one query, whether or not it is, kept under ``key`` for
    ``NGRAM_STATS_SECONDS`` (the n-gram indexes' statistics, ``_ngram_statistics``; the
    trigrams' extended statistics, ``_trigram_statistics``)."""

    def read():
        with connections[using].cursor() as cursor:
            cursor.execute(sql, params)
            found = cursor.fetchall()
        frequencies = {
            name: dict(zip(elements, shares, strict=False))
            for name, elements, shares, _rows in found
            if name and elements
        }
        rows = found[0][3] if found else None
        return frequencies, rows if rows and rows > 0 else None

    return _ngram_stats.get((using, *key), NGRAM_STATS_SECONDS, read)


def ngrams_to_look_up(value, using, index):
    """The n-grams of ``value`` a search looks up in ``index``: the rarest of its pairs,
    not all of them. The substring test (``Holds``) decides; the look-up only narrows
    the rows to test, and one rare pair narrows them nearly as well as all of them do.
    All of them cost more: the pairs of a word go together (老服 is nearly always in
    养老服务), yet PostgreSQL reads every pair's list of rows, 服务's among them (one
    name in six), and multiplies their shares as if they were independent (25 names
    expected for 养老服务, 12,707 found in a million), so it counts what it could have
    estimated. The rarest pair's share is the estimate instead. Pairs that are not among
    the most common ones are all rarer than any that are, and are all kept."""
    keys = ngrams(value)
    if len(keys) < 2:
        return keys
    frequencies = _ngram_frequencies(using, index)
    if not frequencies:
        return keys
    rare = [key for key in keys if key not in frequencies]
    return rare or [min(keys, key=frequencies.__getitem__)]


def ngram_share(keys, using, index):
    """The share of rows holding every one of ``keys`` as PostgreSQL's statistics of
    ``index`` give it: the rarest key's share, or, for a key that is not among the most
    common ones, half the least common one's (as the planner takes it); None before the
    table is first analyzed."""
    frequencies = _ngram_frequencies(using, index)
    if not frequencies:
        return None
    if any(key not in frequencies for key in keys):
        return min(frequencies.values()) / 2
    return min(frequencies[key] for key in keys)


def _has_chinese(value):
    return not value.isascii()


class _Terms:
    """One normalized search text and the forms it is compared in."""

    def __init__(self, text):
        self.value = normalize(text)
        self.chinese = _has_chinese(self.value)
        # pinyin and initials are stored in lower case without spaces.
        self.compact = self.value.replace(" ", "").lower()
        if self.chinese:
            # A homophone typo (太级拳 for 太极拳) still finds the name through its pinyin;
            # one character's pinyin would match far too much.
            self.pinyin = pinyin_keys(self.value)[0] if len(self.compact) >= 2 else ""
        elif self.compact.isalnum():
            self.pinyin = self.compact
        else:
            self.pinyin = ""
        code = creditcode.normalize(self.value)
        self.code = code if code.isascii() and code.isalnum() else ""
        # (n-grams, index) of each n-gram look-up, for ``StaffPaginator._sparse``.
        self.lookups = []
        # Whether a look-up is of one street's n-grams (``name_condition``).
        self.by_street = False

    def name_condition(self, queryset, *columns):
        """Substring of a name (or of any of ``columns``, by default the name), served by
        each column's n-gram index whatever its length or script (the n-grams are
        lower-cased, like ILIKE's comparison; ``_ngram_indexes``).

        Several columns are ``(holds(a) OR holds(b)) AND (n-grams(a) OR n-grams(b))``,
        the same rows as ``(holds(a) AND n-grams(a)) OR (...)`` since a column that holds
        the text holds its n-grams. PostgreSQL finds the rows through the n-gram indexes
        either way (a BitmapOr), but it can only drop the look-ups from the test of each
        row it finds when they are the whole ``OR`` it found them by: as an ``OR`` of
        pairs, every match computed its n-grams again (7 of the 27 ms of counting a staff
        search's first 501 matches of 合唱 at three million groups).

        A query limited to one street (``_street_of``: a clerk's list, a street filter)
        looks up that street's n-grams, where a column has them (``StreetNgrams``): the
        same rows, through the street's entries of the index alone. 合唱 is in 77,000 of
        three million groups' names; reading them all to keep a street's sixth of them
        was 12 of the 18 ms that counting a clerk's search took."""
        columns = columns or ("name",)
        indexes = _ngram_indexes(queryset.model)
        street = _street_of(queryset)
        holds, looked_up, aliases = Q(), Q(), {}
        for column in columns:
            alias = f"_{column}_ngrams"
            index = indexes[Ngrams, column]
            keys = ngrams_to_look_up(self.value, queryset.db, index)
            # The share of rows found, for StaffPaginator._sparse: the whole table's.
            self.lookups.append((keys, index))
            holds |= Holds(F(column), self.value.lower())
            if street is None or (StreetNgrams, column) not in indexes:
                aliases[alias] = Ngrams(column)
            else:
                aliases[alias] = StreetNgrams("street", column)
                keys = [f"{street} {key}" for key in keys]
                self.by_street = True
            looked_up |= Q(**{f"{alias}__contains": keys})
        # The substring test first: where a row is tested rather than found through the
        # index, the cheap test rejects it before the n-grams are computed.
        return holds & looked_up, aliases

    def text_condition(self, queryset):
        """A name's substring, pinyin or initials. Latin letters and digits alone are
        looked for in the pinyin and the initials only: the pinyin keeps a name's own
        letters and digits (lower case, without spaces or punctuation: ``pinyin_keys``),
        so every name holding such a text holds it in its pinyin too, and the test
        needs no n-grams of the name. The pinyin ordering index carries the pinyin and
        the initials, so a walk down it (``walked``) tests names from the index alone."""
        if self.pinyin and not self.chinese:
            return self.pinyin_condition(), {}
        condition, aliases = self.name_condition(queryset)
        return condition | self.pinyin_condition(), aliases

    def pinyin_condition(self):
        """Latin text as pinyin or initials (Chinese text: see ``_with_homophones``)."""
        if not self.pinyin or self.chinese:
            return Q()
        condition = Q(name_pinyin__contains=self.pinyin)
        if not self.chinese:
            condition |= Q(name_initials__contains=self.pinyin)
        return condition

    def exact_condition(self):
        condition = Q(name=self.value)
        if self.pinyin:
            condition |= Q(name_pinyin=self.pinyin) | Q(name_initials=self.pinyin)
        return condition

    def prefix_condition(self):
        """Served by btree pattern indexes (``LIKE 'x%'``), so the paginator can fetch
        the best matches of a very large result without ranking all of it."""
        condition = Q(name__startswith=self.value)
        if self.pinyin:
            # With the range too: PostgreSQL turns ``LIKE 'x%'`` into a range only under
            # the C collation or a pattern index, and the pattern index on pinyin lacks
            # the key, so the best matches' keys come from the (name_pinyin, id) index
            # alone (pinyin is lower-case letters and digits, so the range holds exactly
            # the prefix's names).
            following = self.pinyin[:-1] + chr(ord(self.pinyin[-1]) + 1)
            condition |= Q(
                name_pinyin__startswith=self.pinyin,
                name_pinyin__gte=self.pinyin,
                name_pinyin__lt=following,
            )
            if not self.chinese and len(self.pinyin) > 1:
                # Not for one letter or digit: a name's pinyin and its initials begin
                # with the same one (``registry.pinyin.pinyin_keys``; not quite always:
                # "(A)" gives "a" and no initial), so the pinyin's range above finds
                # them, in the pinyin's order, where the initials' prefix would collect
                # a seventh of all names to sort them (``_best_keys``).
                condition |= Q(name_initials__startswith=self.pinyin)
        return condition


def _rank(exact, prefix):
    return Case(
        When(exact, then=Value(0)),
        When(prefix, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )


def _unranked(queryset):
    return queryset.annotate(search_rank=Value(0, output_field=IntegerField()))


def _with_homophones(queryset, terms, condition, aliases, held):
    """Chinese text that is in no name as typed is looked up by its sound, so a
    homophone typo (太级拳 for 太极拳) still finds the name: one more query, and only for
    Chinese text. Not mixed into every search: a trigram match needs rechecking row by
    row, and the recheck would compute every candidate's n-grams. Text that the
    statistics find in at least ``COMMON_TEXT_ROWS`` names (``held``: ``rows_holding``)
    is no typo, and is not checked (a clerk's 合唱 at three million groups: 7 ms)."""
    if not (terms.chinese and terms.pinyin):
        return condition
    if held is not None and held >= COMMON_TEXT_ROWS:
        return condition
    if queryset.alias(**aliases).filter(condition).exists():
        return condition
    return condition | Q(name_pinyin__contains=terms.pinyin)


# Chinese text in at least this many names of a table (by PostgreSQL's statistics) is no
# homophone typo: its search does not first check that some name holds it as typed.
COMMON_TEXT_ROWS = 1000


def rows_holding(queryset, terms):
    """How many rows of ``queryset``'s table match ``terms``' text at least, from
    PostgreSQL's statistics: for Chinese text of one or two characters (its one n-gram
    is the text itself) the names holding it, from the name's n-gram index's; for three
    Latin letters or digits (one trigram) the pinyin or initials holding them
    (``_rows_holding_trigram``); when the text is among the most common elements, so
    that the figure is one PostgreSQL saw in its sample rather than a guess. None
    otherwise (longer text may be rarer than all of its pairs). The whole table's rows
    (as many as when it was analyzed): ``queryset``'s own conditions do not enter it.
    At most one query, the statistics' (kept as the n-grams' are)."""
    if not terms.chinese:
        return _rows_holding_trigram(queryset, terms)
    if len(terms.value) > 2:
        return None
    index = _ngram_indexes(queryset.model).get((Ngrams, "name"))
    frequencies, rows = _ngram_statistics(queryset.db, index) if index else (None, None)
    share = (frequencies or {}).get(terms.value.lower())
    return None if share is None or rows is None else share * rows


# Statistics of the trigrams of the columns a Latin search looks in, by table (extended
# statistics on show_trgm(column), migration 0022; their names here are the migration's).
TRIGRAM_STATISTICS = {
    "registry_organization": ("organization_pinyin_trigrams", "organization_initials_trigrams"),
    "registry_communitygroup": ("group_pinyin_trigrams", "group_initials_trigrams"),
}


def _rows_holding_trigram(queryset, terms):
    """``rows_holding`` for three Latin letters or digits ("hpq"), which are one trigram:
    the rows whose pinyin or initials hold it (the larger share of the two; each is a
    match), from the statistics of those columns' trigrams, when it is among their most
    common ones; else None."""
    names = TRIGRAM_STATISTICS.get(queryset.model._meta.db_table)
    if not names or len(terms.pinyin) != TRIGRAM_MIN:
        return None
    frequencies, rows = _trigram_statistics(queryset.db, queryset.model._meta.db_table)
    shares = [
        frequencies[name][terms.pinyin]
        for name in names
        if terms.pinyin in frequencies.get(name, ())
    ]
    return max(shares) * rows if shares and rows is not None else None


def _trigram_statistics(using, table):
    """({statistics' name: {trigram: share of rows}}, the table's rows when analyzed) of
    the expression statistics of ``table`` (``pg_stats_ext_exprs``)."""
    return _element_statistics(
        using,
        ("trigrams", table),
        "SELECT e.statistics_name, e.most_common_elems::text::text[], "
        "e.most_common_elem_freqs, c.reltuples FROM pg_class c "
        "LEFT JOIN pg_stats_ext_exprs e ON e.schemaname = current_schema() "
        "AND e.tablename = c.relname WHERE c.oid = to_regclass(%s)",
        [table],
    )


def _apply(queryset, terms, condition, aliases, exact):
    looked_up = condition
    held = rows_holding(queryset, terms)
    condition = _with_homophones(queryset, terms, condition, aliases, held)
    if aliases:
        queryset = queryset.alias(**aliases)
    prefix = terms.prefix_condition()
    found = queryset.filter(condition).annotate(search_rank=_rank(exact, prefix))
    # Rows ranked before the rest, for EstimatedCountPaginator; the query's attributes
    # survive the clones of later filter() and order_by() calls.
    found.query.search_first = exact | prefix
    # The search's own condition, for the rest of the matches (``_after_first``).
    found.query.search_condition = condition
    # Each on its own too, for a page's best matches (``_best_keys``).
    found.query.search_exact = exact
    found.query.search_prefix = prefix
    if terms.by_street:
        # Matches collected through the street's n-grams test the street on each of
        # them (``walked``, ``EstimatedCountPaginator._keys_up_to``): PostgreSQL would
        # intersect them with a bitmap of the street's every row (166,000 rows, 13 of
        # the 22 ms of a search's keys with a street and a status at a million
        # organizations). The planner's estimate is asked of the condition as it is.
        found.query.collect_tested_per_row = "street_id"
    if terms.chinese and condition is looked_up:
        # The n-gram look-ups whose statistics tell the share of rows the search finds,
        # for ``StaffPaginator._sparse``. Not for Latin text or homophones: a trigram's
        # estimate is no guide (870 for "hct", which 9,600 of three million groups hold;
        # 200 for "yanglao", 12,000).
        found.query.search_lookups = tuple(terms.lookups)
    if held is not None and not queryset.query.where:
        # At least this many rows match (``rows_holding``), when nothing but the
        # search narrows them (``searched_alone``), for ``StaffPaginator``.
        found.query.search_held = held
        _mark_searched_alone(found)
    return found


def _mark_searched_alone(queryset):
    """Notes that ``queryset``'s conditions, as they are now, are its search's alone."""
    queryset.query.search_conditions = len(queryset.query.where.children)


def searched_alone(queryset):
    """Rows that the statistics put among the matches of ``queryset``'s search when
    its conditions are still the search's alone (no filter or street added since, see
    ``_apply``); else None."""
    query = queryset.query
    conditions = getattr(query, "search_conditions", None)
    if conditions is None or conditions != len(query.where.children):
        return None
    return getattr(query, "search_held", None)


def search_share(queryset):
    """The share of its table's rows a search (``search_organizations``,
    ``search_groups``) finds, from the n-gram indexes' statistics; None for Latin text,
    homophones, or a table not yet analyzed."""
    lookups = getattr(queryset.query, "search_lookups", None)
    if not lookups:
        return None
    shares = [ngram_share(keys, queryset.db, index) for keys, index in lookups]
    return None if None in shares else min(1.0, sum(shares))


def search_organizations(queryset, text):
    """Registered organizations matching ``text``: name, pinyin, initials or credit code;
    annotated with ``search_rank`` (see the module's docstring)."""
    terms = _Terms(text)
    if not terms.value:
        return _unranked(queryset)
    condition, aliases = terms.text_condition(queryset)
    exact = terms.exact_condition()
    if len(terms.code) == 18:
        condition |= Q(credit_code=terms.code)
        exact |= Q(credit_code=terms.code)
    elif len(terms.code) >= CODE_SUFFIX_MIN and set(terms.code) <= CODE_CHARACTERS:
        # Only text a code can end with: most pinyin holds I, O, S, V or Z, which no
        # code has, and its search then walks the pinyin index alone.
        aliases["_code_reversed"] = Reverse("credit_code")
        condition |= Q(_code_reversed__startswith=terms.code[::-1])
    return _apply(queryset, terms, condition, aliases, exact)


def search_groups(queryset, text, *, private=False):
    """Filed community groups matching ``text``: name, pinyin, initials or filing number;
    with ``private`` (internal pages only) also the leader's name. Annotated with
    ``search_rank``."""
    terms = _Terms(text)
    if not terms.value:
        return _unranked(queryset)
    if private and terms.chinese:
        # Chinese text is a substring of the name or of the leader's name: one look-up
        # of both (``name_condition``).
        condition, aliases = terms.name_condition(queryset, "name", "leader_name")
    else:
        condition, aliases = terms.text_condition(queryset)
    exact = terms.exact_condition()
    number = terms.value.upper()
    if len(number) >= TRIGRAM_MIN and number.isascii():
        condition |= Q(filing_number__contains=number)
        exact |= Q(filing_number=number)
    if private and not terms.chinese:
        leader, leader_aliases = terms.name_condition(queryset, "leader_name")
        condition |= leader
        aliases.update(leader_aliases)
    return _apply(queryset, terms, condition, aliases, exact)


# ---------------------------------------------------------------------------------------
# Counting large results
# ---------------------------------------------------------------------------------------


def capped_count(queryset, cap=COUNT_CAP):
    """The number of rows, read no further than ``cap + 1``: a result above ``cap`` means
    "more than ``cap``". One query."""
    # Only the key: the annotations of a public list (credit listings as EXISTS) are
    # computed for the page's rows, not for every row counted.
    return queryset.order_by().values("pk")[: cap + 1].count()


# Plans other than walking an index in the query's order, switched off for one statement:
# collecting the matches (bitmap, sequential scan), or any index and then sorting.
# Parallel workers each walk a part of the index and together read many times the rows
# one walk needs.
#
# A walk that has not filled its page by WALK_TIMEOUT_MS is stopped: the matches are few
# for the rows it tests (a leader's name, 3,227 of three million groups: a 50-row page
# tests 45,000 rows, 100-370 ms), or bunched far down the order (天津市和平区 names under
# "t" for "tjshpq"). Collecting them through the search indexes then costs 24-75 ms.
# Walks that fill their page take 3-10 ms at a million names (bench/directory.py), so
# 25 ms leaves room for a busy machine; at 100 ms, as before, such pages took 130-175 ms.
# Collecting is stopped too, by COLLECT_TIMEOUT_MS: a walk cut short on a loaded machine
# may be one over a word in most names (会), whose matches are far too many to collect;
# the walk is then finished whatever it takes.
WALK_TIMEOUT_MS = 25
COLLECT_TIMEOUT_MS = 250
_WALK = {
    "enable_bitmapscan": "off",
    "enable_seqscan": "off",
    "enable_sort": "off",
    "enable_incremental_sort": "off",
    "max_parallel_workers_per_gather": "0",
    "statement_timeout": str(WALK_TIMEOUT_MS),
}
# The other way: collect every match through the search indexes, then sort them; in one
# process, as counts are (``_ONE_PROCESS``): a clerk's search for a leader's name
# collected its 515 matches in 4 ms, and waited 16 ms for two parallel workers to start.
_COLLECT = {
    "enable_indexscan": "off",
    "max_parallel_workers_per_gather": "0",
    "statement_timeout": str(COLLECT_TIMEOUT_MS),
}
# The last resort: the walk, under the connection's own statement timeout.
_WHOLE_WALK = {name: value for name, value in _WALK.items() if name != "statement_timeout"}
QUERY_CANCELED = "57014"


def walked(queryset, start, stop, *, sparse=False):
    """Rows ``start:stop`` of ``queryset``, read by walking the index of its ordering and
    testing each row rather than by collecting every match first and sorting them: their
    keys (``_walked_keys``), then the rows by key."""
    found = _walked_keys(queryset, start, stop, sparse=sparse)
    return found if queryset._fields is not None else _rows_by_keys(queryset, found)


def _walked_keys(queryset, start, stop, *, sparse=False):
    """The keys of rows ``start:stop`` of ``queryset`` (its rows, for ``values()``), read
    by walking the index of its ordering and testing each row (``walked``).

    For a search known to match more rows than the count cap. PostgreSQL multiplies the
    selectivities of the n-gram look-up and of ``ILIKE`` (or of each trigram) as if they
    were independent, expects a few hundred matches where there are tens of thousands,
    and so collects and sorts all of them (bitmap scan, 75 ms for 养老 over a million
    names); walking the name order until the page is full tests about
    ``page size x rows / matches`` names (3 ms). The planner's choice is switched off for
    this one statement (``SET LOCAL`` in a savepoint). When the walk runs past
    ``WALK_TIMEOUT_MS`` (few matches, or matches bunched far down the order), it is
    cancelled and the page comes from collecting the matches through the search indexes
    and sorting them (index scans off: otherwise the planner, as misled as before, would
    choose the walk again); when that runs past ``COLLECT_TIMEOUT_MS`` too, the walk is
    run to its end.

    ``sparse``: the matches are known to be few for the rows a walk would test (see
    ``StaffPaginator._sparse``), and are collected first; the walk (with its time limit,
    then without) only if collecting them runs past ``COLLECT_TIMEOUT_MS``. A statement
    whose walk gave way and whose matches were then collected in less than twice the
    time the walk was given is collected first too, for ``COLLECTED_FIRST_SECONDS`` (its
    next pages, or the same search again: a trigram's statistics cannot tell beforehand
    that "hct" is few)."""
    # Keys only, then the rows by key: the walk reads no more than it tests, and the
    # list's annotations (a public list's credit listings) are computed for the page's
    # rows alone, not planned for a walk over the whole order (hashed subplans reading
    # every listing).
    keys = queryset if queryset._fields is not None else queryset.values_list("pk", flat=True)
    # Collected, a condition the walk starts from (a street's) is tested on each match
    # instead (``search_staff_groups``): as it is, PostgreSQL reads the bitmap of every
    # row of the street to intersect it with the search's (58 of a clerk's 115 ms).
    column = getattr(keys.query, "collect_tested_per_row", None)
    collected = tested_per_row(keys, column) if column else keys
    # The statement's key is compiled only once a search has been remembered at all.
    statement = _statement_key(keys) if not sparse and len(_collected_first) else None
    remembered = statement is not None and _collected_first.peek(statement)
    for settings in (_COLLECT, _WALK) if sparse or remembered else (_WALK, _COLLECT):
        started = time.perf_counter()
        try:
            found = _with_settings(
                collected if settings is _COLLECT else keys, start, stop, settings
            )
            break
        except OperationalError as error:
            if getattr(error.__cause__, "sqlstate", None) != QUERY_CANCELED:
                raise
            if remembered:  # collecting takes too long now: walk it again next time
                _collected_first.forget(statement)
    else:
        found = _with_settings(keys, start, stop, _WHOLE_WALK)
        settings = _WHOLE_WALK
    # Collecting first pays when the walk would give way again (it then costs its time
    # limit on top of the collection) and costs the difference when it would not. It is
    # remembered when collecting took less than the walk was given: then it is the
    # quicker way whatever the walk would have taken. Not when it took longer: once,
    # the walk of 养老服务 at a million names (3 ms, as a rule) gave way on a cold cache
    # and its 12,000 matches were collected (20-40 ms) at every page for ten minutes
    # (29 -> 43 ms p50 on the public page); and "hct" at three million groups, whose
    # walk gave way twice in a row on a busy machine, was collected (29 ms) where it
    # walks in 15-20 (bench/directory.py).
    limit = int(_WALK["statement_timeout"])
    took = (time.perf_counter() - started) * 1000
    if not sparse and settings is _COLLECT and not remembered and took < limit:
        # The walk gave way and collecting did not: the next page of this search (or the
        # same search again) collects first, without waiting for the walk to give way.
        _collected_first.put(statement or _statement_key(keys), COLLECTED_FIRST_SECONDS, True)
    elif remembered and settings is _COLLECT and took >= 2 * limit:
        _collected_first.forget(statement)  # collecting takes longer now: walk first
    return found


# Searches whose walk gave way and whose matches were then collected in less time than
# the walk was given (``walked``): their next pages are collected first, for this long
# (until collecting takes twice that). At most COLLECTED_FIRST_KEPT of them, the oldest
# forgotten first: the key is what was typed.
COLLECTED_FIRST_SECONDS = 600
COLLECTED_FIRST_KEPT = 1000
_collected_first = Kept(limit=COLLECTED_FIRST_KEPT)


def _statement_key(queryset):
    """(database, SQL, parameters) of ``queryset``'s statement, without its slice: the
    same for every page of one list, and hashable (array parameters as tuples)."""
    sql, params = queryset.query.chain().get_compiler(queryset.db).as_sql()
    return (
        queryset.db,
        sql,
        tuple(tuple(value) if isinstance(value, list) else value for value in params),
    )


def ordered_keys(queryset, limit, *, index_only=False):
    """The primary keys of ``queryset``'s first ``limit`` rows found in any order, sorted
    in its order when they are all of its rows (fewer than ``limit``): ``counted_keys``
    for all of them."""
    return counted_keys(queryset, limit, 0, limit, index_only=index_only)[1]


def counted_keys(queryset, limit, start, stop, *, index_only=False):
    """(count, keys): how many of ``queryset``'s rows there are, up to ``limit`` (the
    plan of a count, without a walk of its ordering's index), and the keys of its rows
    ``start`` to ``stop`` in its order when there are fewer than ``limit`` (otherwise
    keys of the first ``limit`` rows found, which are not the list's page). A list's
    count and the keys of one of its pages at once, in one statement, or two where they
    are ordered by key; count None when a page past the first has no rows, whose count
    it does not learn.

    The values it is ordered by are read with the keys, in a derived table
    (``SELECT *, count(*) OVER () FROM (SELECT pk, <ordering> ... LIMIT n) AS listed
    ORDER BY <ordering> LIMIT/OFFSET``), so each row is visited once: reading the keys
    and then the rows of the keys in the list's order visited each twice (a search with
    a street and a status, 1,820 rows at a million organizations: 22 + 19 ms; so, 9 ms;
    EXPLAIN ANALYZE). Only the page's keys are sent: the 3,906 keys of a street, a category
    and a Party organization took 13.7 ms to read and the count with one page's 10.3
    (bench/directory.py's database). Not when the keys come from an index alone
    (``index_only``: many keys found from an index alone, as the credit list with a
    street once read them from ``organization_street_key``), whose plan the ordering's
    columns would turn into reading the table (40 -> 176 ms); nor when the ordering
    cannot be written as columns (``_ordering_terms``). Then the keys are read as they
    are found and, when they are all there, ordered by key among them (``_among_keys``;
    the credit list with a street, 1,645 keys: 8 ms). The derived table's statement is
    planned for few rows read at random (``_FEW_ROWS``)."""
    terms = None if index_only else _ordering_terms(queryset)
    if terms is None:
        found = list(queryset.order_by().values_list("pk", flat=True)[:limit])
        if len(found) == limit or not found:  # more rows than are read: as found
            return len(found), found[start:stop]
        among = _among_keys(queryset, found).values_list("pk", flat=True)
        return len(found), list(among[start:stop])
    listed = queryset.order_by()
    names = [f"_order_{number}" for number in range(len(terms))]
    listed = listed.annotate(
        **{name: term.expression for name, term in zip(names, terms, strict=True)}
    )
    listed = listed.values_list("pk", *names)[:limit]
    sql, params = listed.query.get_compiler(listed.db).as_sql()
    order = ", ".join(
        f"{position} {'DESC' if term.descending else 'ASC'}"
        + (" NULLS FIRST" if term.nulls_first else " NULLS LAST" if term.nulls_last else "")
        for position, term in enumerate(terms, 2)
    )
    statement = (
        f"SELECT *, count(*) OVER () FROM ({sql}) AS listed ORDER BY {order} "
        f"LIMIT {int(stop) - int(start)} OFFSET {int(start)}"
    )
    rows = _rows_with_settings(listed.db, statement, params, _FEW_ROWS)
    if not rows:
        return (0 if start == 0 else None), []
    return rows[0][-1], [row[0] for row in rows]


# The keys of a list expected to be small (``EstimatedCountPaginator._keys_up_to``) are
# planned with the cost of reading a table's page at random that servers on SSD are
# often given (PostgreSQL's default, 4, is kept everywhere else, as in the private
# cluster). At 4 the planner would rather intersect long lists of an index than read a
# few rows at random: nine filters at once intersected the 1,504 rows of a grade in
# force with the 17,830 entries of a category and a field in the filters' GIN index
# (18.9 ms) where reading those rows and testing them takes 4.1 ms (EXPLAIN ANALYZE at
# a million organizations, bench/directory.py; the other lists' keys were planned alike
# or within 0.4 ms). Not for every statement: a ranked search's best matches
# ("tjshpq") then took 43 ms where they take 12.
_FEW_ROWS = {"random_page_cost": "1.1"}


def _rows_with_settings(using, sql, params, settings):
    """The rows of one statement planned with these planner ``settings``.

    With the settings in the same round trip: several statements in one query string
    are one transaction, so ``set_config(..., true)`` holds for this statement alone
    (reset after it inside a caller's transaction). A connection that binds its
    parameters on the server cannot send several statements at once, so there the
    settings take a transaction of their own (``_planner_settings``)."""
    connection = connections[using]
    if connection.settings_dict["OPTIONS"].get("server_side_binding"):
        with _planner_settings(using, settings), connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    statements = [_set_locally(settings), sql]
    if connection.in_atomic_block:
        statements.append(_reset(settings))
    with connection.cursor() as cursor:
        cursor.execute("; ".join(statements), params)
        cursor.nextset()
        return cursor.fetchall()


def _ordering_terms(queryset):
    """``queryset``'s ordering as ``OrderBy`` expressions of its own columns and
    annotations (``_own_value``), to be read as values (``ordered_keys``); None when it
    is something else: a related model's ordering (a foreign key's name), a path through
    a reverse or many-to-many relation, random order, raw SQL, or a query whose rows are
    not one per key (distinct, grouped, combined)."""
    query = queryset.query
    if query.distinct or query.combinator or query.extra_order_by or query.group_by:
        return None
    ordering = query.order_by or (query.get_meta().ordering if query.default_ordering else ())
    if not ordering:
        return None
    terms = []
    for term in ordering:
        if isinstance(term, str):
            name = term.removeprefix("-")
            if not _own_value(query, name):
                return None
            terms.append(OrderBy(F(name), descending=term.startswith("-")))
        elif isinstance(term, OrderBy) and isinstance(term.expression, F):
            if not _own_value(query, term.expression.name):
                return None
            terms.append(term)
        else:
            return None
    return terms


def _own_value(query, name):
    """Whether ``name`` is one of the query's annotations, or a column of its model or
    of a model it reaches forward through foreign keys (one row for each of its own),
    that is no relation itself (ordering by a foreign key means the related model's
    ordering)."""
    if name in query.annotations or name == "pk":
        return True
    opts = query.get_meta()
    *path, last = name.split(LOOKUP_SEP)
    try:
        for step in path:
            field = opts.get_field(step)
            if not (field.many_to_one or field.one_to_one) or not field.concrete:
                return False
            opts = field.related_model._meta
        field = opts.get_field(last)
    except FieldDoesNotExist:
        return False
    return field.concrete and not field.is_relation


def _among_keys(queryset, keys):
    """``queryset``'s rows with these primary keys (a list, or a query of them), in its
    own order (its annotations, a search's rank among them, computed for them alone),
    without its conditions when they are what found the keys: a search with a street and
    a status filter tested its 1,567 matches' n-grams again to order them (50 of a 90 ms
    page at a million organizations; EXPLAIN ANALYZE). Kept where dropping them could
    change the rows: a grouped query (an aggregate its conditions narrow), or one joined
    to a table that may hold several rows for one of its own (a reverse or many-to-many
    join)."""
    rows = queryset._chain()
    if _conditions_only_narrow(rows.query):
        rows.query.where = WhereNode()
    if isinstance(keys, models.QuerySet):
        return rows.filter(pk__in=keys)
    return rows.filter(AnyOf(F("pk"), keys))


def _conditions_only_narrow(query):
    """Whether ``query``'s WHERE only narrows its rows, so that the rows of given keys
    are the same without it: no grouping or aggregate, and every join is to at most
    one row (a foreign key or one-to-one followed forward)."""
    if query.group_by is not None or any(
        getattr(annotation, "contains_aggregate", False)
        for annotation in query.annotations.values()
    ):
        return False
    for join in query.alias_map.values():
        field = getattr(join, "join_field", None)
        if field is not None and (field.one_to_many or field.many_to_many):
            return False
    return True


def _rows_by_keys(queryset, keys):
    """The rows of ``queryset`` with these primary keys, in the keys' order.

    The keys were read from ``queryset`` itself, so its conditions are not tested again
    and its search rank (which ordered them) is not computed: compiling them, planning
    them and testing each row again was 4 of the 13 ms that a clerk's page of 50 groups
    found by 合唱 took to read its rows. Its joins, select_related, deferred fields and
    other annotations stay; so do its conditions where dropping them could change the
    rows (``_conditions_only_narrow``)."""
    if not keys:
        return []
    rows = queryset.order_by()._chain()
    if _conditions_only_narrow(rows.query):
        rows.query.where = WhereNode()
    selected = set(rows.query.annotation_select)
    if "search_rank" in selected:
        rows.query.set_annotation_mask(selected - {"search_rank"})
    found = rows.in_bulk(keys)
    return [found[key] for key in keys if key in found]


def _with_settings(queryset, start, stop, settings):
    """``queryset[start:stop]`` with the planner ``settings`` for this one statement."""
    with _planner_settings(queryset.db, settings):
        return list(queryset[start:stop])


@contextmanager
def _planner_settings(using, settings):
    """The planner ``settings`` for the statements run inside (in a transaction of their
    own, or a savepoint of the caller's, which then resets them)."""
    connection = connections[using]
    inside = connection.in_atomic_block
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute(_set_locally(settings))
        yield
        if inside:
            cursor.execute(_reset(settings))


def _set_locally(settings):
    """The statement that sets the planner ``settings`` until the transaction ends."""
    values = ", ".join(f"set_config('{name}', '{value}', true)" for name, value in settings.items())
    return f"SELECT {values}"


def _reset(settings):
    """The statement that gives ``settings`` back their session's values."""
    return "; ".join(f"RESET {name}" for name in settings)


def _alternatives(condition):
    """The branches of an OR of conditions (``exact | prefix``), each on its own."""
    if isinstance(condition, Q) and condition.connector == Q.OR and not condition.negated:
        for child in condition.children:
            yield from _alternatives(child if isinstance(child, Q) else Q(child))
    else:
        yield condition


def _ranked_slice(queryset, first, start, stop, *, sparse=False):
    """Rows ``start:stop`` of a search result larger than the count cap, ordered by
    ``search_rank`` and then the rest of its ordering, without computing the rank of
    every row: the exact and the prefix matches, as many as the page needs, each
    through their own indexes (``_best_keys``), then the other matches by walking the
    remaining order. When that cannot be done, the result in its remaining order,
    unranked.

    Before, every exact and prefix match's key was read (up to the cap) and checked
    against the query; above the cap the page was not ranked at all: 和平区 names did
    not come first for "hepingqu", and "tjshpq" walked the pinyin order to "t" (25 ms)
    before its matches were collected (bench/directory.py, docs/benchmarks.md)."""
    rest_order = queryset.query.order_by[1:]
    best = _best_keys(queryset, rest_order, start, stop - start)
    if best is None:
        return walked(queryset.order_by(*rest_order), start, stop, sparse=sparse)
    keys, ranked = best
    wanted = stop - start - len(keys)
    if wanted > 0:
        # The best matches end before this page does: the others follow them.
        offset = max(0, start - ranked)
        rest = _after_first(queryset, first).order_by(*rest_order)
        # The rows of both, by key at once: one statement compiled and sent, not two
        # (an API page of 50 groups, whose rows join their street, community and
        # category).
        keys = [*keys, *_walked_keys(rest, offset, offset + wanted, sparse=sparse)]
    return _rows_by_keys(queryset, keys)


def _after_first(queryset, first):
    """``queryset`` without the rows ``first`` ranks first: ``CASE WHEN <search> THEN NOT
    <first> ELSE false END``, where ``exclude(first)`` would add ``NOT <first>``.

    PostgreSQL tests a scan's conditions cheapest first, and ``NOT <first>`` (seven
    comparisons of the name, pinyin, initials and filing number with the text) is
    cheaper than the search's substring tests, so a walk of the pinyin order tested it
    on every row it passed, matching or not. Written so, it costs more than the search
    and is tested on the search's matches alone: ``hct`` walked 15,244 of three million
    groups in 21 ms instead of 27 (14.7 -> 11.5 in a faster period of the machine;
    bench database, EXPLAIN ANALYZE). The rows are
    the same: a row the search does not match is not in the result either way, and one
    for which ``<first>`` is NULL (a NULL filing number) is kept, as ``exclude()``
    keeps it.

    ``<search>`` here is the search's condition without its n-gram look-ups
    (``_without_lookups``), which it implies: as it is, each of the 3,227 groups led by
    王芳 computed its n-grams again when their matches were collected (80 to 140 ms)."""
    condition = getattr(queryset.query, "search_condition", None)
    if condition is None:
        return queryset.exclude(first)
    unranked = Case(
        When(
            _without_lookups(condition, queryset.query.annotations),
            then=Case(When(first, then=Value(False)), default=Value(True)),
        ),
        default=Value(False),
        output_field=models.BooleanField(),
    )
    return queryset.filter(unranked)


def _without_lookups(condition, aliases):
    """The ``Q`` ``condition`` without its n-gram look-ups (``alias__contains`` where
    ``aliases`` names an ``Ngrams``, or an OR of them) where they are conditions of an
    AND: a weaker condition, which every row that meets ``condition`` meets (the Q-level
    counterpart of ``without_ngrams``, for a ``When``)."""

    def looked_up(child):
        if isinstance(child, Q):
            return (
                child.connector == Q.OR
                and not child.negated
                and all(map(looked_up, child.children))
            )
        if not isinstance(child, tuple):
            return False
        alias, _, lookup = child[0].partition("__")
        return lookup == "contains" and isinstance(aliases.get(alias), Ngrams)

    if not isinstance(condition, Q):
        return condition
    dropped = condition.connector == Q.AND and not condition.negated
    children = [
        _without_lookups(child, aliases)
        for child in condition.children
        if not (dropped and looked_up(child))
    ]
    weaker = Q(*children, _connector=condition.connector, _negated=condition.negated)
    return weaker if weaker else condition


# A prefix whose matches are collected and sorted (``_best_keys``) is read no further
# than this: the names whose initials begin with one letter are a seventh of them all.
# A search with more such matches is not ranked (the same for every page of it).
PREFIX_COLLECT_MAX = 20000


def _best_keys(queryset, rest_order, offset, limit):
    """(keys, ranked): the keys of rows ``offset:offset + limit`` of ``queryset``'s exact
    and prefix matches (``search_exact``, ``search_prefix``), exact first, each in the
    order ``rest_order`` (field names); ``ranked`` is how many such matches there are
    when they end before ``offset + limit``. None when the query holds no such
    conditions, its order is by expressions, or a prefix matches more than
    ``PREFIX_COLLECT_MAX`` rows.

    One statement: a ``UNION ALL`` of one part for the exact matches and one per prefix
    (the name's, the pinyin's, the initials'), each read no further than
    ``offset + limit`` rows and served by its own indexes; the rows of two parts counted
    once, at their best rank. A part over the ordering's first column (the pinyin's
    range) walks that index in order; the others collect their matches (at most
    ``PREFIX_COLLECT_MAX`` of them, counted) and sort them, in a subquery, so that
    PostgreSQL does not walk the ordering's index for them instead. As one ``OR``, it
    read every match of every prefix from the table to sort them: 50 ms for the 7,546
    names of a million whose initials begin with "tjshpq", all under "t" in the pinyin
    order; this way the initials' index alone gives them, with their pinyin, in 7 ms.
    The n-gram look-ups are left out (``without_ngrams``), and so is the substring test
    a prefix implies (``_held_by_prefix``): each part is found through its own index,
    and computing every match's n-grams cost 85 ms for the 7,684 names beginning with
    和平."""
    exact = getattr(queryset.query, "search_exact", None)
    prefix = getattr(queryset.query, "search_prefix", None)
    if exact is None or prefix is None or not all(isinstance(f, str) for f in rest_order):
        return None
    db = queryset.db
    names = [name.removeprefix("-") for name in rest_order]
    fields = names if {"pk", "id"} & set(names) else [*names, "pk"]
    columns = [f"c{i}" for i in range(len(fields))]
    key = columns[next(i for i, name in enumerate(fields) if name in ("pk", "id"))]
    directions = ["DESC" if name.startswith("-") else "ASC" for name in rest_order]
    order = ", ".join(f"{i} {direction}" for i, direction in enumerate(directions, 1))
    named = ", ".join(f"{columns[i]} {direction}" for i, direction in enumerate(directions))
    matches = without_ngrams(queryset).order_by()
    end = offset + limit
    parts, params = [], []
    # The exact matches are few: one part for all of them (fewer parts to compile and
    # plan); a part for each prefix, each served by its own index.
    aliases = ", ".join(columns)
    for rank, branch in [(0, exact), *((1, branch) for branch in _alternatives(prefix))]:
        found = _held_by_prefix(matches, branch).filter(branch).values_list(*fields)
        try:
            sql, branch_params = found.query.get_compiler(db).as_sql()
        except EmptyResultSet:  # no row can match this condition
            continue
        if _tests_only(branch, names[0]):
            parts.append(
                f"SELECT {rank} AS r, p.*, 0 AS n "
                f"FROM ({sql} ORDER BY {order} LIMIT {end}) AS p({aliases})"
            )
        else:
            parts.append(
                f"SELECT {rank} AS r, p.* FROM (SELECT q.*, count(*) OVER () "
                f"FROM ({sql} LIMIT {PREFIX_COLLECT_MAX + 1}) AS q "
                f"ORDER BY {order} LIMIT {end}) AS p({aliases}, n)"
            )
        params.extend(branch_params)
    if not parts:
        return [], 0
    union = " UNION ALL ".join(f"({part})" for part in parts)
    best = f"SELECT DISTINCT ON ({key}) * FROM ({union}) AS a ORDER BY {key}, r"
    with connections[db].cursor() as cursor:
        cursor.execute(
            f"SELECT {key}, count(*) OVER (), max(n) OVER () FROM ({best}) AS b "
            f"ORDER BY r, {named} LIMIT {limit} OFFSET {offset}",
            params,
        )
        rows = cursor.fetchall()
        if not rows:  # none, or a page after them all: how many are there?
            if offset:
                cursor.execute(f"SELECT count(*), max(n) FROM ({best}) AS b", params)
            rows = [(None, *(cursor.fetchone() if offset else (0, None)))]
    ranked, most = rows[0][1], rows[0][2]
    if most is not None and most > PREFIX_COLLECT_MAX:
        return None
    keys = [row[0] for row in rows if row[0] is not None]
    return keys, (ranked if len(keys) < limit else None)


def _held_by_prefix(queryset, condition):
    """``queryset`` without the substring tests (``Holds``) that the prefix or exact
    ``condition`` (``Q(column__startswith=text)``, ``Q(column=text)``) implies: a name
    that begins with the text holds it. Each test costs ``lower()`` of every name the
    condition's index gives (5 of the 10 ms that collecting the 7,684 names beginning
    with 和平 took)."""
    if len(condition.children) != 1 or not isinstance(condition.children[0], tuple):
        return queryset
    lookup, text = condition.children[0]
    column, _, kind = lookup.partition("__")
    if kind not in ("startswith", "exact", "") or not isinstance(text, str):
        return queryset
    field = queryset.model._meta.get_field(column).column

    def implied(child):
        return (
            isinstance(child, Holds)
            and isinstance(child.lhs, Col)
            and child.lhs.target.column == field
            and getattr(child.rhs, "value", child.rhs) == text.lower()  # Value() or str
        )

    # An empty node holds for every row (and so does an OR of it).
    return _with_conditions(
        queryset,
        lambda node: [WhereNode() if implied(child) else child for child in node.children],
    )


def _tests_only(condition, field):
    """Whether the ``Q`` ``condition`` tests ``field`` alone (``field__...`` lookups)."""
    return all(
        isinstance(child, tuple) and child[0].split("__")[0] == field
        for child in condition.children
    )


def without_ngrams(queryset):
    """``queryset`` without its n-gram look-ups (``registry_ngrams(x) @> ...``), each of
    which stands next to the substring test it serves (``Holds``): a name that holds the
    text holds its n-grams, so the rows are the same, but no longer found through the
    n-gram index, nor does any row's test compute its n-grams."""

    def kept(node):
        if node.connector != AND:
            return node.children
        # A look-up (or an OR of them) goes where a sibling tests the text in some of
        # its columns (or an OR of such tests, ``_Terms.name_condition``): a row that
        # passes the tests holds the n-grams of one of those columns.
        held = [_columns_of(child, _held_column) for child in node.children]
        held = [columns for columns in held if columns]
        return [
            child
            for child in node.children
            if not (
                (looked_up := _columns_of(child, _ngrams_of))
                and any(columns <= looked_up for columns in held)
            )
        ]

    return _with_conditions(queryset, kept)


def _columns_of(condition, column_of):
    """The (alias, column) pairs ``column_of`` gives for ``condition``, or for each of
    its alternatives when it is an OR of such conditions; empty when there is one it
    gives none for."""
    if isinstance(condition, WhereNode):
        if condition.connector != OR or condition.negated or not condition.children:
            return frozenset()
        found = [column_of(child) for child in condition.children]
    else:
        found = [column_of(condition)]
    return frozenset() if None in found else frozenset(found)


def _held_column(lookup):
    """(alias, column) of a substring test ``strpos(lower(column), ...) <> 0``; else None."""
    if isinstance(lookup, Holds) and isinstance(lookup.lhs, Col):
        return lookup.lhs.alias, lookup.lhs.target.column
    return None


def _ngrams_of(lookup):
    """(alias, column) of an n-gram look-up ``registry_ngrams(column) @> ...``; else None."""
    lhs = getattr(lookup, "lhs", None)
    if isinstance(lookup, DataContains) and isinstance(lhs, Ngrams):
        source = lhs.get_source_expressions()[-1]  # a StreetNgrams' street comes first
        if isinstance(source, Col):
            return source.alias, source.target.column
    return None


def _by_keys(queryset, start, stop):
    """Rows ``start:stop`` of a large list: their primary keys first (from an index
    alone where one covers the ordering and the filters, however deep the page), then
    the rows themselves by key, in the same order.

    The keys are read in one process (``_ONE_PROCESS``), in the same round trip: a page
    of the credit list (10,000 of a million organizations) walks the pinyin index to its
    20th listed organization in 4 ms, but PostgreSQL, which expects one in a hundred of
    those ever listed to be listed now where half are, planned that walk at times with
    two parallel workers, which took 110-157 ms (after an ANALYZE of the bench's
    database; EXPLAIN ANALYZE)."""
    if queryset._fields is not None:  # values(): no instances to fetch by key
        return list(queryset[start:stop])
    keys = queryset.values_list("pk", flat=True)[start:stop]
    try:
        sql, params = keys.query.get_compiler(keys.db).as_sql()
    except EmptyResultSet:  # a condition that holds for no row (``pk__in=[]``)
        return []
    rows = _rows_with_settings(keys.db, sql, params, _ONE_PROCESS)
    return _rows_by_keys(queryset, [row[0] for row in rows])


_table_rows_cache = Kept()  # (database, table) -> rows


def _table_rows(queryset):
    """The planner's estimate of the rows of ``queryset``'s table, kept as long as the
    n-grams' statistics (``NGRAM_STATS_SECONDS``)."""
    table = queryset.model._base_manager.using(queryset.db).all()
    key = (queryset.db, queryset.model._meta.db_table)
    return _table_rows_cache.get(key, NGRAM_STATS_SECONDS, lambda: planner_estimate(table))


def planner_estimate(queryset):
    """PostgreSQL's estimate of the number of rows (EXPLAIN, nothing is read), of the
    query without its conditions that others beside them imply (``Implied``)."""
    plan = _plan(_without_implied(queryset))
    return 0 if plan is None else int(plan["Plan Rows"])


def _without_implied(queryset):
    """``queryset`` without its ``Implied`` conditions (the same rows: each is implied by
    a condition it is ANDed with); ``queryset`` itself when it has none. Those under a
    negation stay: there the planner's error is the product of two small shares taken
    from all the rows (``NOT (mark AND listed)``), next to nothing, and asking the
    planner once more would cost an EXPLAIN (1.6 ms for nine filters). The public
    filter writes that negation without the mark (``directory.off_credit_list``)."""
    found = []

    def kept(node):
        if node.connector != AND:
            return node.children
        children = [child for child in node.children if not isinstance(child, Implied)]
        if len(children) == len(node.children) or not children:
            return node.children
        found.append(node)
        return children

    without = _with_conditions(queryset, kept, within=lambda node: not node.negated)
    return without if found else queryset


def _plan(queryset):
    """PostgreSQL's plan of ``queryset``'s rows, unordered (EXPLAIN's JSON, nothing is
    read); None for ``none()``, which has no statement."""
    if queryset.query.is_empty():
        return None
    if not queryset.query.distinct and not queryset.query.group_by:
        # The key alone has as many rows: the columns, annotations and joins a page
        # shows (a public list's credit listings) are neither compiled nor planned.
        queryset = queryset.values("pk")
    return json.loads(queryset.order_by().explain(format="json"))[0]["Plan"]


# Rows that a plan reading them from an index alone may read from the table instead
# for the values a list is ordered by (``ordered_keys``): ordering up to 2,000 keys
# among them takes 8-13 ms at a million organizations, reading 3,300 rows of a street
# ever on a credit list 3 ms, and reading a street's 166,000 rows 130 ms.
TABLE_READ_ROWS = 10000


def _reads_index_only(plan):
    """Whether ``plan`` (EXPLAIN's JSON) expects to find more than
    ``TABLE_READ_ROWS`` rows from an index alone somewhere."""
    if plan["Node Type"] == "Index Only Scan" and plan["Plan Rows"] > TABLE_READ_ROWS:
        return True
    return any(_reads_index_only(child) for child in plan.get("Plans", ()))


def estimated_count(queryset, cap=COUNT_CAP):
    """(count, exact): exact up to ``cap`` rows, else the planner's estimate (never
    below ``cap + 1``). One query, two when the result is larger than ``cap``."""
    count = capped_count(queryset, cap)
    if count <= cap:
        return count, True
    return max(planner_estimate(queryset), cap + 1), False


class EstimatedCountPaginator(Paginator):
    """A paginator whose count is exact up to ``cap`` rows and estimated above, so a page
    of a million-row list does not wait for ``COUNT(*)``. Templates mark the count as
    approximate when ``paginator.count_is_exact`` is false. A page beyond the real end
    of an overestimated result is simply empty.

    Ranked search results (ordered by ``search_rank`` first) larger than ``cap`` are not
    sorted whole: a page takes the exact and prefix matches first (found through their
    own indexes), then the other matches in the remaining order. Usable by Django's
    ListView (``paginator_class``) and DRF (``django_paginator_class``)."""

    cap = COUNT_CAP
    # Counting a search reads each matching row to check it; its count is exact up to
    # fewer rows (bench/directory.py: a 10,000-row cap cost 0.4 s on a shared machine).
    search_cap = SEARCH_COUNT_CAP

    # The planner's estimate before any count, and keys in place of a count
    # (``_estimate``): the public lists' way (``hepingorgs.opendata.public_paginator``).
    # Off, a list is counted first and estimated only above the cap.
    estimate_first = False

    def __init__(
        self,
        object_list,
        per_page,
        *args,
        cap=None,
        search_cap=None,
        estimate_first=None,
        **kwargs,
    ):
        """``cap``, ``search_cap`` and ``estimate_first`` replace the class's for this
        paginator (the public lists take their caps from ``settings.PUBLIC_COUNT_CAP``)."""
        super().__init__(object_list, per_page, *args, **kwargs)
        if cap is not None:
            self.cap = cap
        if search_cap is not None:
            self.search_cap = search_cap
        if estimate_first is not None:
            self.estimate_first = estimate_first

    @property
    def _searched(self):
        return getattr(self.object_list.query, "search_first", None) is not None

    # (first row, keys) of the page asked for of a list of at most its cap rows, read
    # with its count (``_keys_up_to``); None otherwise.
    _matching_keys = None
    # The page asked for first, before the list is counted (``validate_number``), whose
    # keys are read with the count.
    _wanted = 1

    def validate_number(self, number):
        if "_estimate" not in self.__dict__:
            try:
                self._wanted = max(1, int(number))
            except (TypeError, ValueError, OverflowError):
                self._wanted = 1
        return super().validate_number(number)

    @cached_property
    def _estimate(self):
        cap = self.search_cap if self._searched else self.cap
        queryset = self.object_list
        if not self.estimate_first or queryset._fields is not None or queryset.query.is_empty():
            return estimated_count(queryset, cap)  # counted first; or values(), none()
        # The planner's estimate first (with equality filters, or the n-gram and trigram
        # look-ups of a search, its statistics give it well: see ``Holds``). Well above
        # the cap it is shown as it is, without counting: counting 2,001 matches of a
        # search reads each from the table to test it (50-90 ms at a million names,
        # bench/directory.py).
        # A search alone: the rows its text is in by the statistics (``rows_holding``),
        # which the planner would estimate from the same statistics (or, for three
        # Latin letters, far worse: 870 for "hct", which 9,600 of three million groups
        # hold), without the EXPLAIN (2.4 of the 45 ms of an API search).
        held = searched_alone(queryset)
        if held is not None:
            estimate, index_only = round(held), False  # a search reads the names it tests
        else:
            plan = _plan(queryset)
            estimate, index_only = int(plan["Plan Rows"]), _reads_index_only(plan)
            free = _without_implied(queryset)
            if free is not queryset:  # the rows, as the planner would estimate them
                estimate = int(_plan(free)["Plan Rows"])
        if estimate > TRUSTED_ESTIMATE * cap:
            return estimate, False
        return self._keys_up_to(cap, estimate, index_only=index_only)

    def _keys_up_to(self, cap, estimate, *, index_only=False):
        """Counts the list's keys, no further than ``cap + 1`` (the plan of a count),
        and reads those of the page asked for (``validate_number``) in the list's order
        (``counted_keys``). When they are all there, they are the exact count and the
        page's keys at once, and the page's rows are then read by key (another page, by
        its keys: ``_by_keys``):
        the list's filters or search are looked up once, not once to count and again for
        the page (two bitmap intersections of 30 ms each for five filters at a million
        organizations), and PostgreSQL plans the rows' annotations for the page's rows
        (for a credit code it planned its credit-listing look-ups for many rows: two
        reads of every listing, 17 ms, for one row). ``index_only``: the plan finds the
        keys from an index alone (``ordered_keys``).

        A list of filters alone (no search: its keys are not tested one by one) is read
        up to ``TRUSTED_ESTIMATE`` times the cap, which its estimate is within: counted
        and paged by key up to that, where a list just above the cap read its cap's keys
        to learn so and then walked its ordering's index for the page (a street, a
        category and a Party organization, 3,100 of a million: 10 + 17 ms, the walk
        passing 36,000 entries before its first match; read whole, 12 ms)."""
        queryset = self.object_list
        column = getattr(queryset.query, "collect_tested_per_row", None)
        if column:
            queryset = tested_per_row(queryset, column)
        bound = cap if self._searched else TRUSTED_ESTIMATE * cap
        start = (self._wanted - 1) * self.per_page
        count, keys = counted_keys(
            queryset, bound + 1, start, start + self.per_page + self.orphans, index_only=index_only
        )
        if count is None:  # a page past the list's end (the last is shown): all keys
            keys = ordered_keys(queryset, bound + 1, index_only=index_only)
            count, start = len(keys), 0
        if count <= bound:
            self._matching_keys = (start, keys)
            return count, True
        return max(estimate, bound + 1), False

    def page(self, number):
        ordering = self.object_list.query.order_by
        first = getattr(self.object_list.query, "search_first", None)
        ranked = first is not None and ordering and ordering[0] == "search_rank"
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if self.count_is_exact:
            if top + self.orphans >= self.count:
                top = self.count
            first_key, keys = self._matching_keys or (None, ())
            if first_key is not None and first_key <= bottom and top - first_key <= len(keys):
                rows = _rows_by_keys(self.object_list, keys[bottom - first_key : top - first_key])
            elif first is not None:
                rows = self.object_list[bottom:top]
            else:
                rows = _by_keys(self.object_list, bottom, top)
        # Django's page stops at ``count``; an estimate may fall short of the real rows,
        # so an estimated page always takes its full ``per_page`` slice.
        elif ranked:
            rows = _ranked_slice(self.object_list, first, bottom, top, sparse=self._sparse())
        elif first is not None:
            rows = walked(self.object_list, bottom, top, sparse=self._sparse())
        else:
            rows = _by_keys(self.object_list, bottom, top)
        return self._get_page(rows, number, self)

    def _sparse(self):
        """Whether a search's matches are too few for a walk to be quicker than
        collecting them (``walked``); here never (see ``StaffPaginator._sparse``)."""
        return False

    @cached_property
    def count(self):
        return self._estimate[0]

    @property
    def count_is_exact(self):
        return self._estimate[1]


# A district's whole register is counted exactly; a national one is sampled.
EXACT_COUNTS_UP_TO = 50000


# Rows a sampled count reads: SYSTEM sampling reads whole pages, and 10,000 rows of a
# street's half million took 60 ms (one in six rows of a page is the street's); 2,000
# give the counts to within a few percent.
SAMPLE_ROWS = 2000


# ---------------------------------------------------------------------------------------
# Staff lists: the clerks' workspace and the staff admin
# ---------------------------------------------------------------------------------------

# A search on a staff page is counted up to this many rows, then shown as "more than":
# counting reads each match from the table and tests it again (15-30 µs a row at a
# million organizations, bench/directory.py), and staff refine a search rather than
# page through thousands of matches.
STAFF_SEARCH_COUNT_CAP = 500
# A search alone that the statistics find in this many times the cap's rows is not
# counted (``StaffPaginator._estimate``). Their share comes from a sample of 30,000 rows
# (the default statistics target): 5,000 of three million names are some 50 of the
# sample's rows, where fewer than 501 would be five or fewer (Poisson: about one chance
# in 10^32 of seeing 50 then). In a smaller table the sample is a larger share of it,
# and the whole of a table of 30,000 rows. Only statistics gone stale could mislead
# (mass renames: registry rows are never deleted).
SURELY_MORE_TIMES = 10


class StaffPaginator(EstimatedCountPaginator):
    """``EstimatedCountPaginator`` for the clerks' workspace and the staff admin. A list
    is counted as there (exact up to ``cap``, the planner's estimate above); a search is
    counted up to ``search_cap`` rows and, above, is "more than ``search_cap``": the
    planner's estimate of a search is not trusted here (a staff search also matches the
    leader's name and is often narrowed to a street), so none is asked for.
    ``count_is_lower_bound`` says which the count is."""

    search_cap = STAFF_SEARCH_COUNT_CAP

    @cached_property
    def _estimate(self):
        if not self._searched:
            return estimated_count(self.object_list, self.cap)
        # A search that the statistics find in many times the cap's rows, with nothing
        # else narrowing it, is "more than ``search_cap``" without counting: counting
        # the first 501 matches of 合唱 at three million groups read the n-gram index's
        # 77,000 entries for it into a bitmap first (17 ms of the admin's search).
        held = searched_alone(self.object_list)
        if held is not None and held >= SURELY_MORE_TIMES * self.search_cap:
            return self.search_cap + 1, False
        # A street's rows are tested one by one, not read as a bitmap of half a million
        # (``tested_per_row``); the page itself may walk the street's index.
        counted = tested_per_row(self.object_list, "street_id")
        with _planner_settings(counted.db, _ONE_PROCESS):
            count = capped_count(counted, self.search_cap)
        return count, count <= self.search_cap

    def _sparse(self):
        """Whether a search with more matches than the count cap is better collected
        than walked: a walk tests about ``per_page x rows / matches`` rows to fill its
        page, a collection reads each of the ``matches``, so the walk is the longer when
        ``per_page x rows > matches²`` (at three million groups and 50 a page: under
        12,000 matches). The matches are those of the search alone over the whole table,
        from the n-gram statistics, for Chinese text only (``search_share``), so a
        street's or a filter's rows do not enter it: the test is conservative, and a
        walk stays the rule. No query is run for it but, every ten minutes, one estimate
        of the table's rows and one read of each index's statistics. A leader's name (3,227 of three
        million groups) walked 25 ms to its time limit before its matches were collected
        (bench/directory.py)."""
        share = search_share(self.object_list)
        if share is None:
            return False
        rows = _table_rows(self.object_list)
        return self.per_page * rows > (share * rows) ** 2

    @property
    def count_is_lower_bound(self):
        """True when a search matched more than ``search_cap`` rows: ``count`` is then
        ``search_cap + 1``, to be shown as "more than ``search_cap``"."""
        return self._searched and not self.count_is_exact


# A staff search's count in one process: PostgreSQL, expecting fewer matches than the cap
# (see ``tested_per_row``), plans to read them all with two parallel workers, whose
# start costs more than the few thousand rows the count reads before it stops (a clerk's
# 合唱 at three million groups, EXPLAIN ANALYZE: 26-40 ms with them, 18-25 without).
_ONE_PROCESS = {"max_parallel_workers_per_gather": "0"}


def sampled_counts(queryset, fields, estimate, *, exact, sample_rows=SAMPLE_ROWS):
    """``{(value, ...): rows}``: ``queryset`` grouped by several ``fields`` at once, in
    one query. Exact when ``exact``; otherwise scaled from a sample of about
    ``sample_rows`` of its rows (TABLESAMPLE SYSTEM), given the caller's ``estimate`` of
    the rows (``planner_estimate``), so that one estimate and one sample serve every
    grouping a page shows."""
    grouped = queryset.values_list(*fields).annotate(n=models.Count("pk")).order_by()
    if exact:
        return {tuple(row[:-1]): row[-1] for row in grouped}
    percent = min(100.0, 100.0 * sample_rows / max(estimate, 1))
    sql, params = grouped.query.sql_with_params()
    table = f'FROM "{queryset.model._meta.db_table}"'
    sampled = sql.replace(table, f"{table} TABLESAMPLE SYSTEM ({percent:.6f}) REPEATABLE (0)", 1)
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sampled, params)
        rows = cursor.fetchall()
    return {tuple(row[:-1]): round(row[-1] * 100.0 / percent) for row in rows}


def tested_per_row(queryset, column):
    """``queryset`` with its conditions ``column = value`` written ``column + 0 =
    value``, which no index serves, so that PostgreSQL tests them on each row a search
    index found instead of reading a bitmap of every row with that value.

    For a search within a street of half a million groups: PostgreSQL, expecting a
    handful of matches (see ``walked``), reads the bitmap of the street's 500,000 rows
    (65 ms) to intersect it with the n-gram look-up's, where testing the street on each
    candidate costs a few milliseconds. Only the top-level AND conditions are rewritten
    (those of ``filter()``: the access gate's and a filter form's, and AND groups of
    them); the rows are the same. A page that walks an index starting with ``column``
    needs the condition as it was: combine the result with the original queryset
    (``found & queryset``) for that query."""

    def written(child):
        compared = _compared_column(child)
        if compared == (column, False):
            lhs = child.lhs
            unindexed = CombinedExpression(lhs, "+", Value(0), output_field=lhs.output_field)
            return Exact(unindexed, child.rhs)
        return child

    return _with_conditions(
        queryset,
        lambda node: [written(child) for child in node.children],
        within=lambda node: node.connector == AND and not node.negated,
    )


def _with_conditions(queryset, children_of, within=lambda node: True):
    """A copy of ``queryset`` whose WHERE nodes (the top one and those below it that
    ``within`` accepts) hold ``children_of(node)`` in place of their children: the one
    way ``tested_per_row``, ``without_ngrams`` and ``_held_by_prefix`` rewrite a query's
    conditions (a clone's conditions are copies, ``WhereNode.clone``)."""

    def rewrite(node):
        node.children = children_of(node)
        for child in node.children:
            if isinstance(child, WhereNode) and within(child):
                rewrite(child)

    queryset = queryset._chain()
    if within(queryset.query.where):
        rewrite(queryset.query.where)
    return queryset


def search_staff_groups(queryset, text):
    """``search_groups`` for the workspace and the admin (internal pages: the leader's
    name is searchable), with a street condition of ``queryset`` tested on each row the
    search indexes find (``tested_per_row``: at half a million groups a street, its
    bitmap cost 65 ms for each of the search's look-ups); the result keeps the condition
    as it was too, for the page's walk of the (street, pinyin) index, and is tested on
    each row again when the page's matches are collected rather than walked
    (``walked``)."""
    found = search_groups(tested_per_row(queryset, "street_id"), text, private=True)
    alone = searched_alone(found) is not None
    found = found & queryset
    found.query.collect_tested_per_row = "street_id"
    if alone:  # ``queryset`` had no conditions: the & added none
        _mark_searched_alone(found)
    return found


def _street_of(queryset):
    """The street ``queryset`` is limited to by a condition ``street = value`` of its
    own (a clerk's, by the access gate; a street filter's), written so or, for a test
    on each row, ``street + 0 = value`` (``tested_per_row``); else None."""
    where = queryset.query.where
    if where.connector != AND or where.negated:
        return None
    for child in where.children:
        compared = _compared_column(child)
        if compared and compared[0] == "street_id" and isinstance(child.rhs, int):
            return child.rhs
    return None


def _compared_column(condition):
    """(column, per row) when ``condition`` is ``column = value`` (per row False) or
    ``column + 0 = value`` (True, ``tested_per_row``); else None."""
    lhs = getattr(condition, "lhs", None)
    per_row = isinstance(lhs, CombinedExpression) and lhs.connector == "+"
    if per_row:
        lhs = lhs.lhs if getattr(lhs.rhs, "value", None) == 0 else None
    if isinstance(condition, Exact) and isinstance(lhs, Col):
        return lhs.target.column, per_row
    return None


@cache
def _ngram_indexes(model):
    """``{(Ngrams or StreetNgrams, column): index name}`` of ``model``'s n-gram indexes,
    as ``registry.models`` declares them."""
    return {
        (type(expression), expression.get_source_expressions()[-1].name): index.name
        for index in model._meta.indexes
        for expression in index.expressions
        if isinstance(expression, Ngrams)
    }
