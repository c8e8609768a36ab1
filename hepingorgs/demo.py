"""Demo data: a plausible, clearly fictitious Heping District (``manage.py load_demo``).

Each app contributes its part in one module, ``<app>/demo.py``, found by name for every
installed app in ``INSTALLED_APPS`` order. A part is any module that defines

- ``load(ctx)`` (required): write the app's demo data, or, if it is already there,
  say so through ``ctx`` and write nothing (each part decides that for itself);
- ``REFERENCE_MODELS`` (optional): names of the app's models whose rows come from
  migrations (streets, categories ...). ``--reset`` keeps them, and their history;
- ``reset(ctx)`` (optional): called by ``--reset`` after the tables were emptied, to
  remove demo data kept outside the app's tables (e.g. the demo user accounts).

``--reset`` empties every contributing app's tables, their pghistory event tables
included, with one ``TRUNCATE ... RESTART IDENTITY CASCADE``, except the reference
models, then loads again. Everything runs in one transaction, under one history context
(``reason="demo data"``).

The context gives the parts what they share: a seeded ``random.Random`` (so two loads
give the same district), the output stream and the logins to print at the end.
"""

import importlib
import random
from dataclasses import dataclass, field

from django.apps import apps
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils.module_loading import module_has_submodule
from pghistory.models import Context

from hepingorgs.history import acting_as

DEMO_MODULE = "demo"
DEMO_REASON = "demo data"
DEFAULT_SEED = 2016


@dataclass
class Login:
    username: str
    password: str
    role: str
    name: str = ""
    note: str = ""


@dataclass
class DemoContext:
    rng: random.Random
    stdout: object
    reset: bool = False
    style: object = None
    verbosity: int = 1
    logins: list = field(default_factory=list)

    def say(self, message, level=1):
        if self.verbosity >= level:
            self.stdout.write(message)

    def success(self, message):
        if self.style is not None:
            message = self.style.SUCCESS(message)
        self.say(message)

    def add_login(self, username, password, role, name="", note=""):
        self.logins.append(Login(username, password, role, name, note))


def demo_parts():
    """(app_config, module) for every installed app with a ``demo`` module, in order."""
    parts = []
    for app_config in apps.get_app_configs():
        name = f"{app_config.name}.{DEMO_MODULE}"
        if name == __name__ or not module_has_submodule(app_config.module, DEMO_MODULE):
            continue
        module = importlib.import_module(name)
        if callable(getattr(module, "load", None)):
            parts.append((app_config, module))
    return parts


def _tables_to_empty(parts):
    """Tables of the contributing apps, minus reference models and their event tables."""
    emptied, kept = [], []
    for app_config, module in parts:
        reference = set(getattr(module, "REFERENCE_MODELS", ()))
        for model in app_config.get_models():
            if model._meta.proxy or not model._meta.managed:
                continue
            tracked = getattr(model, "pgh_tracked_model", None)
            keep = model.__name__ in reference or (
                tracked is not None and tracked.__name__ in reference
            )
            (kept if keep else emptied).append(model)
    emptied_set = set(emptied)
    for model in kept:
        for model_field in model._meta.concrete_fields:
            if (
                model_field.is_relation
                and model_field.related_model in emptied_set
                and getattr(model_field, "db_constraint", False)
            ):
                raise CommandError(
                    f"{model._meta.label} is reference data but refers to "
                    f"{model_field.related_model._meta.label}, which --reset empties: "
                    "TRUNCATE ... CASCADE would empty it too."
                )
    return [model._meta.db_table for model in emptied]


def remove_demo_data(ctx, parts=None):
    """Empty the contributing apps' tables (reference data stays) and run their resets."""
    parts = demo_parts() if parts is None else parts
    tables = _tables_to_empty(parts)
    with transaction.atomic(), connection.cursor() as cursor:
        # Rows written earlier in this transaction may have deferred constraint checks
        # pending, and PostgreSQL refuses to truncate a table with pending trigger events.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        if tables:
            quoted = ", ".join(connection.ops.quote_name(t) for t in tables)
            cursor.execute(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")
        for _app_config, module in parts:
            reset = getattr(module, "reset", None)
            if callable(reset):
                reset(ctx)
        # The history contexts of the demo writes now describe no event.
        Context.objects.filter(metadata__reason=DEMO_REASON).delete()
    ctx.say(f"Removed the demo data ({len(tables)} tables emptied).")


def load_all(ctx):
    """Load every app's part in one transaction; with ``ctx.reset`` remove first."""
    parts = demo_parts()
    with transaction.atomic(), acting_as(None, reason=DEMO_REASON):
        if ctx.reset:
            remove_demo_data(ctx, parts)
        for _app_config, module in parts:
            module.load(ctx)
    print_logins(ctx)


def print_logins(ctx):
    if not ctx.logins or ctx.verbosity < 1:
        return
    out = ctx.stdout
    out.write("")
    out.write("Demo logins — DEMO ONLY: fictitious accounts with a published password,")
    out.write("never use them on a server reachable by others.")
    width = max(len(login.username) for login in ctx.logins)
    for login in ctx.logins:
        password = login.password or "(not the demo password)"
        line = f"  {login.username.ljust(width)}  password: {password}  {login.role}"
        if login.name:
            line += f" ({login.name})"
        if login.note:
            line += f" — {login.note}"
        out.write(line)
