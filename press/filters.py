"""The one FilterSet of the public listing, its node pages and its feeds.

It owns every listing parameter of the public contract: ``q``, ``topic``,
``country``, ``structure``, ``meeting``, ``type``, ``date_from``,
``date_to``, ``year``, ``sort``, ``predecessors`` (``page`` is the
paginator's). Bad values never break a page: a field that does not validate
is left out of the filtering and its error is shown; an unknown slug is
named in a message and matches nothing. A node's former slug (a former
name's, a renamed node's) names the node; ``predecessors=1`` makes every
node filter match the nodes its nodes followed too.
"""

import copy
import datetime
import re

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from taxonomy.index import tree_index

from .dimensions import BY_PARAM, DIMENSIONS
from .models import PressRelease, release_types
from .search import only_common_words

MAX_VALUES = 20
MAX_QUERY_LENGTH = 200
SLUG = re.compile(r"^[-a-z0-9_]{1,120}$")
SORTS = [
    ("-date", _("Newest first")),
    ("date", _("Oldest first")),
    ("relevance", _("Relevance")),
]


class SlugListField(forms.Field):
    """Repeated GET values (``?country=a&country=b``), each a plausible slug."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        if not value:
            return []
        values = [value] if isinstance(value, str) else list(value)
        values = [v.strip().lower() for v in values if v and v.strip()]
        if len(values) > MAX_VALUES:
            raise ValidationError(
                ngettext("Choose at most %(n)d value.", "Choose at most %(n)d values.", MAX_VALUES)
                % {"n": MAX_VALUES},
                code="too_many",
            )
        bad = [v for v in values if not SLUG.match(v)]
        if bad:
            raise ValidationError(
                _("“%(value)s” is not a valid choice.") % {"value": bad[0][:60]}, code="invalid"
            )
        return list(dict.fromkeys(values))


class SlugListFilter(django_filters.Filter):
    field_class = SlugListField


class NodeFilter(SlugListFilter):
    """Node slugs of one dimension: OR within the parameter, each node with all its descendants."""

    def __init__(self, *args, dimension, **kwargs):
        self.dimension = dimension
        kwargs.setdefault("label", dimension.label)
        super().__init__(*args, **kwargs)

    def resolve(self, slugs, *, predecessors=None):
        """``(nodes, unknown slugs)``: the nodes ``slugs`` name, each once, in the order given.

        A slug the node had before (a former name's, a renamed node's old
        address: ``TreeIndex.find``) names the node. With ``predecessors``
        (default: what the request's ``predecessors`` parameter says), each
        node brings the nodes it followed, transitively (succeeded,
        absorbed, split from: ``TreeIndex.predecessors``), after the chosen
        ones; like any node, each matches with everything under it.
        """
        index = tree_index(self.dimension.model)
        found = {s: index.find(s) for s in slugs}
        known = list(dict.fromkeys(ref for ref in found.values() if ref is not None))
        unknown = [s for s, ref in found.items() if ref is None]
        if predecessors is None:
            predecessors = self.with_predecessors()
        if predecessors:
            known = index.with_predecessors(known)
        return known, unknown

    def with_predecessors(self):
        """Whether the filterset this filter belongs to asks for predecessors too."""
        parent = getattr(self, "parent", None)
        return bool(parent is not None and parent.cleaned.get(PREDECESSORS))

    def filter(self, qs, value):
        if not value:
            return qs
        known, _unknown = self.resolve(value)
        return qs.under(self.dimension, known)


#: The parameter that widens every node filter to the nodes its nodes followed.
PREDECESSORS = "predecessors"


class PredecessorsField(forms.Field):
    """``predecessors=1`` on, anything else off: no value is an error, a wrong one is dropped.

    The cleaned value is "1" or None, so an address that says anything else
    (``predecessors=yes``) reads as one without it: its chips, feed link and
    pagination leave it out.
    """

    widget = forms.HiddenInput

    def to_python(self, value):
        if isinstance(value, list | tuple):
            value = value[-1] if value else None
        return "1" if str(value or "").strip() == "1" else None


class PredecessorsFilter(django_filters.Filter):
    """Read by every ``NodeFilter`` (``with_predecessors``); filters nothing by itself."""

    field_class = PredecessorsField

    def filter(self, qs, value):
        return qs


class YearFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class TypeFilter(SlugListFilter):
    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(type_id__in=[t.pk for t in release_types() if t.slug in value])


def start_of_day(day):
    """Midnight at the start of ``day`` in the site's time zone, or None.

    None when that instant has no UTC ``datetime`` (the database stores UTC):
    the first day of year 1 east of Greenwich, the last day of year 9999
    west of it, and the day after 31 December 9999 anywhere. Such a day lies
    at one end of the calendar; the filters read it as "no bound" there.
    """
    try:
        start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
        start.astimezone(datetime.UTC)
    except OverflowError:
        return None
    return start


def day_after(day):
    """The next day, or None after 31 December 9999."""
    try:
        return day + datetime.timedelta(days=1)
    except OverflowError:
        return None


def at_calendar_start(day):
    """Whether a day without a start instant lies at the start of the calendar (else at its end)."""
    return day.year < 5000


class PressReleaseFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_q",
        max_length=None,
        validators=[MaxLengthValidator(MAX_QUERY_LENGTH)],
    )
    type = TypeFilter(label=_("Type"))
    date_from = django_filters.DateFilter(
        label=_("From"), method="filter_date_from", input_formats=["%Y-%m-%d"]
    )
    date_to = django_filters.DateFilter(
        label=_("To"), method="filter_date_to", input_formats=["%Y-%m-%d"]
    )
    year = YearFilter(
        label=_("Year"),
        method="filter_year",
        validators=[MinValueValidator(1973), MaxValueValidator(2100)],
    )
    sort = django_filters.ChoiceFilter(
        label=_("Sort"), choices=SORTS, method="filter_sort", empty_label=None
    )
    predecessors = PredecessorsFilter(label=_("With predecessors"))

    class Meta:
        model = PressRelease
        fields = []

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.messages = []
        self._checked = False

    def get_form_class(self):
        """The form class, built once a FilterSet class (django-filter builds one a request).

        Its fields are the filters' fields, the same for every request (their
        labels translate when shown); each form copies them deeply, as any
        Django form copies its class's fields. Every filter here is given a
        lazy label: one left to django-filter would be named once, in the
        language of the first request.
        """
        cls = type(self)
        form_class = cls.__dict__.get("_form_class")
        if form_class is None:
            form_class = super().get_form_class()
            cls._form_class = form_class
        return form_class

    # --- validation that spans fields ------------------------------------
    @property
    def cleaned(self):
        """The valid values, after the form has been checked."""
        self.form.is_valid()
        return getattr(self.form, "cleaned_data", {})

    def check(self):
        """The valid values once the checks that span fields have run (once a filterset).

        Reversed dates are swapped, and the page is told so; a search made
        only of words too common to search for is named. Everything that
        reads the values as filters (the queryset, the listing index's
        selection, feeds, alerts) reads them from here; no queryset is built.
        """
        data = self.cleaned
        if self._checked:
            return data
        self._checked = True
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            data["date_from"], data["date_to"] = end, start
            self.messages.append(
                _("The start date was after the end date; they have been swapped.")
            )
        common = only_common_words(data["q"]) if data.get("q") else []
        if common:
            # Both databases leave such words out of a search, so "a" finds
            # nothing rather than everything: say why.
            self.messages.append(
                _("“%(words)s” is too common to search for: try a more specific word.")
                % {"words": " ".join(common)}
            )
        return data

    def filter_queryset(self, queryset):
        data = self.check()
        queryset = super().filter_queryset(queryset)
        if not data.get("sort"):
            queryset = queryset.order_by("-published_at", "-pk")
        return queryset

    def notices(self):
        """What the visitor should know about the parameters: errors, unknown names."""
        self.check()
        unknown = [message for _param, message in self.unknown_values()]
        return list(self.messages) + unknown + self.errors_for_display

    def unknown_values(self):
        """[(parameter, sentence)] for each valid slug that names no node or type.

        Such a value matches nothing: the page says so in a notice, the JSON
        API refuses it.
        """
        found = []
        data = self.cleaned
        for param, dimension in BY_PARAM.items():
            if data.get(param):
                _known, unknown = self.filters[param].resolve(data[param])
                found += [
                    (
                        param,
                        _("Nothing is called “%(slug)s” among %(what)s.")
                        % {"slug": slug, "what": dimension.model._meta.verbose_name_plural},
                    )
                    for slug in unknown
                ]
        types = {t.slug for t in release_types()}
        found += [
            ("type", _("There is no release type “%(slug)s”.") % {"slug": slug})
            for slug in data.get("type") or []
            if slug not in types
        ]
        return found

    @property
    def errors_for_display(self):
        """Field errors as sentences, for the page's message area."""
        self.form.is_valid()
        sentences = []
        for name, errors in self.form.errors.items():
            label = self.form.fields[name].label if name in self.form.fields else name
            for error in errors:
                # Translators: a listing field's error, e.g. "Year: Enter a whole number."
                sentences.append(gettext("%(label)s: %(error)s") % {"label": label, "error": error})
        return sentences

    # --- filter methods ----------------------------------------------------
    def filter_q(self, queryset, name, value):
        return queryset.search(value)

    # Dates are whole days in the site's time zone, both ends included. Any
    # day ``datetime`` can hold is accepted: a bound at the very start or end
    # of the calendar (``date_from=0001-01-01``, ``date_to=9999-12-31``) means
    # what the visitor meant, "no bound", rather than an instant no database
    # column can hold.
    def filter_date_from(self, queryset, name, value):
        return self._from(queryset, value)

    def filter_date_to(self, queryset, name, value):
        return self._before(queryset, day_after(value))

    def filter_year(self, queryset, name, year):
        # The field's validators keep a year within the archive's range.
        first, after = datetime.date(year, 1, 1), datetime.date(year + 1, 1, 1)
        return self._before(self._from(queryset, first), after)

    @staticmethod
    def _from(queryset, day):
        """Releases published on ``day`` or later."""
        start = start_of_day(day)
        if start is None:
            return queryset if at_calendar_start(day) else queryset.none()
        return queryset.filter(published_at__gte=start)

    @staticmethod
    def _before(queryset, day):
        """Releases published before ``day`` (None: after the last day there is)."""
        start = None if day is None else start_of_day(day)
        if start is None:
            return queryset.none() if day is not None and at_calendar_start(day) else queryset
        return queryset.filter(published_at__lt=start)

    def filter_sort(self, queryset, name, value):
        if value == "date":
            return queryset.order_by("published_at", "pk")
        if value == "relevance" and self.cleaned.get("q"):
            return queryset.order_by("-rank", "-published_at", "-pk")
        return queryset.order_by("-published_at", "-pk")

    # --- state for templates -----------------------------------------------
    def active_params(self):
        """[(param, value)] of the valid, non-empty parameters, in form order."""
        params = []
        for name, value in self.cleaned.items():
            if value in (None, "", []) or name == "sort":
                continue
            values = value if isinstance(value, list) else [value]
            for v in values:
                if isinstance(v, datetime.date):
                    v = v.isoformat()
                params.append((name, str(v)))
        return params


def _declare_dimensions(filterset):
    """One ``NodeFilter`` per dimension of the registry, under its parameter, after ``q``."""
    declared = dict(filterset.base_filters)
    first = {"q": declared.pop("q")}
    for dimension in DIMENSIONS:
        node_filter = NodeFilter(dimension=dimension, field_name=dimension.param)
        node_filter.model = filterset._meta.model
        first[dimension.param] = node_filter
    filterset.base_filters = CopiedShallow({**first, **declared})
    filterset.declared_filters = {**filterset.base_filters}


class CopiedShallow(dict):
    """A FilterSet's filters, which each FilterSet copies: each filter copied, not deeply.

    django-filter deep-copies every filter (and all it refers to) for each
    request's FilterSet, which then only sets the copy's ``model`` and
    ``parent``: nothing it shares with the class's filter changes.
    """

    def __deepcopy__(self, memo):
        return {name: _copied(found) for name, found in self.items()}


def _copied(found):
    """A filter's shallow copy, its ``method`` (if any) bound to the copy, not to ``found``."""
    copied = copy.copy(found)
    if getattr(found, "method", None) is not None:
        copied.method = found.method
    return copied


_declare_dimensions(PressReleaseFilterSet)
