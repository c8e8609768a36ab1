"""Row-by-row import of Excel ledgers through the project's forms, NetBox-style, with
every bad row reported and one transaction.

An app describes one kind of row with an ``Importer`` subclass: its columns (header,
aliases, how a cell is read), the form that validates a row, how a row finds the record
it updates, and how a batch is written. The engine here does the rest:

- reads the workbook with openpyxl's read-only mode (streaming; defusedxml guards the
  XML), finds the header row under titles and merged cells, maps aliases, lists extra
  columns;
- refuses whole files that cannot be read (not xlsx, password-protected, empty, no
  matching header, too many rows, too large) with one message and nothing written;
- reads every cell with the pure parsers of ``hepingorgs.parsing``, binds each row to
  the kind's form, checks the model's check constraints on the result (in Python, so a
  dry run of 100,000 rows needs no query per row) and collects ALL errors;
- a dry run writes nothing; a commit writes batch by batch inside one transaction and
  rolls everything back if any row had an error, so the database is either unchanged
  or has the whole file. The commit runs under one history context naming the user,
  the file and the batch, so the triggers record the import as one batch.

Rows are processed in batches (``BATCH_SIZE``): each batch looks up the records its rows
may update in one query, so memory and query count stay bounded whatever the file size.
When committing, a batch is written by a second thread on the same connection while the
next batch is validated (``_WriteBehind``), so the database's work on one batch overlaps
the Python work on the next. The sheet's XML is parsed once: a first pass that reads to
the end keeps the rows, pickled in blocks, for the passes after it (``Table.rows``). An
importer whose checks need no query once ``before_rows`` has looked up the whole file
(``Importer.parallel``) has the second part of a large file checked by a forked helper
process (``_Helper``), so that an import uses two cores; the outcome is the same as one
process's, row for row (``tests/registry/test_import_parallel.py``).
"""

import contextlib
import datetime
import enum
import gc
import io
import multiprocessing
import os
import pickle
import re
import threading
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache, cached_property

from defusedxml import DefusedXmlException
from django import forms
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import (
    DatabaseError,
    IntegrityError,
    connections,
    models,
    router,
    transaction,
)
from django.db.models import signals
from django.db.models.base import ModelState
from django.db.models.expressions import DatabaseDefault
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from lxml import etree
from openpyxl.reader.excel import SHARED_STRINGS as SHARED_STRINGS_TYPE
from openpyxl.reader.excel import ExcelReader
from openpyxl.utils.cell import column_index_from_string, range_boundaries
from openpyxl.utils.datetime import from_excel, from_ISO8601
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.xml.constants import SHEET_MAIN_NS

from hepingorgs import parsing
from hepingorgs.history import acting_as, prepare_bulk_writes, share_context_with_thread
from hepingorgs.parsing import ParseError

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000
# A ledger's header may sit under a title, a date line and notes.
HEADER_SEARCH_ROWS = 20
BATCH_SIZE = 1000
# A file of at least this many batches is checked by two processes (see _Helper), the
# helper taking this share of the batches: this process also writes them all, and it
# feeds the database, which is the slowest part of an import. 100,000 rows on a
# 2-core machine, the sheet parsed in two, the cycle collector off: 50.7-53.6 s with
# 0.85, 53.0-53.5 with 0.9, 46.2-52.6 with 0.95, 47.1-53.9 with 1.0, 57.1-60 with 0.75
# (two runs each; the machine's speed varied by more than the shares' differences).
PARALLEL_MIN_BATCHES = 4
HELPER_SHARE = 0.9
# A sheet whose XML is at least this large is parsed in two parts, the second by a
# forked child (``_split_point``); 100,000 rows of the benchmark's ledger are 94 MB.
PARALLEL_PARSE_BYTES = 4 * 1024 * 1024
# Rows listed on the preview page (the counts cover every row).
PREVIEW_ROWS = 100

CREATE, UPDATE, UNCHANGED, ERROR = "create", "update", "unchanged", "error"
ACTION_LABELS = {
    CREATE: gettext_lazy("to create"),
    UPDATE: gettext_lazy("to update"),
    UNCHANGED: gettext_lazy("unchanged"),
    ERROR: gettext_lazy("with errors"),
}

ZIP_MAGIC = b"PK\x03\x04"
# Password-protected xlsx files and old .xls files are OLE compound files.
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTED_STREAM = "EncryptionInfo".encode("utf-16-le")


class Refused(Exception):
    """A file that cannot be imported at all; ``str()`` is the message for the user."""


class FormulaWithoutValue:
    """A formula cell saved without its computed value (e.g. written by a program)."""

    def __reduce__(self):
        return "FORMULA_WITHOUT_VALUE"  # the one instance, also after pickling


FORMULA_WITHOUT_VALUE = FormulaWithoutValue()


class CellError:
    """An Excel error value such as #DIV/0! or #N/A."""

    def __init__(self, code):
        self.code = code


# ---------------------------------------------------------------------------------------
# The xlsx reader
# ---------------------------------------------------------------------------------------
#
# openpyxl reads the workbook's parts (manifest, sheets and their states, styles and
# which styles are dates, the date epoch); the shared strings and the sheets' rows, where
# all the time of a large file goes, are read here with lxml's iterparse, giving exactly
# the values openpyxl's read-only mode (``data_only=True``) gives, in about a fifth of
# the time (see docs/benchmarks.md), and telling apart what openpyxl cannot: a formula
# saved without its value and an error cell. openpyxl's read-only sheet would also read
# a whole sheet without a ``<dimension>`` record once more just to size it.
#
# XML bombs: openpyxl parses the small parts with lxml without resolving entities; the
# two parts read here are refused outright when they carry a DTD (a spreadsheet never
# does; only a DTD can declare entities), as defusedxml would refuse their entities.

_NS = f"{{{SHEET_MAIN_NS}}}"
_ROW, _VALUE, _FORMULA = f"{_NS}row", f"{_NS}v", f"{_NS}f"
_INLINE, _TEXT, _RUN, _ITEM = f"{_NS}is", f"{_NS}t", f"{_NS}r", f"{_NS}si"
_DIMENSION, _SHEET_DATA = f"{_NS}dimension", f"{_NS}sheetData"
_DIGITS = "0123456789"


class UnsafeXml(Exception):
    """An XML part declaring a DTD (and so possibly entities: an XML bomb)."""


def _iterparse(open_source, **options):
    """lxml's iterparse over the part ``open_source()`` opens, without entities, network
    or a DTD: a part that declares a DTD raises UnsafeXml before any of it is used."""
    with open_source() as source:
        for _event, element in etree.iterparse(
            source, events=("start",), resolve_entities=False, no_network=True
        ):
            info = element.getroottree().docinfo
            if info.doctype or info.internalDTD is not None:
                raise UnsafeXml
            break
    with open_source() as source:
        yield from etree.iterparse(
            source, resolve_entities=False, no_network=True, load_dtd=False, **options
        )


def _text_content(element):
    """The text of a rich-text element (``<si>`` or ``<is>``) as openpyxl's
    ``Text.content``: the plain ``<t>`` then every run's ``<t>``, phonetic runs left out."""
    plain, runs = None, []
    for child in element:
        if child.tag == _TEXT:
            plain = child.text
        elif child.tag == _RUN:
            text = None
            for part in child:
                if part.tag == _TEXT:
                    text = part.text
            if text is not None:
                runs.append(text)
    return "".join(runs) if plain is None else plain + "".join(runs)


def _read_shared_strings(open_source):
    """The shared-string table, as openpyxl's ``read_string_table``."""
    strings = []
    for _event, item in _iterparse(open_source, tag=_ITEM):
        strings.append(_text_content(item).replace("x005F_", ""))
        item.clear()
        while item.getprevious() is not None:
            del item.getparent()[0]
    return strings


class _Sheet(ReadOnlyWorksheet):
    """A read-only sheet that reads its ``<dimension>`` (when the file has one) from the
    head of the sheet only, instead of parsing a whole sheet that has none."""

    def _get_size(self):
        dimension = None
        for event, element in _iterparse(self._get_source, events=("start", "end")):
            if element.tag == _SHEET_DATA:
                break
            if event == "end" and element.tag == _DIMENSION:
                dimension = element.get("ref")
                break
        if dimension is not None:
            boundaries = range_boundaries(dimension)
            self._min_column, self._min_row, self._max_column, self._max_row = boundaries


class _Reader(ExcelReader):
    def read_strings(self):
        part = self.package.find(SHARED_STRINGS_TYPE)
        if part is not None:
            path = part.PartName[1:]
            self.shared_strings = _read_shared_strings(lambda: self.archive.open(path))

    def read_worksheets(self):
        for sheet, rel in self.parser.find_sheets():
            if rel.target not in self.valid_files or "chartsheet" in rel.Type:
                continue
            worksheet = _Sheet(self.wb, sheet.name, rel.target, self.shared_strings)
            worksheet.sheet_state = sheet.state
            self.wb._sheets.append(worksheet)


# ---------------------------------------------------------------------------------------
# Columns and rows
# ---------------------------------------------------------------------------------------

TEXT, DATE, AMOUNT, INTEGER, YEAR, CHOICE, CHOICES, IGNORED = (
    "text",
    "date",
    "amount",
    "integer",
    "year",
    "choice",
    "choices",
    "ignored",
)


@dataclass
class Column:
    """One column of a ledger.

    ``header`` and ``aliases`` are the Chinese headers real ledgers use: they are the
    file format, like a field name, so they are not translated. ``choices`` maps
    ``parsing.choice_key(code or label)`` to the stored code; ``options`` are the labels
    offered by the template's drop-down list.
    """

    name: str
    header: str
    kind: str = TEXT
    aliases: tuple = ()
    required: bool = False
    choices: dict = field(default_factory=dict)
    options: tuple = ()
    sample: object = ""
    note: str = ""

    def read(self, value, multiplier=Decimal(1)):
        if value is FORMULA_WITHOUT_VALUE:
            raise ParseError(
                gettext_lazy(
                    "The cell holds a formula saved without its value; open the file in "
                    "Excel or WPS and save it again, or type the value."
                )
            )
        if isinstance(value, CellError):
            raise ParseError(gettext_lazy("The cell shows the error %(code)s."), code=value.code)
        if self.kind == DATE:
            return parsing.parse_date(value)
        if self.kind == AMOUNT:
            return parsing.parse_amount(value, multiplier)
        if self.kind == INTEGER:
            return parsing.parse_integer(value)
        if self.kind == YEAR:
            return parsing.parse_year(value)
        if self.kind == CHOICE:
            return parsing.parse_choice(value, self.choices)
        if self.kind == CHOICES:
            return parsing.parse_choices(value, self.choices)
        return parsing.clean_text(value)


@dataclass
class Row:
    """One data row: its Excel row number, its cells read, what it will do, its errors."""

    number: int
    raw: list
    values: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)  # (column header, message)
    action: str = ""
    instance: object = None
    changed: set = field(default_factory=set)
    label: str = ""
    # Attribute values the importer resolved from names (street_id, community_id ...),
    # set on the record after the form passed.
    refs: dict = field(default_factory=dict)
    needs_number: bool = False
    failed: set = field(default_factory=set)  # names of the columns that could not be read

    def error(self, column, message):
        self.errors.append((column, str(message)))

    @property
    def ok(self):
        return not self.errors


@dataclass
class Table:
    """Where the data is: the sheet, its header row, and which column is which."""

    sheet: object
    title: str
    header_row: int
    columns: dict  # 0-based cell index -> Column
    multipliers: dict  # 0-based cell index -> Decimal
    extra: list  # headers of columns that are not imported
    headers: list  # the header row as written
    memo: dict = field(default_factory=lambda: _Memo())  # cell value -> value read
    # The data rows of a first pass read to its end, pickled in blocks (see rows()).
    _blocks: list = field(default=None, repr=False)
    block_size: int = BATCH_SIZE
    parallel: bool = False  # whether a large sheet may be parsed in two processes

    @property
    def complete(self):
        """Whether a pass has read every row (which ``rows()`` then keeps)."""
        return self._blocks is not None

    def block(self, index):
        """The rows of block ``index`` of a complete table."""
        return pickle.loads(self._blocks[index])

    def rows(self):
        """(Excel row number, cells) of each row below the header, refused past
        MAX_ROWS. The sheet's XML is parsed once: a pass read to its end keeps the rows,
        pickled in blocks of ``block_size`` rows (a fraction of their size as Python
        objects), and the passes after it unpickle them, in a fraction of parsing's time."""
        if self._blocks is not None:
            for block in self._blocks:
                yield from pickle.loads(block)
            return
        blocks, block, count = [], [], 0
        split = _split_point(self.sheet) if self.parallel else None
        source = _rows_in_two(self.sheet, split) if split else sheet_rows(self.sheet)
        for number, cells in source:
            if number <= self.header_row:
                continue
            count += 1
            if count > MAX_ROWS:
                raise Refused(too_many_rows())
            block.append((number, cells))
            if len(block) >= self.block_size:
                blocks.append(pickle.dumps(block, pickle.HIGHEST_PROTOCOL))
                block = []
            yield number, cells
        if block:
            blocks.append(pickle.dumps(block, pickle.HIGHEST_PROTOCOL))
        self._blocks = blocks


@dataclass
class Report:
    """What a dry run or a commit found: counts, every error, a preview."""

    kind: str
    sheet: str = ""
    header_row: int = 0
    extra_columns: list = field(default_factory=list)
    counts: dict = field(default_factory=lambda: dict.fromkeys(ACTION_LABELS, 0))
    errors: list = field(default_factory=list)  # [row number, column, message]
    preview: list = field(default_factory=list)  # [row number, action, label]
    committed: bool = False
    refused: str = ""

    @property
    def total(self):
        return sum(self.counts.values())

    @property
    def ok(self):
        return not self.refused and not self.errors

    def add(self, row):
        self.counts[row.action] += 1
        for column, message in row.errors:
            self.errors.append([row.number, column, message])
        if row.action in (CREATE, UPDATE) and len(self.preview) < PREVIEW_ROWS:
            self.preview.append([row.number, row.action, row.label])

    def as_dict(self):
        return {
            "kind": self.kind,
            "sheet": self.sheet,
            "header_row": self.header_row,
            "extra_columns": self.extra_columns,
            "counts": self.counts,
            "errors": self.errors,
            "preview": self.preview,
            "committed": self.committed,
            "refused": self.refused,
        }

    @classmethod
    def from_dict(cls, data):
        # An upload whose check never finished (e.g. the command was stopped) has none.
        unfinished = "" if data else _("The check of this file did not finish; upload it again.")
        return cls(**{"kind": "", "refused": unfinished, **data})


# ---------------------------------------------------------------------------------------
# Reading the workbook
# ---------------------------------------------------------------------------------------


def open_workbook(content):
    """The workbook in ``content`` (bytes), read-only with cached formula values, or
    Refused with a message saying why it cannot be read."""
    if len(content) > MAX_BYTES:
        raise Refused(
            _("The file is larger than %(limit)d MB; split it into several files.")
            % {"limit": MAX_BYTES // (1024 * 1024)}
        )
    if content.startswith(OLE_MAGIC):
        if ENCRYPTED_STREAM in content:
            raise Refused(
                _(
                    "The workbook is protected by a password. Open it in Excel or WPS, "
                    "remove the password and upload it again."
                )
            )
        raise Refused(
            _("This is an old Excel file (.xls). Save it as an Excel workbook (.xlsx) first.")
        )
    if not content.startswith(ZIP_MAGIC):
        raise Refused(
            _(
                "The file is not an Excel workbook (.xlsx), whatever its name says. Open it "
                "in Excel or WPS and save it as .xlsx."
            )
        )
    try:
        reader = _Reader(io.BytesIO(content), read_only=True, data_only=True)
        reader.read()
        return reader.wb
    except (DefusedXmlException, UnsafeXml) as exc:
        raise Refused(_("The workbook contains unsafe XML and was not read.")) from exc
    except (
        InvalidFileException,
        zipfile.BadZipFile,
        KeyError,
        ValueError,
        TypeError,
        etree.LxmlError,
    ) as exc:
        # openpyxl wraps what the XML parser raised in a ValueError.
        if isinstance(exc.__cause__, DefusedXmlException | UnsafeXml):
            raise Refused(_("The workbook contains unsafe XML and was not read.")) from exc
        raise Refused(
            _("The file is not a readable Excel workbook (.xlsx). Save it again as .xlsx.")
        ) from exc


def sheet_rows(sheet, open_source=None):
    """(Excel row number, list of cell values) of every row with a value, streamed
    (from ``open_source()``, a part of the sheet's XML, if given).

    The values are those of openpyxl's read-only mode with ``data_only=True`` (numbers,
    text, booleans, dates for date-formatted numbers), except that a formula without a
    cached value is ``FORMULA_WITHOUT_VALUE`` and an error cell a ``CellError``, where
    openpyxl gives ``None`` and the code as text.
    """
    parent = sheet.parent
    strings = sheet._shared_strings
    date_formats, timedelta_formats = parent._date_formats, parent._timedelta_formats
    epoch = parent.epoch
    column_numbers = {}
    number = 0
    try:
        for _event, row in _iterparse(open_source or sheet._get_source, tag=_ROW):
            position = row.get("r")
            if position is None:
                number += 1
            else:
                try:
                    number = int(position)
                except ValueError:
                    number = float(position)
                    if not number.is_integer():
                        raise ValueError(f"{position} is not a valid row number") from None
                    number = int(number)
            column = 0
            cells = []
            for cell in row:
                if not isinstance(cell.tag, str):
                    continue  # a comment or processing instruction
                coordinate = cell.get("r")
                if coordinate:
                    letters = coordinate.rstrip(_DIGITS)
                    column = column_numbers.get(letters)
                    if column is None:
                        column = column_numbers[letters] = column_index_from_string(letters)
                else:
                    column += 1
                # The cell's children, in one pass (find() costs more than this loop).
                text = inline = None
                has_value = has_formula = False
                for child in cell:
                    tag = child.tag
                    if tag == _VALUE:
                        if not has_value:
                            has_value, text = True, child.text
                    elif tag == _FORMULA:
                        has_formula = True
                    elif tag == _INLINE and inline is None:
                        inline = child
                kind = cell.get("t", "n")
                if kind == "inlineStr":
                    value = None
                    if inline is not None:
                        if len(inline) == 1 and inline[0].tag == _TEXT:
                            value = inline[0].text or ""
                        else:
                            value = _text_content(inline)
                else:
                    value = text or None
                    if value is not None:
                        if kind == "n":
                            value = (
                                float(value)
                                if "." in value or "E" in value or "e" in value
                                else int(value)
                            )
                            style = cell.get("s", 0)
                            if style:
                                style = int(style)
                            if style in date_formats:
                                try:
                                    value = from_excel(
                                        value, epoch, timedelta=style in timedelta_formats
                                    )
                                except (OverflowError, ValueError):
                                    kind, value = "e", "#VALUE!"
                        elif kind == "s":
                            value = strings[int(value)]
                        elif kind == "b":
                            value = bool(int(value))
                        elif kind == "d":
                            value = from_ISO8601(value)
                if value is None and has_formula:
                    value = FORMULA_WITHOUT_VALUE
                elif kind == "e":
                    value = CellError(value)
                cells.append((column, value))
            row.clear()
            while row.getprevious() is not None:
                del row.getparent()[0]
            if not cells:
                continue
            values = [None] * max(c for c, _v in cells)
            for position, value in cells:
                values[position - 1] = value
            if any(v is not None and v != "" for v in values):
                yield number, values
    except UnsafeXml as exc:
        raise Refused(_("The workbook contains unsafe XML and was not read.")) from exc
    except etree.LxmlError as exc:
        raise Refused(
            _("The file is not a readable Excel workbook (.xlsx). Save it again as .xlsx.")
        ) from exc


def too_many_rows():
    return _("The sheet has more than %(limit)s rows; split it into several files.") % {
        "limit": f"{MAX_ROWS:,}"
    }


def match_header(cells, columns):
    """Map a header row onto ``columns``: (index -> Column, index -> multiplier, extra
    headers). Headers are matched with spaces, line breaks, asterisks and a trailing
    unit in brackets ignored, by the column's header or any alias."""
    index = {}
    for column in columns:
        for name in (column.header, *column.aliases):
            index.setdefault(parsing.header_key(name), column)
    mapping, multipliers, extra = {}, {}, []
    for position, cell in enumerate(cells):
        key = parsing.header_key(cell)
        if not key:
            continue
        column = index.get(key)
        if column is not None and column not in mapping.values():
            mapping[position] = column
            multipliers[position] = parsing.header_multiplier(cell)
        else:
            extra.append(parsing.clean_text(cell))
    return mapping, multipliers, extra


def find_table(workbook, columns):
    """The first sheet whose header row (within its first rows) has every required
    column; Refused when there is none."""
    best = None
    any_cells = False
    for sheet in workbook.worksheets:
        if getattr(sheet, "sheet_state", "visible") != "visible":
            continue
        for count, (number, cells) in enumerate(sheet_rows(sheet)):
            any_cells = True
            if count >= HEADER_SEARCH_ROWS:
                break
            mapping, multipliers, extra = match_header(cells, columns)
            if mapping and (best is None or len(mapping) > len(best.columns)):
                headers = [parsing.clean_text(c) for c in cells]
                best = Table(sheet, sheet.title, number, mapping, multipliers, extra, headers)
        if best is not None and best.sheet is sheet and _missing(best, columns) == []:
            return best
    if not any_cells:
        raise Refused(_("The workbook is empty: no sheet has any data."))
    if best is None:
        expected = "、".join(c.header for c in columns if c.kind != IGNORED)
        raise Refused(
            _(
                "No header row matches the expected columns (%(expected)s). Use the "
                "template, or rename the headers."
            )
            % {"expected": expected}
        )
    raise Refused(
        _("Sheet %(sheet)s, row %(row)d: required columns are missing: %(missing)s.")
        % {
            "sheet": best.title,
            "row": best.header_row,
            "missing": "、".join(_missing(best, columns)),
        }
    )


def _missing(table, columns):
    present = set(id(c) for c in table.columns.values())
    return [c.header for c in columns if c.required and id(c) not in present]


# ---------------------------------------------------------------------------------------
# Check constraints in Python
# ---------------------------------------------------------------------------------------


class _Unsupported(Exception):
    pass


def _operand(value, model):
    """A function giving the value of a constraint's right-hand side for an instance."""
    from django.db.models.functions import Substr

    if isinstance(value, models.F):
        attname = model._meta.get_field(value.name).attname
        return lambda obj: getattr(obj, attname)
    if isinstance(value, models.Value):
        constant = value.value
        return lambda obj: constant
    if isinstance(value, Substr):
        source, start, *length = value.get_source_expressions()
        source, start = _operand(source, model), _operand(start, model)
        length = _operand(length[0], model) if length else None

        def substring(obj):
            text = source(obj)
            if text is None:
                return None
            begin = start(obj) - 1
            end = begin + length(obj) if length else None
            return text[begin:end]

        return substring
    if hasattr(value, "resolve_expression"):
        raise _Unsupported(value)
    return lambda obj: value


_COMPARE = {
    "exact": lambda a, b: a == b,
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
    "in": lambda a, b: a in b,
    "regex": lambda a, b: re.search(b, a) is not None,
    "contained_by": lambda a, b: set(a) <= set(b),
}


def _lookup(key, value, model):
    """A function of an instance with SQL's three-valued logic: None where SQL would
    say unknown."""
    name, _sep, lookup = key.partition("__")
    lookup = lookup or "exact"
    try:
        attname = model._meta.get_field(name).attname
    except Exception as exc:
        raise _Unsupported(key) from exc
    if lookup == "isnull":
        wanted = bool(value)
        return lambda obj: (getattr(obj, attname) is None) == wanted
    if lookup not in _COMPARE:
        raise _Unsupported(key)
    compare, right = _COMPARE[lookup], _operand(value, model)

    def check(obj):
        left, other = getattr(obj, attname), right(obj)
        if left is None or other is None:
            return None
        return compare(left, other)

    return check


def _condition(q, model):
    """A function of an instance evaluating the Q object ``q`` as SQL would."""
    children = [
        _condition(child, model) if isinstance(child, models.Q) else _lookup(*child, model)
        for child in q.children
    ]
    negated = q.negated
    if q.connector not in (models.Q.AND, models.Q.OR):
        raise _Unsupported(q.connector)
    # One child's value that settles the whole: False for AND, True for OR. Without one,
    # an unknown child makes the whole unknown.
    decisive = q.connector == models.Q.OR

    def evaluate(obj):
        value, unknown = not decisive, False
        for child in children:
            result = child(obj)
            if result is None:
                unknown = True
            elif result == decisive:
                value = decisive
                break
        else:
            if unknown:
                return None
        return (not value) if negated else value

    return evaluate


@cache
def _check_constraints(model):
    """(constraint, function of an instance or None) for each check constraint of
    ``model``; None for a condition this evaluator does not understand."""
    checks = []
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.CheckConstraint):
            try:
                checks.append((constraint, _condition(constraint.condition, model)))
            except _Unsupported:
                checks.append((constraint, None))
    return tuple(checks)


def constraint_errors(obj):
    """Messages of the model's check constraints that ``obj`` violates.

    Evaluated in Python with SQL's rules (a check that is unknown because of a NULL
    passes), so validating a large file needs no query per row; a condition this
    evaluator does not understand is checked by the database instead. The database
    checks them all again when the rows are written. Each condition is turned into
    Python functions once per model.
    """
    messages = []
    for constraint, check in _check_constraints(type(obj)):
        if check is not None:
            passed = check(obj) is not False
        else:
            try:
                constraint.validate(type(obj), obj)
                passed = True
            except ValidationError:
                passed = False
        if not passed:
            messages.append(str(constraint.get_violation_error_message()))
    return messages


class ImportFormMixin:
    """For a ModelForm that validates one imported row.

    Field cleaning, the form's ``clean`` methods and the model's ``clean`` run as for a
    person typing into the form. Uniqueness is checked by the importer for the whole
    file and the database at once, and check constraints by ``constraint_errors`` on the
    finished record, instead of one query per row and constraint.

    One instance of the form is bound again for every row (``Importer.bind``), so what
    Django derives per row for a page (a BoundField per field, the validation exclusions
    from every model field) is derived here more cheaply, with the same results:
    ``tests/registry/test_import_fastpath.py`` compares this form with the plain one.
    """

    def _clean_fields(self):
        # Django's BaseForm._clean_fields, reading each field's value from its widget
        # directly instead of through a new BoundField per field and row.
        for name, form_field in self.fields.items():
            if form_field.disabled:
                value = self.get_initial_for_field(form_field, name)
            else:
                value = form_field.widget.value_from_datadict(
                    self.data, self.files, self.add_prefix(name)
                )
            try:
                if isinstance(form_field, forms.FileField):
                    value = form_field.clean(value, self.get_initial_for_field(form_field, name))
                else:
                    value = _remembered_clean(self, name, form_field, value)
                self.cleaned_data[name] = value
                if hasattr(self, f"clean_{name}"):
                    self.cleaned_data[name] = getattr(self, f"clean_{name}")()
            except ValidationError as error:
                self.add_error(name, error)

    def _get_validation_exclusions(self):
        # The form's exclusions depend only on which fields have errors and which of the
        # fields that the model requires but the form does not are empty: computed once
        # per such combination.
        cache = self.__dict__.setdefault("_exclusions", {})
        optional = self.__dict__.get("_optional_required")
        if optional is None:
            optional = self._optional_required = [
                (f.name, self.fields[f.name])
                for f in self.instance._meta.fields
                if f.name in self.fields and not f.blank and not self.fields[f.name].required
            ]
        key = (
            frozenset(self._errors),
            frozenset(
                name
                for name, form_field in optional
                if self.cleaned_data.get(name) in form_field.empty_values
            ),
        )
        exclusions = cache.get(key)
        if exclusions is None:
            exclusions = cache[key] = frozenset(super()._get_validation_exclusions())
        return set(exclusions)

    def _post_clean(self):
        exclude = self._get_validation_exclusions()
        try:
            self.instance = _construct_instance(self, self.instance)
        except ValidationError as error:
            self._update_errors(error)
        try:
            _full_clean(self, self.instance, exclude)
        except ValidationError as error:
            self._update_errors(error)


# Rows repeat values (a community, a date, a category): a value that one of Django's own
# fields once cleaned without error is not cleaned again. Those fields' cleaning depends
# only on the value (a related field's, which queries the database, is never
# remembered); a value cleaned into itself or into an immutable value is remembered.
_REMEMBERED_TYPES = (str, int, float, bool, Decimal, datetime.date, type(None))
_MEMO_LIMIT = 50_000
# A column whose values rarely repeat (names, phone numbers) is not remembered: after
# this many values, unless one in ten was seen before.
_MEMO_TRIAL = 1000


# What ``_Memo.find`` gives for a value not cleaned before.
_MISSING = object()


class _Memo(dict):
    """Values cleaned (or parsed) once, by (column or field, type, value)."""

    def __init__(self):
        super().__init__()
        self.tries, self.hits = {}, {}
        self.dropped = set()  # columns or fields whose values are no longer remembered

    def find(self, name, value):
        """(key, cleaned): the key ``value`` is remembered under (None: not remembered)
        and what it was cleaned into before (``_MISSING``: not yet). One call and one
        look-up per value: it runs for every cell of a large file."""
        if name in self.dropped:
            return None, _MISSING
        tries = self.tries.get(name, 0)
        if tries >= _MEMO_TRIAL and self.hits.get(name, 0) * 10 < tries:
            self.dropped.add(name)
            return None, _MISSING
        self.tries[name] = tries + 1
        if isinstance(value, list):
            if not all(isinstance(item, str) for item in value):
                return None, _MISSING
            key = (name, list, tuple(value))
        elif isinstance(value, _REMEMBERED_TYPES):
            key = (name, type(value), value)
        else:
            return None, _MISSING
        cleaned = self.get(key, _MISSING)
        if cleaned is not _MISSING:
            self.hits[name] = self.hits.get(name, 0) + 1
        return key, cleaned

    def remember(self, key, value, cleaned):
        if key is None:
            return
        if len(self) >= _MEMO_LIMIT:
            self.clear()
        if isinstance(cleaned, list) and all(isinstance(item, str) for item in cleaned):
            self[key] = tuple(cleaned)
        elif cleaned is value or isinstance(cleaned, _REMEMBERED_TYPES):
            self[key] = cleaned


def _pure_form_field(form_field):
    return type(form_field).__module__ == "django.forms.fields"


def _remembered_clean(form, name, form_field, value):
    """``form_field.clean(value)``, remembered for Django's own form fields."""
    if not _pure_form_field(form_field):
        return form_field.clean(value)
    memo = form.__dict__.get("_field_memo")
    if memo is None:
        memo = form._field_memo = _Memo()
    key, cleaned = memo.find(name, value)
    if cleaned is not _MISSING:
        return list(cleaned) if isinstance(cleaned, tuple) else cleaned
    cleaned = form_field.clean(value)
    memo.remember(key, value, cleaned)
    return cleaned


def _pure_model_field(field):
    return not field.is_relation and type(field).__module__.startswith("django.db.models.fields")


@cache
def _clean_plan(model):
    """(field, attname, blank, pure) of each field ``Model.clean_fields`` cleans."""
    return tuple(
        (f, f.attname, f.blank, _pure_model_field(f)) for f in model._meta.fields if not f.generated
    )


def _full_clean(form, instance, exclude):
    """``instance.full_clean(exclude, validate_unique=False, validate_constraints=False)``
    with each field's cleaning remembered as in ``_remembered_clean``."""
    model = type(instance)
    if model.full_clean is not models.Model.full_clean or (
        model.clean_fields is not models.Model.clean_fields
    ):
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        return
    memo = form.__dict__.get("_model_field_memo")
    if memo is None:
        memo = form._model_field_memo = _Memo()
    errors, field_errors = {}, {}
    for f, attname, blank, pure in _clean_plan(model):
        if f.name in exclude:
            continue
        raw_value = getattr(instance, attname)
        if blank and raw_value in f.empty_values:
            continue
        if isinstance(raw_value, DatabaseDefault):
            continue
        key, cleaned = memo.find(attname, raw_value) if pure else (None, _MISSING)
        if cleaned is not _MISSING:
            if isinstance(cleaned, tuple):
                cleaned = list(cleaned)
                if cleaned == raw_value:
                    cleaned = raw_value
            setattr(instance, f.attname, cleaned)
            continue
        try:
            cleaned = f.clean(raw_value, instance)
        except ValidationError as e:
            field_errors[f.name] = e.error_list
            continue
        memo.remember(key, raw_value, cleaned)
        setattr(instance, f.attname, cleaned)
    if field_errors:
        errors = ValidationError(field_errors).update_error_dict(errors)
    try:
        instance.clean()
    except ValidationError as e:
        errors = e.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


def _construct_instance(form, instance):
    """Django's ``construct_instance`` for the form's own fields, with the list of model
    fields to fill worked out once per form instead of once per row."""
    plan = form.__dict__.get("_construct_plan")
    if plan is None:
        plan = form._construct_plan = [
            (f, form.fields.get(f.name), f.has_default(), isinstance(f, models.FileField))
            for f in instance._meta.fields
            if f.editable
            and not isinstance(f, models.AutoField)
            and (form._meta.fields is None or f.name in form._meta.fields)
            and not (form._meta.exclude and f.name in form._meta.exclude)
        ]
    cleaned_data = form.cleaned_data
    files = []
    for f, form_field, has_default, is_file in plan:
        if f.name not in cleaned_data:
            continue
        # Leave defaults for fields that aren't in the data (as Django does).
        if (
            has_default
            and form_field.widget.value_omitted_from_data(
                form.data, form.files, form.add_prefix(f.name)
            )
            and cleaned_data.get(f.name) in form_field.empty_values
        ):
            continue
        if is_file:
            files.append(f)
        else:
            f.save_form_data(instance, cleaned_data[f.name])
    for f in files:
        f.save_form_data(instance, cleaned_data[f.name])
    return instance


# ---------------------------------------------------------------------------------------
# The importer
# ---------------------------------------------------------------------------------------


class Importer:
    """One kind of ledger row. Subclasses set ``kind``, ``title``, ``model``, ``columns``
    and ``form_class`` and implement ``prepare``, ``locate`` and ``write``."""

    kind = ""
    title = ""
    model = None
    columns = ()
    form_class = None
    batch_size = BATCH_SIZE
    # Write each batch in a second thread while the next one is validated.
    write_behind = True
    # Whether a helper process may check part of a large file (see _Helper): only for
    # an importer whose ``prepare``, ``locate`` and ``validate`` need no query once
    # ``before_rows`` has run (a batch that does query is checked here instead).
    parallel = False
    # Model fields the form compares to decide whether an existing record changes.
    compared_fields = ()
    # Columns without which a row cannot find its record (``locate`` is then skipped).
    key_columns = set()

    def __init__(self, user):
        self.user = user
        self.seen = {}
        self.helped_batches = 0  # batches the helper process checked (see _Helper)

    # -- hooks ----------------------------------------------------------------------
    def prepare(self, rows, commit):
        """Look up, in a few queries, what the rows of one batch need."""

    def locate(self, row):
        """Resolve references and find the record the row updates: set
        ``row.instance`` (a new, unsaved one for a row that creates) or add errors."""
        raise NotImplementedError

    def form_data(self, row):
        """The form's data for ``row``: the row's values over the record's current ones."""
        data = {}
        existing = row.instance.pk is not None
        for name, model_field, has_default in self._form_model_fields:
            if existing:
                data[name] = model_field.value_from_object(row.instance)
            elif has_default:
                data[name] = model_field.get_default()
        form_fields = self.form_fields
        data.update({k: v for k, v in row.values.items() if k in data or k in form_fields})
        return data

    def finish(self, row):
        """Set what the form does not (workflow fields, references) after it passed."""

    def ready(self, row):
        """Derive what writing a row that creates or updates needs (when committing,
        as the row is checked: in the helper process for its part of the file)."""

    def write(self, rows):
        """Save the batch's rows that create or update (inside the import transaction)."""
        raise NotImplementedError

    def before_rows(self, table, commit):
        """Called once before the first batch, inside the transaction when committing."""

    def after_rows(self, commit):
        """Called once after the last batch, inside the transaction when committing."""

    def form_kwargs(self):
        return {}

    # -- the engine -------------------------------------------------------------------
    @cached_property
    def form_fields(self):
        return set(self.form_class.base_fields)

    @cached_property
    def _form_model_fields(self):
        fields = [self.model._meta.get_field(name) for name in self.form_class._meta.fields]
        return [(f.name, f, f.has_default()) for f in fields]

    def header_of(self, name):
        for column in self.columns:
            if column.name == name:
                return column.header
        try:
            return str(self.model._meta.get_field(name).verbose_name)
        except FieldDoesNotExist:
            return ""

    def read(self, number, cells, table):
        row = Row(number, cells)
        memo = table.memo
        for position, column in table.columns.items():
            value = cells[position] if position < len(cells) else None
            # Dates, numbers and coded values repeat down a column: each distinct one is
            # parsed once (text is only cleaned, as cheap as looking it up).
            key, parsed = memo.find(position, value) if column.kind != TEXT else (None, _MISSING)
            if parsed is not _MISSING:
                row.values[column.name] = list(parsed) if isinstance(parsed, tuple) else parsed
                continue
            try:
                parsed = column.read(value, table.multipliers[position])
            except ParseError as error:
                row.error(column.header, error)
                row.failed.add(column.name)
                continue
            row.values[column.name] = parsed
            memo.remember(key, value, parsed)
        for column in table.columns.values():
            if column.required and column.name not in row.failed:
                if row.values.get(column.name) in (None, "", []):
                    row.error(column.header, _("This column must be filled in."))
                    row.failed.add(column.name)
        return row

    def bind(self, data, instance):
        """The kind's form bound to one row.

        One form instance serves every row of the file, bound again for each: building a
        form deep-copies all its fields, which for 100,000 rows costs more than all the
        validation itself. What ``BaseForm.__init__`` derives from the data is reset here.
        """
        form = getattr(self, "_form", None)
        if form is None:
            form = self._form = self.form_class(data={}, instance=instance, **self.form_kwargs())
        form.data = data
        form.instance = instance
        form._errors = None
        form._bound_fields_cache = {}
        if hasattr(form, "cleaned_data"):
            del form.cleaned_data
        return form

    def validate(self, row, skip=()):
        compared = self._compared() if row.instance.pk is not None else ()
        snapshot = {f.attname: getattr(row.instance, f.attname) for f in compared}
        form = self.bind(self.form_data(row), row.instance)
        if not form.is_valid():
            for name, messages in form.errors.items():
                if name in skip:
                    continue
                for message in messages:
                    row.error(self.header_of(name), message)
        if not row.ok:
            return
        row.instance = form.instance
        for attname, value in row.refs.items():
            setattr(row.instance, attname, value)
        self.finish(row)
        if not row.ok:
            return
        for message in constraint_errors(row.instance):
            row.error("", message)
        if not row.ok:
            return
        if row.instance.pk is None:
            row.action = CREATE
            return
        row.changed = {
            f.name for f in compared if getattr(row.instance, f.attname) != snapshot[f.attname]
        }
        row.action = UPDATE if row.changed else UNCHANGED

    def _compared(self):
        if not hasattr(self, "_compared_fields"):
            self._compared_fields = [self.model._meta.get_field(n) for n in self.compared_fields]
        return self._compared_fields

    def check_duplicate(self, row, key, message, column=""):
        """An error (on ``column``, the key's column) if an earlier row of the file had
        the same key."""
        earlier = self.seen.get(key)
        if earlier is not None:
            row.error(column, message % {"row": earlier})
            return True
        self.seen[key] = row.number
        return False

    def run(self, content, commit=False, progress=None, reason="", file_name="", batch=None):
        """Validate (and with ``commit`` write) the workbook ``content``; returns a Report.
        A commit with any error is rolled back entirely."""
        report = Report(kind=self.kind)
        try:
            workbook = open_workbook(content)
        except Refused as refusal:
            report.refused = str(refusal)
            return report
        try:
            table = find_table(workbook, self.columns)
        except Refused as refusal:
            workbook.close()
            report.refused = str(refusal)
            return report
        report.sheet, report.header_row = table.title, table.header_row
        report.extra_columns = table.extra
        max_row = getattr(table.sheet, "max_row", None)
        if max_row and max_row - table.header_row > MAX_ROWS:
            report.refused = too_many_rows()
            return report
        try:
            if commit:
                context = acting_as(
                    self.user,
                    reason=reason or f"import {self.kind}",
                    import_file=file_name,
                    batch=batch,
                )
                with transaction.atomic(), context, _without_cycle_collector():
                    prepare_bulk_writes()
                    _check_constraints_now()
                    self._process(table, report, commit, progress)
                    if not report.ok:
                        raise _Rollback
                report.committed = True
            else:
                with _without_cycle_collector():
                    self._process(table, report, commit, progress)
        except _Rollback:
            report.committed = False
        except Refused as refusal:
            report.refused = str(refusal)
            report.committed = False
        finally:
            workbook.close()
        return report

    def _process(self, table, report, commit, progress):
        table.block_size = self.batch_size
        table.parallel = self._may_fork()
        self.before_rows(table, commit)
        writer = None
        with contextlib.ExitStack() as stack:
            if commit:
                writer = stack.enter_context(
                    _WriteBehind(self._write, report, threaded=self.write_behind)
                )
            helper = None
            if self._parallel(table):
                helper = stack.enter_context(_Helper(self, table, commit))
            done = 0
            for index, cells in enumerate(self._batches(table)):
                rows = helper.result(index) if helper is not None else None
                if rows is None:  # not the helper's batch, or one it could not check
                    rows = self._read_rows(table, cells)
                    self._check(rows, commit)
                else:
                    self.helped_batches += 1
                self._hand_over(rows, report, writer)
                done += len(rows)
                if progress:
                    progress(done)
            if writer is not None:
                writer.finish()
        if done == 0:
            raise Refused(
                _("Sheet %(sheet)s has a header but no data rows.") % {"sheet": table.title}
            )
        self.after_rows(commit)

    def _batches(self, table):
        """The file's rows (Excel row number, cells) in batches of ``batch_size``."""
        if table.complete:
            for index in range(len(table._blocks)):
                yield table.block(index)
            return
        batch = []
        for number, cells in table.rows():
            batch.append((number, cells))
            if len(batch) >= self.batch_size:
                yield batch
                batch = []
        if batch:
            yield batch

    def _read_rows(self, table, cells):
        return [self.read(number, row_cells, table) for number, row_cells in cells]

    def _parallel(self, table):
        """Whether a helper process checks the second part of the file (see _Helper)."""
        return self._may_fork() and table.complete and len(table._blocks) >= PARALLEL_MIN_BATCHES

    def _may_fork(self):
        return (
            self.parallel
            and settings.IMPORT_PARALLEL
            and (os.cpu_count() or 1) > 1
            and hasattr(os, "fork")
        )

    def _check(self, rows, commit, locate_only=False):
        """Locate and validate each row of a batch."""
        self.prepare(rows, commit)
        for row in rows:
            # A row with unreadable cells is still checked as far as it can be, so that
            # the user sees all its errors at once.
            unreadable = {name for name in row.failed}
            if not unreadable & self.key_columns:
                self.locate(row)
            if locate_only:
                continue
            if row.instance is not None:
                self.validate(row, skip=unreadable)
            if not row.ok:
                row.action = ERROR
            elif commit and row.action in (CREATE, UPDATE):
                self.ready(row)

    def _hand_over(self, rows, report, writer):
        """Report a checked batch; when committing (``writer``), hand it to the writer
        once the batches before it are written without error."""
        if writer is None:
            for row in rows:
                report.add(row)
            return
        writer.finish()  # the batch before: its rows reach the report in file order
        if report.ok and not any(r.action == ERROR for r in rows):
            writer.start(rows)
        else:
            for row in rows:
                report.add(row)

    def _write(self, rows):
        changing = [r for r in rows if r.action in (CREATE, UPDATE)]
        if not changing:
            return
        try:
            with transaction.atomic():
                self.write(changing)
        except (IntegrityError, DatabaseError):
            # Find the rows the database refused, one by one, to name them.
            for row in changing:
                if row.action == CREATE:
                    row.instance.pk = None
                try:
                    with transaction.atomic():
                        self.write([row])
                except (IntegrityError, DatabaseError) as error:
                    row.error("", database_message(error, self.model))
                    row.action = ERROR


@contextlib.contextmanager
def _without_cycle_collector():
    """Python's cycle collector off while a file is checked (and in the children forked
    meanwhile, which inherit it): an import keeps every row it checked for its report,
    so the collector's full passes walk more objects with every batch, and found almost
    nothing to free. 100,000 rows in one process: 3.6-4.0 s of 41-47 s in the collector;
    what it would have freed, collected at the end, was 14,000 objects (a form's bound
    fields and the like), which reference counting cannot free. The collector is one
    per process: in a threaded server, other requests' cycles wait for the import's end
    (reference counting still frees everything else). Left off if it was off."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _check_constraints_now():
    """Check the foreign keys (which Django declares ``DEFERRABLE INITIALLY DEFERRED``)
    at the end of each of the import's statements instead of at its commit, for the rest
    of the transaction. A row the database refuses is then named by the batch's retry,
    row by row (``Importer._write``), not by an error at the commit; and PostgreSQL
    need not queue four checks per row until the end: a bare ``COPY`` of 50,000 filings
    with its checks took 11.4 s so, against 12.4 s deferred. The import writes no row
    that refers to a row written after it."""
    with connections["default"].cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class _WriteBehind:
    """Writes a batch in a second thread, on the import's own connection and inside its
    transaction, while the main thread reads and validates the next batch.

    While the writer runs, a statement from the main thread (a look-up in ``prepare``,
    a related object loaded during validation) waits for it: every statement on the
    connection takes ``lock``, which the writer holds for its whole batch, so the main
    thread never runs inside the writer's savepoint or after a failed statement of it.
    ``finish()`` waits for the batch, puts its rows in the report (in file order, with any
    error the database gave a row) and re-raises what the writer raised."""

    def __init__(self, write, report, threaded=True):
        self.write, self.report, self.threaded = write, report, threaded
        self.connection = connections["default"]
        self.lock = threading.RLock()
        self.thread = self.rows = self.error = None
        self.adopt_context = share_context_with_thread()

    def __enter__(self):
        self._guard = self.connection.execute_wrapper(self._guarded)
        self._guard.__enter__()
        self.connection.inc_thread_sharing()
        return self

    def __exit__(self, *exc_info):
        try:
            if self.thread is not None:
                self.thread.join()
        finally:
            self.connection.dec_thread_sharing()
            self._guard.__exit__(*exc_info)

    def _guarded(self, execute, sql, params, many, context):
        with self.lock:
            return execute(sql, params, many, context)

    def _run(self, rows):
        connections["default"] = self.connection
        self.adopt_context()
        try:
            with self.lock:
                self.write(rows)
        except BaseException as error:  # re-raised in the main thread by finish()
            self.error = error

    def start(self, rows):
        self.rows = rows
        if not self.threaded:
            try:
                self.write(rows)
            except BaseException as error:  # raised by finish(), as from the thread
                self.error = error
            return
        self.thread = threading.Thread(target=self._run, args=(rows,), name="import-writer")
        self.thread.start()

    def finish(self):
        if self.rows is None:
            return
        if self.thread is not None:
            self.thread.join()
        rows, error = self.rows, self.error
        self.thread = self.rows = self.error = None
        if error is not None:
            raise error
        for row in rows:
            self.report.add(row)


def copy_create(model, objs):
    """``model.objects.bulk_create(objs)`` through PostgreSQL's COPY: the same values
    (each field's ``pre_save`` and ``get_db_prep_save``, as bulk_create) without building
    one INSERT statement with a parameter per value, which for 1,000 rows of 25 columns
    costs more than the database's work. The triggers fire as for an INSERT, under the
    transaction's history context; the new rows' ids are not read back. Objects with an
    id, or with an expression for a value, go through bulk_create."""
    if not objs:
        return
    opts = model._meta
    fields = [
        f
        for f in opts.concrete_fields
        if not f.generated and not isinstance(f, models.AutoField | models.BigAutoField)
    ]
    # The connection itself, not the thread-local proxy: a value's preparation asks for
    # it (and its ``ops``) once per value, a tenth of the commit's time through the proxy.
    db = connections[router.db_for_write(model)]
    plan = [(f, _plain_pre_save(f), _passed_through(f)) for f in fields]
    rows = []
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
        row = []
        for f, attname, passed in plan:
            value = getattr(obj, attname) if attname else f.pre_save(obj, True)
            if not passed or (value is not None and type(value) not in passed):
                if hasattr(value, "resolve_expression") or isinstance(value, DatabaseDefault):
                    model.objects.bulk_create(objs)
                    return
                value = f.get_db_prep_save(value, db)
            row.append(value)
        if obj.pk is not None:
            model.objects.bulk_create(objs)
            return
        rows.append(row)
    columns = ", ".join(db.ops.quote_name(f.column) for f in fields)
    table = db.ops.quote_name(opts.db_table)
    with db.cursor() as cursor:
        cursor.execute("SELECT 1")  # through Django: sets the history context first
        with db.wrap_database_errors:
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = db.alias


# Django's own fields whose ``get_db_prep_save`` gives PostgreSQL None and a value of
# these exact types unchanged: such values are passed to COPY as they are, which saves
# most of preparing a row (``tests/registry/test_import_fastpath.py`` compares).
_PASSED_THROUGH = {
    models.CharField: (str,),
    models.TextField: (str,),
    models.IntegerField: (int,),
    models.SmallIntegerField: (int,),
    models.BigIntegerField: (int,),
    models.BooleanField: (bool,),
    models.DateField: (datetime.date,),
}


def _passed_through(field):
    """The value types ``field`` sends to the database unchanged (for COPY)."""
    if type(field) is models.ForeignKey:
        return _passed_through(field.target_field)
    if isinstance(field, models.AutoField | models.BigAutoField):
        return (int,)
    return _PASSED_THROUGH.get(type(field), ())


def _plain_pre_save(field):
    """The attribute ``field.pre_save`` only reads, or None where it does more (a date
    field's reads it too unless the field sets it itself: ``auto_now``, ``auto_now_add``)."""
    pre_save = type(field).pre_save
    if pre_save is models.Field.pre_save:
        return field.attname
    if pre_save in _DATE_PRE_SAVES and not (field.auto_now or field.auto_now_add):
        return field.attname
    return None


_DATE_PRE_SAVES = (models.DateField.pre_save, models.DateTimeField.pre_save)


def new_instance(model, **values):
    """``model(**values)``, built by copying a blank instance made once: Model.__init__
    costs about 50 microseconds for a model of 27 fields, which a large import pays for
    each of its new rows. Fields whose default is callable get a fresh default each
    time; a model with ``pre_init``/``post_init`` receivers is built as usual."""
    if signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model):
        return model(**values)
    blank, callables = _blank(model)
    obj = model.__new__(model)
    obj.__dict__.update(blank)
    obj._state = ModelState()
    for attname, model_field in callables:
        obj.__dict__[attname] = model_field.get_default()
    for name, value in values.items():
        setattr(obj, name, value)
    return obj


@cache
def _blank(model):
    instance = model()
    blank = {k: v for k, v in instance.__dict__.items() if k != "_state"}
    callables = tuple(
        (f.attname, f)
        for f in model._meta.concrete_fields
        if f.has_default() and callable(f.default)
    )
    return blank, callables


class _Rollback(Exception):
    pass


# PostgreSQL's code for a foreign key violation, and the columns its detail names
# ("Key (category_id)=(7) is not present in table ..."; English under the C locale).
_FOREIGN_KEY_VIOLATION = "23503"
_KEY_COLUMNS = re.compile(r"^Key \(([^)]*)\)=")


def database_message(error, model):
    """The message of the constraint the database reported; for a foreign key, which
    fields refer to nothing; else the database's own text."""
    diag = getattr(error.__cause__, "diag", None)
    name = getattr(diag, "constraint_name", None)
    for constraint in model._meta.constraints:
        if constraint.name == name:
            return str(constraint.get_violation_error_message())
    if getattr(diag, "sqlstate", None) == _FOREIGN_KEY_VIOLATION:
        match = _KEY_COLUMNS.match(getattr(diag, "message_detail", None) or "")
        columns = match.group(1).split(", ") if match else []
        labels = [str(f.verbose_name) for f in model._meta.concrete_fields if f.column in columns]
        if labels:
            return _("%(fields)s: no such record.") % {"fields": "、".join(labels)}
    return _("The database refused this row: %(error)s") % {"error": str(error).splitlines()[0]}


def error_report_rows(content, report):
    """The header and the rows of the file that have errors, each with its messages in a
    last column, for a workbook the user corrects and uploads again."""
    by_row = {}
    for number, column, message in report.errors:
        by_row.setdefault(number, []).append(f"{column}：{message}" if column else message)
    workbook = open_workbook(content)
    try:
        sheet = workbook[report.sheet]
        width = 0
        for number, cells in sheet_rows(sheet):
            if number == report.header_row:
                width = len(cells)
                yield [_("row"), *(parsing.clean_text(c) for c in cells), _("errors")]
            elif number in by_row:
                # Every row as wide as the header, so the errors stand in their own column.
                values = [_cell_text(c) for c in cells[:width]]
                values += [None] * (width - len(values))
                yield [number, *values, "；".join(by_row[number])]
    finally:
        workbook.close()


def _cell_text(value):
    if value is FORMULA_WITHOUT_VALUE:
        return ""
    if isinstance(value, CellError):
        return value.code
    return value


class _NoDatabase(Exception):
    """A query in a forked child, which has no connection of its own."""


def _no_database(*args, **kwargs):
    raise _NoDatabase


class _Forked:
    """A forked child process sending messages (bytes) back in order, and a reader thread
    here that takes them as they come, so the child never waits for this process. The
    child writes nothing and sends no query: its copy of the connection (this
    process's, possibly inside a transaction) is replaced by one that refuses."""

    name = "import-child"

    def __init__(self):
        self.messages, self.ended = [], False
        self.arrived = threading.Condition()

    def __enter__(self):
        context = multiprocessing.get_context("fork")
        receiver, sender = context.Pipe(duplex=False)
        self.process = context.Process(target=self._main, args=(sender,), name=self.name)
        self.process.start()
        sender.close()
        self.reader = threading.Thread(target=self._read, args=(receiver,), daemon=True)
        self.reader.start()
        return self

    def __exit__(self, *exc_info):
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.reader.join()

    def message(self, position):
        """Message ``position`` (each is taken once), or b"" if the child ended first."""
        with self.arrived:
            while len(self.messages) <= position and not self.ended:
                self.arrived.wait()
            if position < len(self.messages):
                message, self.messages[position] = self.messages[position], None
                return message
        return b""

    def _read(self, receiver):
        with receiver:
            while True:
                try:
                    message = receiver.recv_bytes()
                except (EOFError, OSError):
                    break
                with self.arrived:
                    self.messages.append(message)
                    self.arrived.notify_all()
        with self.arrived:
            self.ended = True
            self.arrived.notify_all()

    def _main(self, sender):
        for connection in connections.all(initialized_only=True):
            # Not closed: closing would end this process's session on the server.
            connection.cursor = connection.chunked_cursor = _no_database
            connection.ensure_connection = connection.connect = _no_database
        try:
            self.work(sender)
        except Exception:  # noqa: BLE001 - this process does the rest itself
            sender.send_bytes(b"")
        sender.close()

    def work(self, sender):
        """In the child: send the messages (never empty)."""
        raise NotImplementedError


class _Helper(_Forked):
    """A second process that checks (locates and validates) the second part of a large
    file (``HELPER_SHARE`` of its batches) while this one checks the first part and
    writes, so that an import uses two cores: checking is most of an import's time, and
    it runs in Python.

    It is forked after ``before_rows`` has read the whole file and looked up what the
    rows may update, so it starts with all of that. It first locates the rows of the
    first part too, for what locating remembers from row to row (``Importer.seen``: the
    names and numbers met so far), so that each of its rows is checked exactly as one
    process checks it; then it checks its part and sends each batch's rows back,
    pickled, in file order. From a batch it cannot check without a query (or if it
    dies), this process checks every remaining batch itself, after locating the
    helper's earlier rows for ``seen``.
    """

    name = "import-helper"

    def __init__(self, importer, table, commit):
        super().__init__()
        self.importer, self.table, self.commit = importer, table, commit
        # The helper checks a larger part: this process also writes every batch.
        self.first = round(len(table._blocks) * (1 - HELPER_SHARE))
        self.failed_at = None

    def result(self, index):
        """The checked rows of batch ``index``, or None where this process checks it."""
        if index < self.first or self.failed_at is not None:
            return None
        message = self.message(index - self.first)
        if message:
            return [_unpacked(row) for row in pickle.loads(message)]
        self.failed_at = index
        importer = self.importer
        for earlier in range(self.first, index):
            rows = importer._read_rows(self.table, self.table.block(earlier))
            importer._check(rows, self.commit, locate_only=True)
        return None

    def work(self, sender):
        importer, table, commit = self.importer, self.table, self.commit
        for index in range(self.first):
            importer._check(importer._read_rows(table, table.block(index)), commit, True)
        for index in range(self.first, len(table._blocks)):
            rows = importer._read_rows(table, table.block(index))
            importer._check(rows, commit)
            packed = [_packed(row) for row in rows]
            sender.send_bytes(pickle.dumps(packed, pickle.HIGHEST_PROTOCOL))


def _packed(row):
    """A checked row as plain data, for the helper to send: a model instance pickles and
    unpickles as an object (with its state, and enum members as objects), several times
    slower than its values as a dict. The cells and the values read are not needed any
    more; related objects the instance cached are left out (its ids stay)."""
    state = {k: v for k, v in row.__dict__.items() if k not in ("raw", "values", "instance")}
    instance = row.instance
    if instance is not None:
        values = {
            k: v.value if isinstance(v, enum.Enum) else v
            for k, v in instance.__dict__.items()
            if k != "_state"
        }
        state["instance"] = (type(instance), values, instance._state.adding, instance._state.db)
    return state


def _unpacked(state):
    row = Row.__new__(Row)
    row.__dict__.update(state, raw=None, values={})
    if row.instance is not None:
        model, values, adding, db = row.instance
        instance = model.__new__(model)
        instance.__dict__.update(values)
        instance._state = ModelState()
        instance._state.adding, instance._state.db = adding, db
        row.instance = instance
    return row


# ---------------------------------------------------------------------------------------
# A large sheet parsed in two processes
# ---------------------------------------------------------------------------------------
#
# Parsing is the one part of an import that no check can start before: the first pass
# reads the whole sheet. The sheet's XML is cut at the start of a row near its middle;
# each part is made a document of its own (the first part closed after its last row,
# the second given the first's head, up to the <sheetData> tag, which declares the
# namespaces), and a forked child parses the second part while this process parses the
# first. The rows are those of one parse: a row has its own number (the cut is made
# only before a row that says it); a cut in the wrong place (inside a comment or a CDATA
# section) leaves the first part unreadable, and the sheet is then parsed here whole.

_SHEET_DATA_TAG = re.compile(rb"<(?:([A-Za-z_][\w.-]*):)?sheetData(?:\s[^>]*)?>")
_CHUNK = 1 << 16


def _split_point(sheet):
    """(head, tag prefix, offset of the cut) for a sheet large enough, else None."""
    try:
        size = sheet.parent._archive.getinfo(sheet._worksheet_path).file_size
    except (AttributeError, KeyError):
        return None
    if size < PARALLEL_PARSE_BYTES:
        return None
    with sheet._get_source() as source:
        data = source.read(_CHUNK)
        match = _SHEET_DATA_TAG.search(data)
        if match is None or match.group(0).endswith(b"/>"):
            return None
        head, prefix = data[: match.end()], (match.group(1) or b"")
        prefix = prefix + b":" if prefix else b""
        row_tag = re.compile(b"<" + re.escape(prefix) + rb"row[\s>/]")
        base = 0  # offset of data[0] in the sheet's XML
        while base + len(data) < size // 2:
            base += len(data)
            data = source.read(1 << 20)
            if not data:
                return None
        while True:
            match = row_tag.search(data, max(0, size // 2 - base))
            end = data.find(b">", match.start()) if match else -1
            if match and end >= 0:
                tag = data[match.start() : end]
                if b' r="' not in tag and b" r='" not in tag:
                    return None
                return head, prefix, base + match.start()
            more = source.read(_CHUNK)
            if not more:
                return None
            keep = data[-256:]  # a tag cut between two reads
            base += len(data) - len(keep)
            data = keep + more


class _Spliced:
    """A file of pieces: bytes, and (start, stop) ranges of the sheet's XML."""

    def __init__(self, open_source, pieces):
        self.chunks = self._chunks(open_source, pieces)
        self.buffer = b""

    @staticmethod
    def _chunks(open_source, pieces):
        for piece in pieces:
            if isinstance(piece, bytes):
                yield piece
                continue
            start, stop = piece
            with open_source() as source:
                while start > 0:
                    skipped = source.read(min(1 << 20, start))
                    if not skipped:
                        return
                    start -= len(skipped)
                left = None if stop is None else stop - piece[0]
                while left is None or left > 0:
                    chunk = source.read(_CHUNK if left is None else min(_CHUNK, left))
                    if not chunk:
                        break
                    if left is not None:
                        left -= len(chunk)
                    yield chunk

    def read(self, size=-1):
        while size < 0 or len(self.buffer) < size:
            chunk = next(self.chunks, None)
            if chunk is None:
                break
            self.buffer += chunk
        size = len(self.buffer) if size < 0 else size
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def close(self):
        self.chunks.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


def _rows_in_two(sheet, split):
    """``sheet_rows(sheet)``, the second part parsed by a forked child. If either part
    cannot be read (a cut inside a comment or a CDATA section makes the first part
    unreadable, whatever the second) or the child dies, the rest is parsed here from
    the whole sheet, which gives the same rows or the file's own error."""
    head, prefix, offset = split
    closing = b"</" + prefix + b"sheetData></" + prefix + b"worksheet>"

    def first():
        return _Spliced(sheet._get_source, [(0, offset), closing])

    def second():
        return _Spliced(sheet._get_source, [head, (offset, None)])

    done = 0
    try:
        with _SecondPart(sheet, second) as child:
            for row in sheet_rows(sheet, first):
                yield row
                done += 1
            position = 0
            while (message := child.message(position)) and message != _END:
                position += 1
                for row in pickle.loads(message):
                    yield row
                    done += 1
            if message == _END:
                return
    except Refused:
        pass
    for count, row in enumerate(sheet_rows(sheet)):
        if count >= done:
            yield row


_END = b"end"


class _SecondPart(_Forked):
    name = "import-parser"

    def __init__(self, sheet, open_source):
        super().__init__()
        self.sheet, self.open_source = sheet, open_source

    def work(self, sender):
        block = []
        for row in sheet_rows(self.sheet, self.open_source):
            block.append(row)
            if len(block) >= BATCH_SIZE:
                sender.send_bytes(pickle.dumps(block, pickle.HIGHEST_PROTOCOL))
                block = []
        if block:
            sender.send_bytes(pickle.dumps(block, pickle.HIGHEST_PROTOCOL))
        sender.send_bytes(_END)
