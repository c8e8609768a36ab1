from registry.models import Street


def test_six_streets_from_migration(db):
    assert list(Street.objects.values_list("code", flat=True)) == [
        f"12010100{i}" for i in range(1, 7)
    ]
