"""Links to each row's page of a list, the URL reversed once per list."""

from urllib.parse import quote

from django.urls import reverse
from django.utils.http import RFC3986_SUBDELIMS

# Stands for the row's key while the URL is reversed: digits, so that an ``int``
# converter takes it as well as a ``path`` one.
_PLACEHOLDER = "8080808080808080"


def row_links(viewname, *, current_app=None):
    """A function giving ``viewname``'s URL for a row's key, as ``reverse(viewname,
    args=[key])`` writes it (the key quoted as reverse() quotes it), with one call of
    reverse() for the whole list: reverse() walks the URL configuration at each call,
    and a list of 50 rows called it 50 times (bench/directory.py)."""
    url = reverse(viewname, args=[_PLACEHOLDER], current_app=current_app)
    before, after = url.rsplit(_PLACEHOLDER, 1)

    def link(key):
        return f"{before}{quote(str(key), safe=RFC3986_SUBDELIMS + '/~:@')}{after}"

    return link
