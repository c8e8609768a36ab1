"""Registered social organizations, reference data and community-group filings.

Registry rows are never deleted: organizations are deregistered or revoked, filings are
cancelled. Every foreign key to them is PROTECT, and every table here is tracked by
django-pghistory triggers, so the history also sees bulk writes.
"""

import pghistory
import pgtrigger
from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Now, Reverse, Substr
from django.utils.translation import gettext_lazy as _

from hepingorgs.limits import TEXT_MAX_LENGTH
from registry import creditcode
from registry.pinyin import pinyin_keys
from registry.search import Ngrams, StreetNgrams

MONEY = {"max_digits": 16, "decimal_places": 2}


def track_history():
    """Inserts, updates and (superuser-only) deletes all leave a history row.
    Trackers bind to their model, so each model gets fresh ones.

    Statement-level triggers: one call per statement writes the history rows of all the
    rows it changed (from its transition table) and attaches the context once. Row-level
    ones attached the context once per row, which made a large import or bulk write
    several times slower than the write itself (bench/import.py)."""
    level = pghistory.Statement
    return pghistory.track(
        pghistory.InsertEvent(level=level),
        pghistory.UpdateEvent(level=level),
        pghistory.DeleteEvent(level=level),
    )


def touch_updated_at():
    """``updated_at`` = the statement's time on every UPDATE that changes something, in the
    database, so that bulk writes, ``QuerySet.update()`` and imports move it too (mirrors
    of the open data ask for ``updated_since``). ``statement_timestamp()`` is what
    Django's ``Now()`` (the column's default on insert) gives, so inserts and updates
    agree. It runs before pghistory's AFTER triggers, so the history sees the new time."""
    return pgtrigger.Trigger(
        name="touch_updated_at",
        when=pgtrigger.Before,
        operation=pgtrigger.Update,
        condition=pgtrigger.Condition("OLD.* IS DISTINCT FROM NEW.*"),
        func="NEW.updated_at = statement_timestamp(); RETURN NEW;",
    )


def add_years(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


class PinyinMixin(models.Model):
    """Keeps pinyin keys of ``name`` current. Bulk writers call ``fill_pinyin`` themselves."""

    name_pinyin = models.CharField(
        _("pinyin"), max_length=600, blank=True, editable=False, db_index=True
    )
    name_initials = models.CharField(
        _("pinyin initials"), max_length=200, blank=True, editable=False
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.fill_pinyin()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_pinyin", "name_initials"}
        super().save(*args, **kwargs)

    def fill_pinyin(self):
        self.name_pinyin, self.name_initials = pinyin_keys(self.name)


# ---------------------------------------------------------------------------------------
# Reference data
# ---------------------------------------------------------------------------------------


@track_history()
class Street(models.Model):
    code = models.CharField(
        _("statistical code"),
        max_length=12,
        unique=True,
        help_text=_("Statistical division code of the street office, e.g. 120101001."),
    )
    name = models.CharField(_("name"), max_length=50, unique=True)
    abbreviation = models.CharField(
        _("abbreviation"),
        max_length=8,
        unique=True,
        help_text=_("Short Latin letters used in filing numbers, e.g. QYC."),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("street")
        verbose_name_plural = _("streets")

    def __str__(self):
        return self.name


@track_history()
class Community(models.Model):
    street = models.ForeignKey(
        Street, on_delete=models.PROTECT, related_name="communities", verbose_name=_("street")
    )
    name = models.CharField(_("name"), max_length=50)
    code = models.CharField(_("statistical code"), max_length=15, blank=True)

    class Meta:
        ordering = ["street__code", "name"]
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        constraints = [
            models.UniqueConstraint(
                fields=["street", "name"],
                name="community_unique_name_in_street",
                violation_error_message=_("This street already has a community of that name."),
            ),
            # Target of the composite foreign key that ties a filing's community to its
            # street (see the filing migration).
            models.UniqueConstraint(fields=["id", "street"], name="community_id_street"),
        ]

    def __str__(self):
        return self.name


@track_history()
class Population(models.Model):
    """Resident population of the district (no street) or of one street in a year, for
    the "per 10,000 residents" figures of the annual statistics."""

    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(1990)], help_text=_("Population at year end.")
    )
    street = models.ForeignKey(
        Street,
        on_delete=models.PROTECT,
        related_name="populations",
        verbose_name=_("street"),
        null=True,
        blank=True,
        help_text=_("Leave empty for the whole district."),
    )
    residents = models.PositiveIntegerField(
        _("resident population"), validators=[MinValueValidator(1)]
    )

    class Meta:
        ordering = ["-year", "street__code"]
        verbose_name = _("population")
        verbose_name_plural = _("populations")
        constraints = [
            models.UniqueConstraint(
                fields=["year", "street"],
                nulls_distinct=False,
                name="population_unique_year_street",
                violation_error_message=_(
                    "There is already a population for this year and street (or district)."
                ),
            ),
            models.CheckConstraint(
                condition=Q(residents__gte=1),
                name="population_residents_positive",
                violation_error_message=_("The resident population must be at least 1."),
            ),
            models.CheckConstraint(
                condition=Q(year__gte=1990),
                name="population_year_plausible",
                violation_error_message=_("The year must be 1990 or later."),
            ),
        ]

    def __str__(self):
        place = self.street.name if self.street_id else _("whole district")
        return f"{self.year} {place}: {self.residents}"


class ClerkProfile(models.Model):
    """The street a street-office clerk works for. The only source of a clerk's street."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="clerk_profile",
        verbose_name=_("user"),
    )
    street = models.ForeignKey(
        Street, on_delete=models.PROTECT, related_name="clerks", verbose_name=_("street")
    )

    class Meta:
        verbose_name = _("street clerk")
        verbose_name_plural = _("street clerks")

    def __str__(self):
        return f"{self.user} · {self.street}"


# ---------------------------------------------------------------------------------------
# Registered organizations
# ---------------------------------------------------------------------------------------


class OrgType(models.TextChoices):
    # Values are the credit code's second character, so the database can check both agree.
    SOCIAL_GROUP = "1", _("social group")
    PRIVATE_NON_ENTERPRISE = "2", _("private non-enterprise unit (social service institution)")
    FOUNDATION = "3", _("foundation")


class PriorityCategory(models.TextChoices):
    INDUSTRY_ASSOCIATION = "industry", _("industry association or chamber of commerce")
    SCIENCE_TECHNOLOGY = "science", _("science and technology")
    CHARITY = "charity", _("public-benefit charity")
    COMMUNITY_SERVICE = "community", _("urban and rural community service")
    OTHER = "other", _("other")


class Field(models.TextChoices):
    """The official statistical classification of fields of activity (code stored)."""

    SCIENCE = "00", _("science and research")
    ENVIRONMENT = "01", _("ecology and environment")
    EDUCATION = "02", _("education")
    HEALTH = "03", _("health")
    SOCIAL_SERVICE = "04", _("social services")
    CULTURE = "05", _("culture")
    SPORTS = "06", _("sports")
    LAW = "07", _("law")
    BUSINESS = "08", _("business and commerce services")
    RELIGION = "09", _("religion")
    AGRICULTURE = "10", _("agriculture and rural development")
    PROFESSIONAL = "11", _("occupational and professional organizations")
    INTERNATIONAL = "12", _("international and foreign-related organizations")
    OTHER = "13", _("other")


class OrgStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    DEREGISTERED = "deregistered", _("deregistered")
    REVOKED = "revoked", _("registration revoked")


class Grade(models.TextChoices):
    A5 = "5A", "5A"
    A4 = "4A", "4A"
    A3 = "3A", "3A"
    A2 = "2A", "2A"
    A1 = "1A", "1A"


class PartyForm(models.TextChoices):
    SINGLE = "single", _("own branch")
    JOINT = "joint", _("joint branch")
    INSTRUCTOR = "instructor", _("Party-building instructor assigned")
    NONE = "none", _("not set up")


# The law asks an organization with this many formal Party members for its own branch.
PARTY_BRANCH_MEMBERS = 3
GRADE_VALID_YEARS = 5


def default_authority():
    return settings.REGISTRATION_AUTHORITY


# Columns the public lists filter on, carried in their ordering indexes.
DIRECTORY_FILTER_COLUMNS = [
    "org_type",
    "priority_category",
    "field",
    "street",
    "status",
    "grade",
    "grade_expires_on",
    "party_form",
]
GROUP_FILTER_COLUMNS = ["street", "community", "category", "status"]
# Columns a search tests, carried in the public lists' pinyin ordering indexes too: a
# search with many matches walks that index and tests each name from the index alone,
# without reading the table (registry.search.walked; 40 ms to 12 ms for "hpq" over a
# million organizations).
SEARCHED_COLUMNS = ["name", "name_initials"]
# The values the directory's lists are ordered by (pinyin or registration date, then
# the key), carried by the indexes that find a small list's keys, so its keys come in
# its order from the index alone (registry.search.counted_keys).
LIST_ORDER_COLUMNS = ["name_pinyin", "registered_on"]


def prefix_indexes(prefix):
    """The name's and the initials' prefix indexes (``LIKE 'x%'``), for exact and prefix
    matches, which rank first. With the key and the pinyin: a page's best matches come
    from these indexes alone, sorted by pinyin (registry.search._best_keys; 34 ms to 7
    ms for the 7,546 names of a million whose initials begin with "tjshpq", which were
    read from the table)."""
    return [
        models.Index(
            fields=[column],
            opclasses=["varchar_pattern_ops"],
            include=["id", "name_pinyin"],
            name=f"{prefix}_{label}_prefix",
        )
        for column, label in (("name", "name"), ("name_initials", "initials"))
    ]


@track_history()
class Organization(PinyinMixin):
    name = models.CharField(_("name"), max_length=200)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        help_text=_("18 characters; full-width or lower-case input is normalized."),
    )
    org_type = models.CharField(_("organization type"), max_length=1, choices=OrgType.choices)
    priority_category = models.CharField(
        _("priority category"),
        max_length=12,
        choices=PriorityCategory.choices,
        default=PriorityCategory.OTHER,
    )
    field = models.CharField(_("field of activity"), max_length=2, choices=Field.choices)
    registration_authority = models.CharField(
        _("registration authority"), max_length=100, default=default_authority
    )
    supervisory_unit = models.CharField(
        _("business supervisory unit"),
        max_length=100,
        blank=True,
        help_text=_("Under dual management, e.g. the district education bureau."),
    )
    legal_representative = models.CharField(_("legal representative"), max_length=50)
    registered_funds = models.DecimalField(
        _("registered funds (yuan)"), **MONEY, validators=[MinValueValidator(0)]
    )
    domicile = models.CharField(_("domicile"), max_length=200)
    street = models.ForeignKey(
        Street,
        on_delete=models.PROTECT,
        related_name="organizations",
        verbose_name=_("street"),
        null=True,
        blank=True,
    )
    contact_phone = models.CharField(
        _("contact phone"), max_length=30, blank=True, help_text=_("Private: never published.")
    )
    business_scope = models.TextField(_("business scope"), blank=True, max_length=TEXT_MAX_LENGTH)
    registered_on = models.DateField(_("registration date"))
    status = models.CharField(
        _("status"), max_length=12, choices=OrgStatus.choices, default=OrgStatus.ACTIVE
    )
    status_changed_on = models.DateField(
        _("status changed on"),
        null=True,
        blank=True,
        help_text=_("Date of deregistration or revocation."),
    )
    status_reason = models.TextField(
        _("reason for the status change"), blank=True, max_length=TEXT_MAX_LENGTH
    )
    grade = models.CharField(_("evaluation grade"), max_length=2, choices=Grade.choices, blank=True)
    grade_awarded_on = models.DateField(_("grade awarded on"), null=True, blank=True)
    grade_expires_on = models.DateField(
        _("grade expires on"),
        null=True,
        blank=True,
        help_text=_("Five years after the award unless entered."),
    )
    party_form = models.CharField(
        _("Party organization"), max_length=12, choices=PartyForm.choices, default=PartyForm.NONE
    )
    party_members = models.PositiveIntegerField(_("formal Party members"), default=0)
    party_founded_on = models.DateField(_("Party organization set up on"), null=True, blank=True)
    # Set by the database (triggers on CreditRecord) when an abnormal-activity or serious
    # listing is recorded for it, and never cleared: a superset of "on a credit list
    # now" (``directory.on_credit_list``, which depends on today's date) that an index
    # can hold, so that the credit-list filter reads the few ever listed rather than
    # meeting every row of a street with the listings.
    ever_credit_listed = models.BooleanField(
        _("ever on a credit list"), default=False, db_default=False, editable=False
    )
    updated_at = models.DateTimeField(
        _("updated at"),
        db_default=Now(),
        editable=False,
        help_text=_("Moved by the database on every change, bulk writes and imports included."),
    )

    class Meta:
        ordering = ["name_pinyin"]
        verbose_name = _("registered organization")
        verbose_name_plural = _("registered organizations")
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"],
                name="organization_unique_credit_code",
                violation_error_message=_("Another organization already has this credit code."),
            ),
            models.CheckConstraint(
                condition=Q(credit_code__regex=r"^5[0-9A-HJ-NP-RTUWXY]{17}$"),
                name="organization_credit_code_format",
                violation_error_message=_(
                    "The credit code must be 18 characters beginning with 5."
                ),
            ),
            models.CheckConstraint(
                condition=Q(org_type=Substr("credit_code", 2, 1)),
                name="organization_type_matches_code",
                violation_error_message=_(
                    "The credit code's second character does not agree with the organization type."
                ),
            ),
            models.CheckConstraint(
                condition=Q(registered_funds__gte=0),
                name="organization_funds_nonnegative",
                violation_error_message=_("Registered funds cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(status=OrgStatus.ACTIVE)
                | (Q(status_changed_on__isnull=False) & ~Q(status_reason="")),
                name="organization_status_change_dated",
                violation_error_message=_(
                    "A deregistered or revoked organization needs the date and the reason."
                ),
            ),
            # Each coded column holds one of its listed values (the forms and the import
            # check it; this holds for every other write too): the directory's filters
            # may then stand for "any value" with the list of them
            # (``registry.filters.filter_key_fills``).
            models.CheckConstraint(
                condition=Q(org_type__in=OrgType.values)
                & Q(priority_category__in=PriorityCategory.values)
                & Q(field__in=Field.values)
                & Q(status__in=OrgStatus.values)
                & Q(party_form__in=PartyForm.values),
                name="organization_codes_listed",
                violation_error_message=_(
                    "The type, priority category, field, status and Party organization must "
                    "each be one of their listed values."
                ),
            ),
            # A grade lasts five years (save() and the import fill the date in): the
            # directory's "grade in force" is then one range of organization_grade_expiry.
            models.CheckConstraint(
                condition=Q(grade="")
                | Q(grade_awarded_on__isnull=True)
                | Q(grade_expires_on__isnull=False),
                name="organization_grade_expires",
                violation_error_message=_("An evaluation grade needs the date it expires."),
            ),
            models.CheckConstraint(
                condition=Q(grade_expires_on__isnull=True)
                | Q(grade_awarded_on__isnull=True)
                | Q(grade_expires_on__gt=F("grade_awarded_on")),
                name="organization_grade_expiry_after_award",
                violation_error_message=_("The grade must expire after the date it was awarded."),
            ),
            models.CheckConstraint(
                condition=Q(grade="") | Q(grade_awarded_on__isnull=False),
                name="organization_grade_dated",
                violation_error_message=_("An evaluation grade needs the date it was awarded."),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "org_type"], name="organization_status_type"),
            models.Index(fields=["updated_at"], name="organization_updated_at"),
            # The public directory's sort orders, with the primary key that keeps pages
            # stable, so that page 1 reads 20 index entries instead of sorting every row;
            # with the filters' columns included, a filtered or deep page finds its keys
            # in the index alone (registry.search._by_keys), without a visit to each row.
            models.Index(
                fields=["name_pinyin", "id"],
                include=[*DIRECTORY_FILTER_COLUMNS, *SEARCHED_COLUMNS],
                name="organization_pinyin_id",
            ),
            models.Index(
                fields=["registered_on", "id"],
                include=DIRECTORY_FILTER_COLUMNS,
                name="organization_registered_id",
            ),
            # Search at national scale (registry.search, measured in docs/benchmarks.md):
            # names by any substring (n-grams; the trigram index on the name is gone: it
            # cannot serve one or two characters, yet the planner read all of it for
            # them), pinyin, initials, credit-code suffixes.
            GinIndex(Ngrams("name"), name="organization_name_ngrams"),
            # A search within a street: that street's n-grams alone (as the groups'). 养老
            # is in 12,700 of a million names; a street's 2,000 of them were found by
            # intersecting those with the street's 166,000 rows (22 ms), now 6 ms.
            GinIndex(StreetNgrams("street", "name"), name="organization_street_ngrams"),
            # Exact and prefix matches, ranked first (name_pinyin has its own).
            *prefix_indexes("organization"),
            GinIndex(OpClass("name_pinyin", name="gin_trgm_ops"), name="organization_pinyin_trgm"),
            GinIndex(
                OpClass("name_initials", name="gin_trgm_ops"), name="organization_initials_trgm"
            ),
            models.Index(
                OpClass(Reverse("credit_code"), name="text_pattern_ops"),
                name="organization_code_suffix",
            ),
            # The grades in force (grade, and an expiry date not past): the directory's
            # grade filter reads them here, counted from the index alone. At a million
            # organizations 1,504 of the 23,962 ever graded 4A (bench/directory.py).
            models.Index(fields=["grade", "grade_expires_on"], name="organization_grade_expiry"),
            # Combinations of the directory's filters from one index (btree_gin), of the
            # columns whose values are each held by few organizations. A GIN look-up
            # reads the whole list of rows of every value asked for (about 40 ns an
            # entry, however few rows the lists share), so it holds no column that has
            # a better index. Not the type and status: most organizations are social
            # groups and active (71% and 90% at a national register's size; five filters
            # cost 37 ms with them and 15 without). Not the grade: its filter asks for
            # the grade in force, which organization_grade_expiry finds (16 times fewer
            # rows than the GIN list of everyone ever given it; nine filters' keys: 21
            # -> 4 ms with the round's other changes, docs/benchmarks.md). Not the
            # street, which has its own btree, and which this index never
            # served: btree_gin's bigint operators do not take the integer a query
            # binds. The rows found are then tested on the rest; the lists walk their
            # ordering index, which carries every column.
            GinIndex(
                fields=["priority_category", "field", "party_form"],
                name="organization_filter_values",
            ),
            # The directory's coded filters together, in one btree: a combination of them
            # is one range of it (or a few: ``registry.filters.filter_key_fills`` lists
            # every value of a column left open before one asked for). The GIN
            # index above intersects whole lists: a street, a field, a category and a Party
            # organization read 421,000 entries and 133,000 of the street's (40 ms) for 288
            # rows; here 0.4 ms (EXPLAIN ANALYZE at a million organizations). The street
            # last, never listed: a district has many. It carries the key and the
            # values a list is ordered by (``LIST_ORDER_COLUMNS``), so a small list's
            # keys in its order come from the index alone: a street, a category and a
            # Party organization (3,906 of a million) read 3,753 pages of the table for
            # them, 19.6 ms against 14.2 from the index (0030, docs/benchmarks.md).
            models.Index(
                fields=["field", "priority_category", "party_form", "org_type", "status", "street"],
                include=[*LIST_ORDER_COLUMNS, "id"],
                name="organization_filter_keys",
            ),
            # A street's keys from the index alone, for conditions that meet them with
            # another table's rows (the credit lists: a semi join read the street's
            # 133,000 rows from the table, 136 ms at a million organizations; 40 from
            # this index, bench/directory.py).
            models.Index(fields=["street", "id"], name="organization_street_key"),
            # The credit-list filter's rows, by street (``directory.on_credit_list``):
            # the organizations ever listed alone, a few per cent of a register, with the
            # values a list is ordered by (a street's 2,706: 739 pages of the table
            # read, 22 against 14 ms; 0030). For a street only (which implies one): the
            # whole list without a street walks its ordering's index, stopping at the
            # page's 20 rows (6 ms); PostgreSQL, which expects 1 in 100 of the ever
            # listed to be listed now where half are, would rather read all of them
            # from this index and sort them (30 ms).
            models.Index(
                fields=["street", "id"],
                condition=Q(ever_credit_listed=True, street__isnull=False),
                include=LIST_ORDER_COLUMNS,
                name="organization_listed_street",
            ),
        ]
        triggers = [touch_updated_at()]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.credit_code = creditcode.normalize(self.credit_code)
        if self.grade and self.grade_awarded_on and not self.grade_expires_on:
            self.grade_expires_on = add_years(self.grade_awarded_on, GRADE_VALID_YEARS)
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        if self.credit_code:
            try:
                self.credit_code = creditcode.validate(self.credit_code, self.org_type or None)
            except ValidationError as error:
                raise ValidationError({"credit_code": error.messages}) from error
        if self.grade and self.grade_awarded_on and not self.grade_expires_on:
            self.grade_expires_on = add_years(self.grade_awarded_on, GRADE_VALID_YEARS)
        if self.party_members >= PARTY_BRANCH_MEMBERS and self.party_form == PartyForm.NONE:
            raise ValidationError(
                {
                    "party_form": _(
                        "With %(n)d formal Party members a Party organization must be set up."
                    )
                    % {"n": self.party_members}
                }
            )

    @property
    def credit_code_warnings(self):
        return creditcode.warnings(self.credit_code, settings.DISTRICT_AREA_CODE)


class InspectionResult(models.TextChoices):
    QUALIFIED = "qualified", _("qualified")
    BASIC = "basic", _("basically qualified")
    UNQUALIFIED = "unqualified", _("unqualified")
    NOT_INSPECTED = "not_inspected", _("not inspected")


@track_history()
class AnnualReport(models.Model):
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="annual_reports",
        verbose_name=_("organization"),
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(1990)], help_text=_("The year reported on.")
    )
    result = models.CharField(
        _("inspection result"), max_length=16, choices=InspectionResult.choices
    )
    staff_total = models.PositiveIntegerField(_("staff total"), default=0)
    staff_bachelor_plus = models.PositiveIntegerField(
        _("staff with a bachelor's degree or above"), default=0
    )
    volunteers = models.PositiveIntegerField(_("volunteers"), default=0)
    revenue = models.DecimalField(_("revenue (yuan)"), **MONEY, default=0)
    expenditure = models.DecimalField(_("expenditure (yuan)"), **MONEY, default=0)
    tax_paid = models.DecimalField(_("tax paid (yuan)"), **MONEY, default=0)
    # A balance, not a flow: an organization in deficit has negative net assets, and the
    # register must be able to say so.
    net_assets = models.DecimalField(
        _("net assets (yuan)"),
        **MONEY,
        default=0,
        help_text=_("May be negative for an organization in deficit."),
    )

    class Meta:
        ordering = ["organization", "-year"]
        verbose_name = _("annual report")
        verbose_name_plural = _("annual reports")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "year"],
                name="annualreport_unique_year",
                violation_error_message=_("This organization already has a report for that year."),
            ),
            models.CheckConstraint(
                condition=Q(revenue__gte=0) & Q(expenditure__gte=0) & Q(tax_paid__gte=0),
                name="annualreport_amounts_nonnegative",
                violation_error_message=_("Revenue, expenditure and tax paid cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(staff_bachelor_plus__lte=F("staff_total")),
                name="annualreport_bachelor_within_staff",
                violation_error_message=_(
                    "Staff with a bachelor's degree or above cannot exceed the staff total."
                ),
            ),
            models.CheckConstraint(
                condition=Q(year__gte=1990),
                name="annualreport_year_plausible",
                violation_error_message=_("The year must be 1990 or later."),
            ),
        ]

    def __str__(self):
        return f"{self.organization} {self.year}"


class CreditKind(models.TextChoices):
    ABNORMAL = "abnormal", _("abnormal-activity list")
    SERIOUS = "serious", _("serious violation and dishonesty list")
    PENALTY = "penalty", _("administrative penalty")


def mark_ever_listed_sql(listings, *, touch=False):
    """The statement that marks the organizations of the rows of ``listings`` (a table
    of CreditRecord rows) that list them (abnormal-activity, serious) as ever listed
    (``Organization.ever_credit_listed``); with ``touch``, each such organization's
    ``updated_at`` moves too, already marked or not. By CreditRecord's triggers (with
    ``touch``) and the bench's loader."""
    kinds = f"listing.kind IN ('{CreditKind.ABNORMAL}', '{CreditKind.SERIOUS}')"
    if touch:
        return (
            "UPDATE registry_organization AS organization SET ever_credit_listed = true, "
            f"updated_at = statement_timestamp() FROM {listings} AS listing "
            f"WHERE listing.organization_id = organization.id AND {kinds}"
        )
    return (
        "UPDATE registry_organization AS organization SET ever_credit_listed = true "
        f"FROM {listings} AS listing WHERE listing.organization_id = organization.id "
        f"AND {kinds} AND NOT organization.ever_credit_listed"
    )


@track_history()
class CreditRecord(models.Model):
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="credit_records",
        verbose_name=_("organization"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=CreditKind.choices)
    reason = models.TextField(_("reason"), max_length=TEXT_MAX_LENGTH)
    decided_on = models.DateField(_("decision date"))
    authority = models.CharField(_("deciding authority"), max_length=100, default=default_authority)
    removed_on = models.DateField(_("removal date"), null=True, blank=True)
    removal_reason = models.TextField(_("removal reason"), blank=True, max_length=TEXT_MAX_LENGTH)

    class Meta:
        ordering = ["-decided_on"]
        verbose_name = _("credit record")
        verbose_name_plural = _("credit records")
        indexes = [
            # "On a credit list now": the listings not yet removed.
            models.Index(
                fields=["organization"],
                condition=Q(removed_on__isnull=True),
                name="creditrecord_in_force",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(removed_on__isnull=True) | Q(removed_on__gte=F("decided_on")),
                name="creditrecord_removal_after_decision",
                violation_error_message=_("The removal date cannot be before the decision date."),
            ),
            models.CheckConstraint(
                condition=Q(removed_on__isnull=True) | ~Q(removal_reason=""),
                name="creditrecord_removal_has_reason",
                violation_error_message=_("A removal needs its reason."),
            ),
        ]

        # Every write of a listing, bulk writes and imports included (one statement
        # per statement written), marks its organization ever listed
        # (``Organization.ever_credit_listed``) and moves its ``updated_at``: its
        # credit status, which the open data show, may have changed, and mirrors ask
        # for ``updated_since``. An update counts for the organization and kind it had
        # and the ones it has. (A listing that comes into force, or is removed, on a
        # later date moves nothing on that date: no write happens then.)
        triggers = [
            pgtrigger.Trigger(
                name="mark_ever_listed_insert",
                level=pgtrigger.Statement,
                when=pgtrigger.After,
                operation=pgtrigger.Insert,
                referencing=pgtrigger.Referencing(new="new_values"),
                func=f"{mark_ever_listed_sql('new_values', touch=True)}; RETURN NULL;",
            ),
            pgtrigger.Trigger(
                name="mark_ever_listed_update",
                level=pgtrigger.Statement,
                when=pgtrigger.After,
                operation=pgtrigger.Update,
                referencing=pgtrigger.Referencing(old="old_values", new="new_values"),
                func=mark_ever_listed_sql(
                    "(SELECT organization_id, kind FROM new_values UNION ALL "
                    "SELECT organization_id, kind FROM old_values)",
                    touch=True,
                )
                + "; RETURN NULL;",
            ),
        ]

    def __str__(self):
        return f"{self.organization} · {self.get_kind_display()}"


# ---------------------------------------------------------------------------------------
# Community social organizations: filed (备案), not registered
# ---------------------------------------------------------------------------------------


@track_history()
class FilingCategory(models.Model):
    """Categories of community groups. Reference data, since provinces differ."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=30, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(
        _("in use"), default=True, help_text=_("Retired categories stay on old filings.")
    )

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("community-group category")
        verbose_name_plural = _("community-group categories")

    def __str__(self):
        return self.name


class ServiceTarget(models.TextChoices):
    ELDERLY = "elderly", _("elderly people")
    CHILDREN = "children", _("children and youth")
    DISABLED = "disabled", _("people with disabilities")
    HARDSHIP = "hardship", _("families in hardship")
    WOMEN = "women", _("women")
    RESIDENTS = "residents", _("all residents")


class FilingStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted")
    FILED = "filed", _("filed")
    RETURNED = "returned", _("returned")
    CANCELLED = "cancelled", _("cancelled")


# Clerks edit a filing only in these states; afterwards only transitions change it.
EDITABLE_STATUSES = (FilingStatus.DRAFT, FilingStatus.RETURNED)
NUMBERED_STATUSES = (FilingStatus.FILED, FilingStatus.CANCELLED)
# Set only by the workflow (registry.filings), never typed into a form.
WORKFLOW_FIELDS = (
    "status",
    "filing_number",
    "filed_on",
    "return_reason",
    "cancelled_on",
    "cancel_reason",
)


@track_history()
class CommunityGroup(PinyinMixin):
    HISTORY_VALUE_LABELS = {"service_targets": ServiceTarget}

    name = models.CharField(_("name"), max_length=100)
    # The street and the community are checked by one foreign key in the database,
    # communitygroup_community_in_street (community_id, street_id) -> registry_community
    # (id, street_id), added by migration 0002: both columns are required, so it proves
    # that the community exists and lies in the group's street, and the community's own
    # key that the street exists. Django's two single-column keys would only repeat it,
    # two more checks for every row an import writes (bench/import.py).
    # No index of their own either, nor for the category and the creator: the indexes
    # that start with the street (street_status, street_pinyin) serve the street's
    # look-ups; the lists filter by community and category within a street or through
    # the public indexes' included columns; nothing looks groups up by creator (bench/
    # directory.py measured none of these four indexes used). A community, category or
    # user is never deleted (Django's PROTECT would then scan the table once).
    street = models.ForeignKey(
        Street,
        on_delete=models.PROTECT,
        related_name="community_groups",
        verbose_name=_("street"),
        db_index=False,
        db_constraint=False,
    )
    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        related_name="community_groups",
        verbose_name=_("community"),
        db_index=False,
        db_constraint=False,
    )
    category = models.ForeignKey(
        FilingCategory,
        on_delete=models.PROTECT,
        related_name="community_groups",
        verbose_name=_("category"),
        null=True,
        blank=True,
        db_index=False,
    )
    service_targets = models.JSONField(
        _("service targets"),
        default=list,
        blank=True,
        help_text=_("Several may be chosen."),
    )
    # A draft may be saved incomplete; the constraint below requires these from submission on.
    leader_name = models.CharField(
        _("leader"), max_length=50, blank=True, help_text=_("Personal data: never published.")
    )
    leader_phone = models.CharField(
        _("leader's phone"),
        max_length=30,
        blank=True,
        help_text=_("Personal data: never published."),
    )
    member_count = models.PositiveIntegerField(_("members"), null=True, blank=True)
    founded_on = models.DateField(_("date founded"), null=True, blank=True)
    venue = models.CharField(_("activity venue"), max_length=200, blank=True)
    guiding_unit = models.CharField(
        _("guiding unit"),
        max_length=100,
        blank=True,
        help_text=_("The community residents' committee or a street hub organization."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=FilingStatus.choices, default=FilingStatus.DRAFT
    )
    filing_number = models.CharField(
        _("filing number"), max_length=30, null=True, blank=True, unique=True, editable=False
    )
    filed_on = models.DateField(_("filing date"), null=True, blank=True, editable=False)
    return_reason = models.TextField(_("reason for return"), blank=True, editable=False)
    cancelled_on = models.DateField(_("cancelled on"), null=True, blank=True, editable=False)
    cancel_reason = models.TextField(_("reason for cancellation"), blank=True, editable=False)
    registered_as = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="filed_predecessors",
        verbose_name=_("registered as"),
        help_text=_("The registered organization this group later became."),
        db_index=False,  # a partial index (Meta.indexes): set for few groups
    )
    upgrade_since = models.DateField(_("in the capacity-upgrade plan since"), null=True, blank=True)
    upgrade_partner = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="paired_groups",
        verbose_name=_("paired professional organization (1+1)"),
        db_index=False,  # a partial index (Meta.indexes): set for few groups
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
        editable=False,
        db_index=False,  # see street
    )

    class Meta:
        # street_id, not street__code: the join would sort every row of a large table
        # (streets are numbered in code order by the reference data).
        ordering = ["street_id", "name_pinyin", "id"]
        verbose_name = _("community group")
        verbose_name_plural = _("community groups")
        constraints = [
            models.UniqueConstraint(
                fields=["street", "name"],
                condition=~Q(status=FilingStatus.CANCELLED),
                name="communitygroup_unique_active_name",
                violation_error_message=_("An active group of this street already has this name."),
            ),
            models.CheckConstraint(
                condition=(
                    Q(status__in=NUMBERED_STATUSES)
                    & Q(filing_number__isnull=False)
                    & Q(filed_on__isnull=False)
                )
                | (~Q(status__in=NUMBERED_STATUSES) & Q(filing_number__isnull=True)),
                name="communitygroup_number_iff_filed",
                violation_error_message=_("Only filed groups carry a filing number and date."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=EDITABLE_STATUSES)
                | (
                    Q(category__isnull=False)
                    & ~Q(leader_name="")
                    & ~Q(leader_phone="")
                    & Q(member_count__isnull=False)
                ),
                name="communitygroup_complete_when_submitted",
                violation_error_message=_(
                    "A submitted or filed group needs its category, leader, leader's phone and "
                    "member count."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(status=FilingStatus.RETURNED) | ~Q(return_reason=""),
                name="communitygroup_return_has_reason",
                violation_error_message=_("A returned filing needs the reason."),
            ),
            models.CheckConstraint(
                condition=~Q(status=FilingStatus.CANCELLED)
                | (Q(cancelled_on__isnull=False) & ~Q(cancel_reason="")),
                name="communitygroup_cancel_dated",
                violation_error_message=_("A cancellation needs its date and reason."),
            ),
            models.CheckConstraint(
                condition=Q(service_targets__contained_by=list(ServiceTarget.values)),
                name="communitygroup_known_targets",
                violation_error_message=_("Unknown service target."),
            ),
            models.CheckConstraint(
                condition=Q(upgrade_partner__isnull=True) | Q(upgrade_since__isnull=False),
                name="communitygroup_partner_in_plan",
                violation_error_message=_(
                    "A paired organization needs the date the group joined the upgrade plan."
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["street", "status"], name="communitygroup_street_status"),
            models.Index(fields=["updated_at"], name="communitygroup_updated_at"),
            # Few groups become or pair with an organization: only those rows are
            # indexed (for the organization's page and the foreign keys' checks), so a
            # new group costs these indexes nothing.
            models.Index(
                fields=["registered_as"],
                name="communitygroup_registered_as",
                condition=Q(registered_as__isnull=False),
            ),
            models.Index(
                fields=["upgrade_partner"],
                name="communitygroup_upgrade_partner",
                condition=Q(upgrade_partner__isnull=False),
            ),
            # Sort orders of the public list of filed groups (see Organization).
            models.Index(
                fields=["name_pinyin", "id"],
                include=[*GROUP_FILTER_COLUMNS, *SEARCHED_COLUMNS, "filing_number"],
                name="communitygroup_public_pinyin",
                condition=Q(status__in=NUMBERED_STATUSES),
            ),
            models.Index(
                fields=["filed_on", "id"],
                include=GROUP_FILTER_COLUMNS,
                name="communitygroup_public_filed",
                condition=Q(status__in=NUMBERED_STATUSES),
            ),
            GinIndex(Ngrams("name"), name="communitygroup_name_ngrams"),
            *prefix_indexes("communitygroup"),
            GinIndex(Ngrams("leader_name"), name="communitygroup_leader_ngrams"),
            # A street's own entries: a clerk's search (registry.search._Terms.name_condition).
            GinIndex(StreetNgrams("street", "name"), name="group_street_name_ngrams"),
            GinIndex(StreetNgrams("street", "leader_name"), name="group_street_leader_ngrams"),
            GinIndex(
                OpClass("name_pinyin", name="gin_trgm_ops"), name="communitygroup_pinyin_trgm"
            ),
            GinIndex(
                OpClass("name_initials", name="gin_trgm_ops"),
                name="communitygroup_initials_trgm",
            ),
            GinIndex(
                OpClass("filing_number", name="gin_trgm_ops"), name="communitygroup_number_trgm"
            ),
            # The staff lists' order (the clerks' workspace, the admin), so that a page is
            # read from the index, not sorted. It carries what a staff search and the
            # workspace's filters test, so that a search's walk down it (search.walked)
            # tests each row from the index alone, as the public lists' do: at three
            # million groups the walk for "hct" tested 15,000 rows in 61 ms reading each
            # from the table, 27 ms from the index; 合唱's 1,800 in 8 and 4.5 ms.
            models.Index(
                fields=["street", "name_pinyin", "id"],
                include=[
                    *(column for column in GROUP_FILTER_COLUMNS if column != "street"),
                    *SEARCHED_COLUMNS,
                    "filing_number",
                    "leader_name",
                ],
                name="group_street_pinyin_cover",
            ),
        ]
        triggers = [touch_updated_at()]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name = " ".join((self.name or "").split())
        super().save(*args, **kwargs)

    @property
    def is_editable(self):
        return self.status in EDITABLE_STATUSES

    def get_service_targets_display(self):
        labels = dict(ServiceTarget.choices)
        return [labels.get(value, value) for value in self.service_targets]


class FilingSequence(models.Model):
    """Last filing number given per street and year; numbers are never reused."""

    street = models.ForeignKey(Street, on_delete=models.PROTECT, verbose_name=_("street"))
    year = models.PositiveSmallIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("filing number sequence")
        verbose_name_plural = _("filing number sequences")
        constraints = [
            models.UniqueConstraint(fields=["street", "year"], name="filingsequence_street_year")
        ]

    def __str__(self):
        return f"{self.street} {self.year}: {self.last}"


# ---------------------------------------------------------------------------------------
# Registration matters (登记事项): establishment, change and deregistration applications,
# their statutory deadlines and document checklists, credit-code blocks and public notices.
# The workflow is registry.applications; the notices' texts are registry.notices.
# ---------------------------------------------------------------------------------------


class ApplicationKind(models.TextChoices):
    ESTABLISHMENT = "establishment", _("establishment registration")
    CHANGE = "change", _("change registration")
    DEREGISTRATION = "deregistration", _("deregistration")


class ApplicationStatus(models.TextChoices):
    RECEIVED = "received", _("received")
    CORRECTION = "correction", _("correction requested")
    ACCEPTED = "accepted", _("accepted")
    REVIEW = "review", _("under review")
    APPROVED = "approved", _("approved")
    REFUSED = "refused", _("refused")
    WITHDRAWN = "withdrawn", _("withdrawn")


# Applications still waiting for a decision (the staff queue).
OPEN_APPLICATION_STATUSES = (
    ApplicationStatus.RECEIVED,
    ApplicationStatus.CORRECTION,
    ApplicationStatus.ACCEPTED,
    ApplicationStatus.REVIEW,
)
DECIDED_APPLICATION_STATUSES = (
    ApplicationStatus.APPROVED,
    ApplicationStatus.REFUSED,
    ApplicationStatus.WITHDRAWN,
)


class DayCount(models.TextChoices):
    CALENDAR = "calendar", _("calendar days")
    WORKING = "working", _("working days (Monday to Friday)")


@track_history()
class DeadlineRule(models.Model):
    """The time limits of one kind of application, as the regulations set them today.

    Kept as data because the rules change. ``decision_days`` is the authority's time,
    counted from the day after the complete documents arrived; ``applicant_days`` is the
    applicant's time from ``applicant_event`` (the supervisory unit's consent for a
    change, the end of liquidation for a deregistration): an application received later
    is flagged late.
    """

    kind = models.CharField(
        _("kind of application"), max_length=16, choices=ApplicationKind.choices, unique=True
    )
    decision_days = models.PositiveSmallIntegerField(
        _("days to decide"),
        help_text=_("Counted from the day after the complete documents were received."),
    )
    applicant_days = models.PositiveSmallIntegerField(
        _("days to apply"),
        null=True,
        blank=True,
        help_text=_(
            "For a change: days from the supervisory unit's consent; for a deregistration: "
            "days from the end of liquidation. Empty: no limit."
        ),
    )
    day_count = models.CharField(
        _("days counted as"),
        max_length=10,
        choices=DayCount.choices,
        default=DayCount.CALENDAR,
        help_text=_(
            "The regulations say 日 (days): calendar days. Working days skip Saturdays and "
            "Sundays (public holidays are not known to the system)."
        ),
    )
    legal_basis = models.CharField(_("legal basis"), max_length=300, blank=True)

    class Meta:
        ordering = ["kind"]
        verbose_name = _("deadline rule")
        verbose_name_plural = _("deadline rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(decision_days__gt=0),
                name="deadlinerule_decision_days_positive",
                violation_error_message=_("The days to decide must be at least 1."),
            ),
        ]

    def __str__(self):
        return self.get_kind_display()


@track_history()
class RequiredDocument(models.Model):
    """One line of the document checklist of one kind of application (configurable)."""

    kind = models.CharField(
        _("kind of application"), max_length=16, choices=ApplicationKind.choices
    )
    name = models.CharField(_("document"), max_length=100)
    required = models.BooleanField(
        _("required"), default=True, help_text=_("Needed before the application is accepted.")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(
        _("in use"), default=True, help_text=_("Retired documents stay on old applications.")
    )

    class Meta:
        ordering = ["kind", "position", "name"]
        verbose_name = _("required document")
        verbose_name_plural = _("required documents")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "name"],
                name="requireddocument_unique_name",
                violation_error_message=_("This kind of application already lists that document."),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.name}"


# The registered items a change application may change (Organization field names).
CHANGEABLE_ITEMS = (
    "name",
    "domicile",
    "legal_representative",
    "business_scope",
    "registered_funds",
    "supervisory_unit",
)


class ChangeItem(models.TextChoices):
    NAME = "name", _("name")
    DOMICILE = "domicile", _("domicile")
    LEGAL_REPRESENTATIVE = "legal_representative", _("legal representative")
    BUSINESS_SCOPE = "business_scope", _("business scope")
    REGISTERED_FUNDS = "registered_funds", _("registered funds (yuan)")
    SUPERVISORY_UNIT = "supervisory_unit", _("business supervisory unit")


@track_history()
class RegistrationApplication(models.Model):
    """An application to establish, change or deregister a registered organization.

    For an establishment the proposed organization's particulars are on the application
    and the organization is created on approval; a change lists its items
    (``ApplicationChange``); a deregistration gives the reason and the end of liquidation.
    Only ``registry.applications`` moves the status.
    """

    kind = models.CharField(_("kind"), max_length=16, choices=ApplicationKind.choices)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.RECEIVED,
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
        verbose_name=_("organization"),
        help_text=_("For a change or a deregistration; an establishment sets it on approval."),
    )
    # The proposed organization (establishment only).
    name = models.CharField(_("proposed name"), max_length=200, blank=True)
    org_type = models.CharField(
        _("organization type"), max_length=1, choices=OrgType.choices, blank=True
    )
    field = models.CharField(
        _("field of activity"), max_length=2, choices=Field.choices, blank=True
    )
    priority_category = models.CharField(
        _("priority category"),
        max_length=12,
        choices=PriorityCategory.choices,
        default=PriorityCategory.OTHER,
    )
    domicile = models.CharField(_("domicile"), max_length=200, blank=True)
    legal_representative = models.CharField(_("legal representative"), max_length=50, blank=True)
    business_scope = models.TextField(_("business scope"), blank=True, max_length=TEXT_MAX_LENGTH)
    registered_funds = models.DecimalField(
        _("registered funds (yuan)"),
        **MONEY,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    supervisory_unit = models.CharField(_("business supervisory unit"), max_length=100, blank=True)
    street = models.ForeignKey(
        Street,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("street"),
    )
    consent_on = models.DateField(
        _("supervisory unit's consent"),
        null=True,
        blank=True,
        help_text=_("Date the business supervisory unit agreed."),
    )
    liquidation_ended_on = models.DateField(
        _("liquidation ended on"), null=True, blank=True, help_text=_("For a deregistration.")
    )
    deregistration_reason = models.TextField(
        _("reason for deregistration"),
        blank=True,
        help_text=_("Published in the deregistration notice."),
        max_length=TEXT_MAX_LENGTH,
    )
    received_on = models.DateField(_("received on"))
    # Workflow fields, set only by registry.applications.
    complete_on = models.DateField(
        _("complete on"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Day the complete documents arrived: the deadline counts from the next day."),
    )
    correction_requested_on = models.DateField(
        _("correction requested on"), null=True, blank=True, editable=False
    )
    correction_note = models.TextField(_("what is missing"), blank=True, editable=False)
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True, editable=False)
    review_started_on = models.DateField(
        _("review started on"), null=True, blank=True, editable=False
    )
    decided_on = models.DateField(_("decided on"), null=True, blank=True, editable=False)
    decision_reason = models.TextField(
        _("reason for refusal or withdrawal"), blank=True, editable=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-received_on", "-pk"]
        verbose_name = _("registration application")
        verbose_name_plural = _("registration applications")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind=ApplicationKind.ESTABLISHMENT)
                    & ~Q(name="")
                    & ~Q(org_type="")
                    & ~Q(field="")
                    & ~Q(domicile="")
                    & ~Q(legal_representative="")
                    & Q(registered_funds__isnull=False)
                    & (Q(organization__isnull=True) | Q(status=ApplicationStatus.APPROVED))
                )
                | (~Q(kind=ApplicationKind.ESTABLISHMENT) & Q(organization__isnull=False)),
                name="application_subject",
                violation_error_message=_(
                    "An establishment needs the proposed name, type, field, domicile, legal "
                    "representative and registered funds; a change or deregistration needs "
                    "the organization."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(kind=ApplicationKind.DEREGISTRATION)
                | (Q(liquidation_ended_on__isnull=False) & ~Q(deregistration_reason="")),
                name="application_deregistration_dated",
                violation_error_message=_(
                    "A deregistration needs the end of liquidation and the reason."
                ),
            ),
            models.CheckConstraint(
                condition=Q(registered_funds__isnull=True) | Q(registered_funds__gte=0),
                name="application_funds_nonnegative",
                violation_error_message=_("Registered funds cannot be negative."),
            ),
            models.CheckConstraint(
                condition=~Q(status__in=DECIDED_APPLICATION_STATUSES) | Q(decided_on__isnull=False),
                name="application_decision_dated",
                violation_error_message=_("A decided application needs its decision date."),
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[ApplicationStatus.REFUSED, ApplicationStatus.WITHDRAWN])
                | ~Q(decision_reason=""),
                name="application_refusal_has_reason",
                violation_error_message=_("A refusal or a withdrawal needs its reason."),
            ),
            models.CheckConstraint(
                condition=~Q(status=ApplicationStatus.CORRECTION)
                | (Q(correction_requested_on__isnull=False) & ~Q(correction_note="")),
                name="application_correction_says_what",
                violation_error_message=_(
                    "A correction request needs its date and what is missing."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(kind=ApplicationKind.ESTABLISHMENT)
                | ~Q(status=ApplicationStatus.APPROVED)
                | Q(organization__isnull=False),
                name="application_establishment_creates",
                violation_error_message=_(
                    "An approved establishment names the organization it created."
                ),
            ),
        ]
        indexes = [models.Index(fields=["status", "kind"], name="application_status_kind")]

    def __str__(self):
        subject = self.organization.name if self.organization_id else self.name
        return f"{self.get_kind_display()} · {subject}"

    @property
    def subject_name(self):
        return self.organization.name if self.organization_id else self.name

    @property
    def is_open(self):
        return self.status in OPEN_APPLICATION_STATUSES


@track_history()
class ApplicationChange(models.Model):
    """One registered item a change application changes, with its old and new value
    (as text; registered funds in yuan with two decimal places)."""

    application = models.ForeignKey(
        RegistrationApplication,
        on_delete=models.PROTECT,
        related_name="changes",
        verbose_name=_("application"),
    )
    item = models.CharField(_("registered item"), max_length=24, choices=ChangeItem.choices)
    old_value = models.TextField(
        _("old value"),
        blank=True,
        max_length=TEXT_MAX_LENGTH,
        help_text=_("Filled in from the register when left empty."),
    )
    new_value = models.TextField(_("new value"), max_length=TEXT_MAX_LENGTH)

    class Meta:
        ordering = ["application", "pk"]
        verbose_name = _("changed item")
        verbose_name_plural = _("changed items")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "item"],
                name="applicationchange_unique_item",
                violation_error_message=_("This application already changes that item."),
            ),
            models.CheckConstraint(
                condition=~Q(new_value=""),
                name="applicationchange_new_value",
                violation_error_message=_("Enter the new value."),
            ),
        ]

    def __str__(self):
        return self.get_item_display()


@track_history()
class ApplicationDocument(models.Model):
    """One line of an application's document checklist, copied from ``RequiredDocument``
    when the application was received (later edits of the checklist leave it as it was)."""

    application = models.ForeignKey(
        RegistrationApplication,
        on_delete=models.PROTECT,
        related_name="documents",
        verbose_name=_("application"),
    )
    name = models.CharField(_("document"), max_length=100)
    required = models.BooleanField(_("required"), default=True)
    received = models.BooleanField(_("received"), default=False)
    received_on = models.DateField(_("received on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["application", "pk"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "name"],
                name="applicationdocument_unique_name",
                violation_error_message=_("This application already lists that document."),
            ),
        ]

    def __str__(self):
        return self.name


class CreditCodeSequence(models.Model):
    """Last serial issued from one block of organization codes of one area.

    The block is the first characters of the 8-character organization code that the
    district issues from (settings.CREDIT_CODE_BLOCK); serials are never reused."""

    area_code = models.CharField(_("area code"), max_length=6)
    block = models.CharField(_("block"), max_length=7)
    last = models.PositiveIntegerField(_("last serial"), default=0)

    class Meta:
        verbose_name = _("credit code block")
        verbose_name_plural = _("credit code blocks")
        constraints = [
            models.UniqueConstraint(fields=["area_code", "block"], name="creditcodesequence_block")
        ]

    def __str__(self):
        return f"{self.area_code} {self.block}: {self.last}"


class NoticeKind(models.TextChoices):
    ESTABLISHMENT = "establishment", _("establishment")
    CHANGE = "change", _("change")
    DEREGISTRATION = "deregistration", _("deregistration")
    REVOCATION = "revocation", _("revocation")


@track_history()
class Notice(models.Model):
    """A public notice (公告) of a registration decision. The text is generated from the
    record when the decision is taken (registry.notices) and then kept as published; it
    names the organization, its credit code and what changed, never a phone, an ID
    number or a person's address."""

    kind = models.CharField(_("kind"), max_length=16, choices=NoticeKind.choices)
    published_on = models.DateField(_("date"))
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="notices",
        verbose_name=_("organization"),
    )
    application = models.OneToOneField(
        RegistrationApplication,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notice",
        verbose_name=_("application"),
    )
    name = models.CharField(_("name"), max_length=200)
    credit_code = models.CharField(_("unified social credit code"), max_length=18)
    title = models.CharField(_("title"), max_length=300)
    # Composed from the application (business scope included), so room for several texts.
    text = models.TextField(_("text"), max_length=4 * TEXT_MAX_LENGTH)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-published_on", "-pk"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        indexes = [
            models.Index(fields=["-published_on", "-id"], name="notice_published"),
            GinIndex(fields=["text"], opclasses=["gin_trgm_ops"], name="notice_text_trgm"),
        ]

    def __str__(self):
        return self.title


# ---------------------------------------------------------------------------------------
# Ledger imports
# ---------------------------------------------------------------------------------------


class ImportKind(models.TextChoices):
    ORGANIZATIONS = "organizations", _("registered organizations")
    ANNUAL_REPORTS = "annual-reports", _("annual reports")
    COMMUNITY_GROUPS = "community-groups", _("community-group filings")


# The file and the report are large and never change after the upload; the history
# records who uploaded what and when it was committed.
@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    exclude=["content", "report"],
)
class ImportBatch(models.Model):
    """An uploaded ledger between its dry run and its commit, kept on the server (not in
    the session) and visible only to the user who uploaded it. Its id is the ``batch``
    of the history context the commit runs under."""

    kind = models.CharField(_("kind"), max_length=20, choices=ImportKind.choices)
    file_name = models.CharField(_("file name"), max_length=255)
    content = models.BinaryField(_("file"), editable=False)
    sha256 = models.CharField(_("SHA-256"), max_length=64, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    street = models.ForeignKey(
        Street,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("street"),
        help_text=_("The clerk's street, for an upload in the filing workspace."),
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    report = models.JSONField(_("report"), default=dict, editable=False)
    committed_at = models.DateTimeField(_("committed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("ledger import")
        verbose_name_plural = _("ledger imports")

    def __str__(self):
        return f"{self.file_name} ({self.get_kind_display()})"
