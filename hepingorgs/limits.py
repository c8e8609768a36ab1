"""Bounds every form applies to what people type, so that NUL characters, over-long text
and out-of-range numbers are refused with a message next to the field instead of
reaching PostgreSQL (tests/test_form_bad_input.py checks every form of the project).

- Text: Django's form fields refuse NUL themselves. A ``CharField`` model field has its
  ``max_length``; free text (``TextField``: notes, reasons, business scope) gets
  ``TEXT_MAX_LENGTH``, which the model field passes on to its form field (PostgreSQL's
  ``text`` itself has no limit, so the bound lives in the forms, as Django does it).
- Whole numbers: model fields carry PostgreSQL's range as validators, which a ModelForm
  runs; a plain form's ``IntegerField`` says ``max_value`` itself (``INTEGER_MAX``).
"""

# About two pages of Chinese text: more than any reason, note or business scope needs.
TEXT_MAX_LENGTH = 2000
# PostgreSQL's integer.
INTEGER_MAX = 2147483647
