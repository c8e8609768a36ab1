"""Public notices (公告) at /notices/ and their Atom feed at /notices/feed/.

Who may use it: everybody, anonymous included, read-only. A notice shows only what its
generated text says (``registry.notices``): no phone, ID number or person's address.
"""

import datetime
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.contrib.syndication.views import Feed
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.urls import reverse, reverse_lazy
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from registry import creditcode
from registry.models import Notice, NoticeKind
from registry.search import SEARCH_MAX_LENGTH, normalize

PAGE_SIZE = 20
FEED_SIZE = 50
# Only what a page shows; the generated text is all a notice says.
PUBLIC_FIELDS = ("kind", "published_on", "name", "credit_code", "title", "text")


class NoticeFilter(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Search"),
        required=False,
        max_length=SEARCH_MAX_LENGTH,
        help_text=gettext_lazy("Name, credit code or any word of the notice."),
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("kind"),
        required=False,
        choices=[("", gettext_lazy("all kinds")), *NoticeKind.choices],
    )
    year = forms.IntegerField(
        label=gettext_lazy("year"), required=False, min_value=1990, max_value=2199
    )


def search_notices(queryset, text):
    """Notices whose text contains ``text`` (the text names the organization and gives
    its credit code); Latin letters and digits alone are a credit code or a part of one,
    however typed (full-width, lower case, spaces)."""
    value = normalize(text)
    if not value:
        return queryset
    code = creditcode.normalize(value)
    if code.isascii() and code.isalnum():
        return queryset.filter(credit_code__contains=code)
    # Chinese has no case: a plain LIKE, which the trigram index serves from 3 characters.
    has_latin = any(ch.isascii() and ch.isalpha() for ch in value)
    lookup = "text__icontains" if has_latin else "text__contains"
    return queryset.filter(**{lookup: value})


def public_notices():
    return Notice.objects.only(*PUBLIC_FIELDS).order_by("-published_on", "-pk")


@require_safe
def notice_list(request):
    form = NoticeFilter(request.GET or None)
    notices = public_notices()
    if form.is_valid():
        notices = search_notices(notices, form.cleaned_data["q"])
        if form.cleaned_data["kind"]:
            notices = notices.filter(kind=form.cleaned_data["kind"])
        if form.cleaned_data["year"]:
            notices = notices.filter(published_on__year=form.cleaned_data["year"])
    page = Paginator(notices, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "notices/list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


@require_safe
def notice_detail(request, pk):
    notice = get_object_or_404(public_notices(), pk=pk)
    return render(request, "notices/detail.html", {"notice": notice})


class NoticeFeed(Feed):
    """The latest notices as Atom, for journalists and other departments."""

    feed_type = Atom1Feed
    link = reverse_lazy("notices:list")

    def title(self):
        return _("Registration notices of %(authority)s") % {
            "authority": settings.REGISTRATION_AUTHORITY
        }

    def subtitle(self):
        return _(
            "Approved establishments, changes and deregistrations of social organizations, "
            "and revocations."
        )

    def items(self):
        return public_notices()[:FEED_SIZE]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.text

    def item_link(self, item):
        return reverse("notices:detail", args=[item.pk])

    def item_pubdate(self, item):
        return datetime.datetime.combine(
            item.published_on, datetime.time(), tzinfo=ZoneInfo(settings.TIME_ZONE)
        )

    # Atom requires an entry's ``updated``; a notice is never changed after publication.
    item_updateddate = item_pubdate

    def item_categories(self, item):
        return [item.get_kind_display()]


notice_feed = require_safe(NoticeFeed())
