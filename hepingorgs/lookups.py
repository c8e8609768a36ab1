"""Lookups shared by the apps."""

from django.db import models


def _array_literal(texts):
    """PostgreSQL's text form of an array of ``texts``: each element quoted, with its
    backslashes and double quotes escaped. (A NUL cannot be sent in any form.)"""
    quoted = (t.replace("\\", "\\\\").replace('"', '\\"') for t in texts)
    return "{" + ",".join(f'"{t}"' for t in quoted) + "}"


class AnyOf(models.Lookup):
    """``column = ANY(...)`` with the values as one parameter: ``__in`` writes a
    placeholder per value, and splitting and sending a query of 100,000 placeholders cost
    more than the look-up itself (2,000 keys of a list page, a file's 100,000 keys). Text
    values go as one array literal (``{"a","b"}``, cast to ``text[]``), written here with
    string methods: psycopg builds an array parameter of 100,000 strings value by value,
    in a second. The parameter is a constant of the statement either way, so PostgreSQL
    can hash it."""

    lookup_name = "any_of"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        values = sorted(value)
        if values and all(isinstance(v, str) for v in values):
            return "%s::text[]", [_array_literal(values)]
        return "%s", [values]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", [*lhs_params, *rhs_params]


@models.BooleanField.register_lookup
class Implied(models.lookups.Exact):
    """``field = value``, where another condition beside it implies it: written so that
    an index whose predicate it is serves the query (``registry.directory
    .on_credit_list``: ``ever_credit_listed``). Left out of the planner's estimate of
    the rows (``registry.search.planner_estimate``), which would take the two as
    independent and multiply their shares: it expected 214 organizations on a credit
    list, of the 10,000 that are."""

    lookup_name = "implied"
