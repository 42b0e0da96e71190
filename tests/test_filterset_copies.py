"""Each request's FilterSet is its own: filters copied shallow, one form class, checks once.

``press.filters.CopiedShallow`` copies each filter instead of deep-copying
them all, ``PressReleaseFilterSet.get_form_class`` builds its form class once,
and ``check()`` runs the checks that span fields without building a queryset.
These tests hold that no state leaks from one FilterSet to the next.
"""

import datetime

import pytest
from django.http import QueryDict
from django.test.utils import set_script_prefix
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from press.filters import PressReleaseFilterSet
from press.models import PressRelease, detail_path

pytestmark = pytest.mark.usefixtures("taxonomy")


def filterset(query):
    return PressReleaseFilterSet(QueryDict(query), queryset=PressRelease.objects.none())


class TestEachFilterSetHasItsOwnFilters:
    def test_filters_belong_to_their_own_filterset(self):
        first, second = filterset("year=2020"), filterset("year=2021")
        for name in first.filters:
            assert first.filters[name] is not second.filters[name]
            assert first.filters[name].parent is first
            assert second.filters[name].parent is second

    def test_the_class_filters_are_left_as_declared(self):
        filterset("date_from=2020-01-01")
        for declared in PressReleaseFilterSet.base_filters.values():
            assert not hasattr(declared, "parent")

    def test_a_method_filter_calls_its_own_filterset(self):
        """``date_from`` filters through ``filter_date_from`` of the FilterSet it is in."""
        first = filterset("date_from=2020-01-01")
        second = filterset("date_from=2021-01-01")
        # Each filter's method resolves to its own filterset's bound method.
        assert first.filters["date_from"].filter.method.__self__ is first
        assert second.filters["date_from"].filter.method.__self__ is second

    def test_positive_control_a_copy_without_its_method_rebound_fails(self):
        """Copied without re-binding, a method filter still calls the class's filter,
        which has no FilterSet: the check above sees the difference."""
        import copy

        naive = copy.copy(PressReleaseFilterSet.base_filters["date_from"])
        naive.parent = filterset("date_from=2020-01-01")
        with pytest.raises(AssertionError, match="must have a parent FilterSet"):
            naive.filter.method  # noqa: B018


class TestOneFormClassManyForms:
    def test_the_form_class_is_built_once(self):
        assert type(filterset("year=2020").form) is type(filterset("year=2021").form)

    def test_each_form_holds_its_own_data_and_fields(self):
        first, second = filterset("year=2020&q=water"), filterset("year=1899")
        assert first.form.is_valid()
        assert not second.form.is_valid()
        assert first.form.cleaned_data["year"] == 2020
        assert first.form.cleaned_data["q"] == "water"
        assert "year" in second.form.errors
        assert first.form.fields["year"] is not second.form.fields["year"]


class TestChecksWithoutAQueryset:
    def test_reversed_dates_are_swapped_and_named(self):
        found = filterset("date_from=2024-05-01&date_to=2024-01-31")
        data = found.check()
        assert data["date_from"] == datetime.date(2024, 1, 31)
        assert data["date_to"] == datetime.date(2024, 5, 1)
        assert found.notices() == ["The start date was after the end date; they have been swapped."]
        assert "_qs" not in found.__dict__  # no queryset was built for that

    def test_a_search_of_common_words_is_named_once(self):
        found = filterset("q=the")
        found.check()
        found.check()
        assert found.notices() == ["“the” is too common to search for: try a more specific word."]
        found.qs  # noqa: B018 - filtering runs the same checks: still one notice
        assert len(found.notices()) == 1

    def test_dates_in_order_are_left_alone(self):
        found = filterset("date_from=2024-01-01&date_to=2024-02-01")
        assert found.check()["date_from"] == datetime.date(2024, 1, 1)
        assert found.notices() == []


class TestReleasePaths:
    """``detail_path`` writes what ``reverse`` would, faster."""

    @pytest.mark.parametrize("language", ["en", "ru", "fr"])
    @pytest.mark.parametrize("slug", ["plain-slug-1", "under_score", "a"])
    def test_the_same_as_reverse(self, language, slug):
        with translation.override(language):
            assert detail_path(slug) == reverse("press:detail", kwargs={"slug": slug})

    def test_written_out(self):
        with translation.override("en"):
            assert detail_path("water-talks") == "/press/water-talks/"
        with translation.override("ru"):
            assert detail_path("water-talks") == "/ru/press/water-talks/"

    def test_under_a_script_prefix(self):
        set_script_prefix("/site/")
        try:
            with translation.override("en"):
                assert detail_path("water-talks") == "/site/press/water-talks/"
        finally:
            set_script_prefix("/")
        with translation.override("en"):
            assert detail_path("water-talks") == "/press/water-talks/"

    def test_a_slug_the_address_cannot_hold_is_refused_as_reverse_refuses_it(self):
        with translation.override("en"), pytest.raises(NoReverseMatch):
            detail_path("вода")
        with translation.override("en"), pytest.raises(NoReverseMatch):
            detail_path("a/b")

    def test_a_release_in_another_language_has_its_own_prefix(self):
        release = PressRelease(slug="water-talks", language="ru")
        with translation.override("en"):
            assert release.get_absolute_url() == "/ru/press/water-talks/"
