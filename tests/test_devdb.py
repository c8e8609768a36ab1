"""The private cluster of ``hepingorgs.devdb``: its buffer cache."""

from hepingorgs import devdb

GB = 2**30


def _memory(monkeypatch, total):
    page = 4096
    sizes = {"SC_PHYS_PAGES": total // page, "SC_PAGE_SIZE": page}
    monkeypatch.setattr(devdb.os, "sysconf", lambda name: sizes[name])


def test_the_cluster_caches_a_quarter_of_the_memory_within_bounds(monkeypatch, tmp_path):
    monkeypatch.setattr(devdb, "Path", lambda path: tmp_path / "no-cgroup-here")
    _memory(monkeypatch, 24 * GB)
    assert devdb.shared_buffers() == "6144MB"
    _memory(monkeypatch, 256 * GB)
    assert devdb.shared_buffers() == "8192MB"  # at most 8 GB
    _memory(monkeypatch, GB // 4)
    assert devdb.shared_buffers() == "128MB"  # never below PostgreSQL's default


def test_a_containers_memory_limit_counts_before_the_machines(monkeypatch, tmp_path):
    limit = tmp_path / "memory.max"
    limit.write_text(f"{4 * GB}\n")
    monkeypatch.setattr(devdb, "Path", lambda path: limit)
    _memory(monkeypatch, 64 * GB)
    assert devdb.shared_buffers() == "1024MB"
    limit.write_text("max\n")
    assert devdb.shared_buffers() == "8192MB"
