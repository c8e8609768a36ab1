"""How ``pytest -n 2 --dist loadscope`` (pytest-xdist) hands the suite to its workers.

xdist's own ``loadscope`` gives each worker whole modules, largest first. That breaks the
order pytest-django sorts the collection into, which the suite relies on: first the tests
that run in a rolled-back transaction (``db``), then those that commit (``transactional_db``,
``live_server``: their teardown empties every table, reference data included), then those
without a database. A worker given a module of committing tests before a module of ``db``
tests would run the latter on an empty database (no streets).

Here a scope is a run of consecutive tests of one module (or class) in the collection's
order, and the scopes are handed out in that order. A module with tests of two kinds makes
two scopes; each worker meets the kinds in pytest-django's order. The tests that read the
demo district come first of all (``tests/conftest.py``), so that each worker loads it once.
"""

from collections import Counter

from xdist.scheduler import LoadScopeScheduling


class CollectionOrderScheduling(LoadScopeScheduling):
    def __init__(self, config, log=None):
        # Hand out the scopes in the collection's order, not the largest first.
        config.option.loadscopereorder = False
        super().__init__(config, log)
        self._scope_of = None

    def _split_scope(self, nodeid):
        if self._scope_of is None:
            # Every worker collected the same tests in the same order (xdist checks it).
            collection = next(iter(self.registered_collections.values()))
            self._scope_of = {}
            runs = Counter()
            previous = None
            for each in collection:
                module = super()._split_scope(each)
                if module != previous:
                    runs[module] += 1
                    previous = module
                self._scope_of[each] = f"{module}#{runs[module]}"
        return self._scope_of[nodeid]
