"""``manage.py load_demo``: fill an empty database with the fictitious demo district."""

import random
import time

from django.core.management.base import BaseCommand

from hepingorgs import demo


class Command(BaseCommand):
    help = (
        "Fill an empty database with a plausible, clearly fictitious Heping District "
        "(figures of the 2016 bureau report) and create the demo logins. Running it again "
        "changes nothing; --reset removes the demo data of every app and loads it again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Remove the demo data of every app (reference data stays) and load it again.",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=demo.DEFAULT_SEED,
            help="Seed of the random generator (default %(default)s).",
        )

    def handle(self, *args, reset=False, seed=demo.DEFAULT_SEED, verbosity=1, **options):
        ctx = demo.DemoContext(
            rng=random.Random(seed),
            stdout=self.stdout,
            reset=reset,
            style=self.style,
            verbosity=verbosity,
        )
        started = time.monotonic()
        demo.load_all(ctx)
        ctx.say(f"Done in {time.monotonic() - started:.1f} s.", level=2)
