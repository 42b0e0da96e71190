"""The listing index (press/listing_index.py, press/selection.py) is right.

Two independent references: the SQL path (``settings.LISTING_INDEX = False``:
the read model's rows and the FilterSet's queryset, as before the index)
must give the very same counts, pages and facets as the index, for random
listings over a mixed corpus; and, where it is simple, numbers written down
by hand. Then every write that moves a release must reach a process's index
by catching up (a new snapshot at a later clock tick, the releases noted read
again), not by building afresh, except where building afresh is the rule.
"""

import datetime
import re
import threading
from io import StringIO
from urllib.parse import urlencode

import numpy as np
import pytest
from django.conf import settings as django_settings
from django.core.cache import caches
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections, transaction
from django.http import QueryDict
from django.test import override_settings
from django.utils import timezone, translation
from hypothesis import HealthCheck, event, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from press import listing_index, listing_model
from press.dimensions import BY_PARAM
from press.facets import count_all_facets
from press.filters import PressReleaseFilterSet
from press.listing import listing_count, listing_paginator, page_rows
from press.models import ListingChange, ListingClock, PressRelease, ReleaseType
from taxonomy import clock
from taxonomy.merging import merge_nodes
from taxonomy.models import Country, Meeting, Structure, Topic
from tests.conftest import make_release, requires_postgres

pytestmark = pytest.mark.usefixtures("taxonomy")

PAGE_SIZE = 3
MODELS = {"country": Country, "topic": Topic, "structure": Structure, "meeting": Meeting}


def at(y, m, d, hour=12, minute=0):
    """That moment in the site's time zone (Europe/Vienna)."""
    return timezone.make_aware(datetime.datetime(y, m, d, hour, minute))


def node(param, slug):
    return MODELS[param].objects.get(slug=slug)


def clear_caches():
    for each in caches.all():
        each.clear()


# --- the corpus -----------------------------------------------------------------


def make_corpus():
    """About twenty releases over three years, several trees and depths, every status,
    English and Russian; ties at one instant and releases either side of New Year's
    midnight in Vienna. Returns {key: release}."""
    types = {t.slug: t for t in ReleaseType.objects.all()}
    soon = clock.now() + datetime.timedelta(days=5)
    made = {}

    def add(key, title, when, *, status="published", language="en", type="press-release", **tags):
        made[key] = make_release(
            title,
            published_at=when,
            status=status,
            language=language,
            type=types[type],
            tags=tags,
        )

    add(
        "moldova_vote",
        "Observers report on the elections in Moldova",
        at(2023, 3, 10),
        countries=["moldova"],
        topics=["elections"],
        structures=["mission-to-moldova", "office-for-democratic-institutions-and-human-rights"],
    )
    add(
        "croatia",
        "Mission to Croatia reports",
        at(2023, 2, 1),
        countries=["croatia"],
        structures=["mission-to-croatia"],
    )
    add(
        "ceasefire",
        "Ceasefire talks resume",
        at(2023, 6, 1),
        type="news",
        countries=["participating-states"],
        topics=["conflict-prevention-and-resolution"],
        structures=["conflict-prevention-centre"],
        meetings=["plenary-meetings-of-the-permanent-council"],
    )
    add(
        "chisinau",
        "Journalists trained in Chisinau",
        at(2023, 11, 5),
        type="news",
        countries=["moldova"],
        topics=["safety-of-journalists"],
        structures=["representative-on-freedom-of-the-media"],
    )
    add(
        "late_night",
        "Late-night statement on the elections",
        at(2023, 12, 31, 23, 30),
        type="statement",
        countries=["serbia"],
        topics=["elections"],
    )
    add(
        "new_year",
        "New Year statement on youth",
        at(2024, 1, 1, 0, 30),
        type="statement",
        countries=["serbia", "moldova"],
        topics=["youth"],
    )
    add(
        "tokyo",
        "Asian Partners conference opens in Tokyo",
        at(2024, 3, 1),
        countries=["japan"],
        meetings=["annual-osce-asian-conferences"],
    )
    add(
        "zagreb",
        "Office in Zagreb reports on media pluralism",
        at(2024, 6, 10),
        countries=["croatia"],
        topics=["media-pluralism"],
        structures=["office-in-zagreb"],
    )
    add(
        "twin",
        "Twin release on the elections",
        at(2024, 6, 10),  # the same instant
        countries=["moldova"],
        topics=["elections"],
    )
    add(
        "youth_forum",
        "Youth forum discusses the elections",
        at(2024, 9, 15),
        topics=["youth", "elections"],
        structures=["opportunities-for-youth"],
    )
    add(
        "media_laws",
        "Media laws reviewed in Serbia",
        at(2025, 1, 20),
        countries=["serbia"],
        topics=["media-laws"],
        structures=["representative-on-freedom-of-the-media"],
    )
    add("midnight", "Statement at midnight", at(2025, 1, 1, 0, 0), type="speech")
    add(
        "monitors",
        "Ceasefire monitored in the east",
        at(2025, 4, 2),
        topics=["conflict-prevention-and-resolution"],
        structures=["special-monitoring-mission-to-ukraine"],
    )
    add(
        "field",
        "Field operations annual report",
        at(2025, 7, 7),
        type="feature",
        structures=["field-operations", "mission-to-moldova"],
    )
    add(
        "draft",
        "Draft about the elections",
        None,
        status="draft",
        countries=["moldova"],
        topics=["elections"],
    )
    add(
        "in_review",
        "Ceasefire note in review",
        None,
        status="in_review",
        topics=["conflict-prevention-and-resolution"],
    )
    add(
        "withdrawn",
        "Withdrawn statement on the elections",
        at(2024, 5, 5),
        status="withdrawn",
        countries=["moldova"],
        topics=["elections"],
    )
    add(
        "scheduled",
        "Scheduled notice on the elections",
        soon,
        countries=["moldova"],
        topics=["elections"],
    )
    add(
        "ru_moldova",
        "Выборы в Молдове",
        at(2024, 2, 2),
        language="ru",
        countries=["moldova"],
        topics=["elections"],
    )
    add(
        "ru_serbia",
        "Наблюдатели о выборах в Сербии",
        at(2024, 6, 10),
        language="ru",
        countries=["serbia"],
        topics=["elections"],
        structures=["office-for-democratic-institutions-and-human-rights"],
    )
    add(
        "ru_tokyo",
        "Конференция в Токио",
        at(2025, 3, 3),
        language="ru",
        type="news",
        countries=["japan"],
        meetings=["annual-osce-asian-conferences"],
    )
    add(
        "ru_draft", "Черновик о выборах", None, status="draft", language="ru", countries=["moldova"]
    )
    add(
        "ru_scheduled",
        "Запланированное сообщение",
        soon - datetime.timedelta(days=3),
        language="ru",
        countries=["serbia"],
    )
    return made


@pytest.fixture
def corpus(db):
    return make_corpus()


@pytest.fixture
def caught_up_corpus(db):
    """The corpus, with this process's index built before it and caught up since: on the
    new releases, then on each of them read again after a save."""
    listing_index.current()
    made = make_corpus()
    listing_index.current()
    for release in made.values():
        release.save()
    index = listing_index.current()
    assert index.seq == listing_index.clock_seq("default")
    return made, index


def use_index(caught_up_index, fresh):
    """Each example from a known start: the caught-up snapshot (immutable, so it can be
    put back), or none, so that the first read builds afresh from the rows."""
    listing_index.forget_all()
    if not fresh:
        listing_index._shared["default"] = caught_up_index


# --- reading a listing either way -----------------------------------------------------


def listing_state(query, language, base=None):
    """What the listing machinery says for ``query`` under the current setting:
    count, page of ids, facets. ``base``: (param, node) of a node page, else /press/."""
    data = QueryDict(query)
    with translation.override(language):
        queryset = PressRelease.objects.published().in_language()
        base_rows, fixed, key = [], None, "all"
        if base is not None:
            param, base_node = base
            queryset = queryset.under(BY_PARAM[param], [base_node.pk])
            base_rows, fixed, key = [(param, [base_node.pk])], param, f"{param}:{base_node.pk}"
        count = listing_count(
            PressReleaseFilterSet(data, queryset=queryset), base_key=key, base_rows=base_rows
        )
        filterset = PressReleaseFilterSet(data, queryset=queryset)
        paginator = listing_paginator(
            filterset, django_settings.PRESS_PAGE_SIZE, base_key=key, base_rows=base_rows
        )
        page = paginator.get_page(data.get("page"))
        q = filterset.cleaned.get("q", "")
        rows = page_rows(page.object_list, q, page.start_index() - 1) if paginator.count else []
        facets = count_all_facets(
            PressReleaseFilterSet(data, queryset=queryset),
            fixed_param=fixed,
            base_key=key,
            base_rows=base_rows,
        )
    return {
        "count": count,
        "paginator count": paginator.count,
        "page": page.number,
        "ids": [r.pk for r in rows],
        "facets": facets,
    }


def both_ways(read):
    """``read()`` with the listing index on, then off (caches emptied before each)."""
    answers = []
    for on in (True, False):
        clear_caches()
        with override_settings(
            LISTING_INDEX=on, PRESS_PAGE_SIZE=PAGE_SIZE, PAGE_CACHE_ENABLED=False
        ):
            answers.append(read())
    return answers


NOISE = [
    (re.compile(r'nonce="[^"]*"'), 'nonce=""'),
    (re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"'), 'name="csrfmiddlewaretoken"'),
]


def page_html(client, path, query, language):
    prefix = "" if language == "en" else f"/{language}"
    response = client.get(prefix + path + (f"?{query}" if query else ""))
    html = response.content.decode()
    for pattern, replacement in NOISE:
        html = pattern.sub(replacement, html)
    return response.status_code, response.get("Location"), html


def result_slugs(html):
    cards = re.search(r'<ol class="cards".*?</ol>', html, re.S)
    if cards is None:
        return []
    return re.findall(r'<h[23]><a href="(?:/[a-z]{2})?/press/([^/"]+)/">', cards.group(0))


def result_count(html):
    found = re.search(r'data-result-count="(\d+)"', html)
    return int(found.group(1)) if found else None


def api_json(client, path, query, language):
    response = client.get(f"{path}?{query}", headers={"Accept-Language": language})
    return response.status_code, response.json()


# --- random listings ----------------------------------------------------------------

SLUGS = {
    "country": ["participating-states", "moldova", "serbia", "croatia", "japan",
                "asian-partners-for-co-operation", "no-such-country"],
    "topic": ["elections", "media-freedom-and-development", "safety-of-journalists", "youth",
              "conflict-prevention-and-resolution", "no-such-topic"],
    "structure": ["secretariat", "institutions", "field-operations", "mission-to-moldova",
                  "office-in-zagreb", "mission-to-croatia", "closed-field-activities",
                  "no-such-structure"],
    "meeting": ["plenary-meetings-of-the-permanent-council", "annual-osce-asian-conferences",
                "no-such-meeting"],
}  # fmt: skip
TYPES = ["press-release", "news", "statement", "feature", "no-such-type"]
DAYS = [
    datetime.date(2023, 1, 1), datetime.date(2023, 3, 10), datetime.date(2023, 11, 5),
    datetime.date(2023, 12, 31), datetime.date(2024, 1, 1), datetime.date(2024, 6, 10),
    datetime.date(2024, 12, 31), datetime.date(2025, 1, 1), datetime.date(2025, 3, 3),
    datetime.date(2025, 12, 31),
]  # fmt: skip
WORDS = ["elections", "ceasefire", "выборы", "reports", "zzqx"]


OTHER_VALUES = {
    "year": [2022, 2023, 2024, 2025],
    "date_from": DAYS,
    "date_to": DAYS,
    "q": WORDS,
    "sort": ["-date", "date"],
    "predecessors": ["1"],
    "page": [1, 2, 3, 5],
}


@st.composite
def listing_queries(draw):
    """A listing's query string: up to five parameters, node and type ones with one or
    two values (unknown ones among them), in any order."""
    names = draw(st.lists(st.sampled_from([*SLUGS, "type", *OTHER_VALUES]), max_size=5,
                          unique=True))  # fmt: skip
    pairs = []
    for name in names:
        if name in SLUGS or name == "type":
            values = SLUGS.get(name, TYPES)
            pairs += [(name, v) for v in draw(st.lists(st.sampled_from(values), min_size=1,
                                                       max_size=2, unique=True))]  # fmt: skip
        else:
            pairs.append((name, str(draw(st.sampled_from(OTHER_VALUES[name])))))
    return urlencode(draw(st.permutations(pairs)))


HYPOTHESIS = hypothesis_settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
BASES = [None, ("country", "participating-states"), ("country", "moldova"),
         ("topic", "elections"), ("structure", "secretariat")]  # fmt: skip


@hypothesis_settings(HYPOTHESIS, max_examples=150)
@given(
    query=listing_queries(),
    language=st.sampled_from(["en", "ru", "fr"]),  # no release is in French
    base=st.sampled_from(BASES),
    fresh=st.booleans(),
)
def test_the_index_and_the_sql_agree_on_any_listing(caught_up_corpus, query, language, base, fresh):
    _corpus, caught_up_index = caught_up_corpus
    use_index(caught_up_index, fresh)  # built afresh, or the index caught up on every write
    chosen = None if base is None else (base[0], node(*base))
    on, off = both_ways(lambda: listing_state(query, language, chosen))
    event("some results" if on["count"] else "no results")
    event("a full page" if len(on["ids"]) == PAGE_SIZE else "a short page")
    assert on == off, (query, language, base)


@hypothesis_settings(HYPOTHESIS, max_examples=30)
@given(query=listing_queries(), language=st.sampled_from(["en", "ru"]), fresh=st.booleans())
def test_pages_and_the_api_agree_with_the_index_on_and_off(
    client, caught_up_corpus, query, language, fresh
):
    corpus, caught_up_index = caught_up_corpus
    use_index(caught_up_index, fresh)
    on, off = both_ways(
        lambda: {
            "press": page_html(client, "/press/", query, language),
            "node": page_html(client, "/countries/moldova/", query, language),
            "releases": api_json(client, "/api/v1/releases/", query, language),
            "facets": api_json(client, "/api/v1/facets/", query, language),
        }
    )
    for what in on:
        assert on[what] == off[what], (what, query, language)
    event(f"API status {on['releases'][0]}, {on['releases'][1].get('count', 0) > 0}")
    # The page lists what the in-process listing says, and the API the same releases.
    with override_settings(PRESS_PAGE_SIZE=PAGE_SIZE):
        expected = listing_state(query, language)
    slugs = {r.slug: r.pk for r in corpus.values()}
    status, _location, html = on["press"]
    if status == 200:
        assert result_count(html) == expected["count"]
        assert [slugs[s] for s in result_slugs(html)] == expected["ids"], query
    status, answer = on["releases"]
    if status == 200:
        assert answer["count"] == expected["count"]
        assert [slugs[r["slug"]] for r in answer["results"]] == expected["ids"], query


@pytest.fixture
def small_pages():
    with override_settings(PRESS_PAGE_SIZE=PAGE_SIZE, PAGE_CACHE_ENABLED=False):
        yield


def test_the_pages_compared_are_pages_of_results(client, corpus, small_pages):
    """A control for the comparison above: the pages parsed hold results, and they
    change with the data."""
    c = corpus
    moldova = ["twin", "new_year", "chisinau", "moldova_vote"]
    status, _location, html = page_html(client, "/press/", "country=moldova&page=2", "en")
    assert status == 200
    assert result_count(html) == 4
    assert result_slugs(html) == [c["moldova_vote"].slug]
    _status, _location, html = page_html(client, "/press/", "country=moldova", "en")
    assert result_slugs(html) == [c[k].slug for k in moldova[:PAGE_SIZE]]
    status, _location, html = page_html(client, "/countries/moldova/", "sort=date", "en")
    assert status == 200 and result_count(html) == 4
    assert result_slugs(html) == [c[k].slug for k in moldova[::-1][:PAGE_SIZE]]
    c["twin"].status = "withdrawn"
    c["twin"].save()
    _status, _location, html = page_html(client, "/press/", "country=moldova", "en")
    assert result_count(html) == 3
    assert result_slugs(html) == [c[k].slug for k in moldova[1:]]


# --- hand-written expectations ------------------------------------------------------------

#: The English public releases, newest first.
EN_PUBLIC = ["field", "monitors", "media_laws", "midnight", "youth_forum", "twin", "zagreb",
             "tokyo", "new_year", "late_night", "chisinau", "ceasefire", "moldova_vote",
             "croatia"]  # fmt: skip


#: (query, language, the releases listed, newest first unless sorted), written down by hand.
BY_HAND = [
    # Newest first; "twin" and "zagreb" share an instant: the newer id first.
    ("", "en", EN_PUBLIC),
    ("sort=date", "en", EN_PUBLIC[::-1]),
    ("", "ru", ["ru_tokyo", "ru_serbia", "ru_moldova"]),
    ("country=moldova", "en", ["twin", "new_year", "chisinau", "moldova_vote"]),
    ("country=participating-states", "en",
     ["media_laws", "twin", "zagreb", "new_year", "late_night", "chisinau", "ceasefire",
      "moldova_vote", "croatia"]),
    ("country=moldova&country=japan", "en",
     ["twin", "tokyo", "new_year", "chisinau", "moldova_vote"]),
    ("topic=media-freedom-and-development", "en", ["media_laws", "zagreb", "chisinau"]),
    ("structure=secretariat", "en", ["youth_forum", "ceasefire"]),
    ("structure=field-operations", "en", ["field", "moldova_vote"]),
    ("structure=office-in-zagreb", "en", ["zagreb"]),
    ("structure=office-in-zagreb&predecessors=1", "en", ["zagreb", "croatia"]),
    ("meeting=annual-osce-asian-conferences", "ru", ["ru_tokyo"]),
    ("meeting=no-such-meeting", "en", []),
    ("type=statement&type=feature", "en", ["field", "new_year", "late_night"]),
    # The year in Vienna: 00:30 on 1 January is 2024, 23:30 the night before 2023.
    ("year=2024", "en", ["youth_forum", "twin", "zagreb", "tokyo", "new_year"]),
    ("year=2023&topic=elections", "en", ["late_night", "moldova_vote"]),
    ("date_to=2023-12-31&date_from=2023-11-05", "en", ["late_night", "chisinau"]),
    ("date_from=2024-01-01&date_to=2023-12-31", "en", ["new_year", "late_night"]),  # swapped
    ("date_from=2025-01-01&country=serbia", "en", ["media_laws"]),
    # Exactly midnight, 1 January 2025 in Vienna: that day, that year, not the day before.
    ("date_from=2025-01-01&type=speech", "en", ["midnight"]),
    ("date_to=2025-01-01&date_from=2025-01-01", "en", ["midnight"]),
    ("date_to=2024-12-31&type=speech", "en", []),
    ("year=2025&type=speech", "en", ["midnight"]),
    ("year=2024&type=speech", "en", []),
    ("q=ceasefire", "en", ["monitors", "ceasefire"]),
    ("q=ceasefire&sort=date", "en", ["ceasefire", "monitors"]),
    ("topic=elections&country=serbia", "ru", ["ru_serbia"]),
]  # fmt: skip


@pytest.mark.parametrize("on", [True, False])
def test_listings_written_down_by_hand(corpus, on):
    wrong = []
    for query, language, expected in BY_HAND:
        with override_settings(LISTING_INDEX=on, PRESS_PAGE_SIZE=100):
            state = listing_state(query, language)
        ids = [corpus[k].pk for k in expected]
        if state["ids"] != ids or state["count"] != len(expected):
            names = {r.pk: k for k, r in corpus.items()}
            wrong.append((query, language, [names.get(pk, pk) for pk in state["ids"]]))
    assert wrong == []


@pytest.mark.parametrize("on", [True, False])
def test_facets_written_down_by_hand(corpus, on):
    topics = {t.slug: t.pk for t in Topic.objects.all()}
    countries = {c.slug: c.pk for c in Country.objects.all()}
    with override_settings(LISTING_INDEX=on):
        facets = listing_state("country=moldova&topic=elections", "en")["facets"]
    # The country facet without the country filter: the English public elections
    # releases are moldova_vote (Moldova), late_night (Serbia), twin (Moldova), youth_forum.
    assert facets["country"] == {
        countries["participating-states"]: 3,
        countries["moldova"]: 2,
        countries["serbia"]: 1,
    }
    # The topic facet without the topic filter: Moldova's four English public releases.
    assert facets["topic"] == {
        topics["elections"]: 2,
        topics["media-freedom-and-development"]: 1,
        topics["safety-of-journalists"]: 1,
        topics["youth"]: 1,
    }
    # Both filters: moldova_vote (2023) and twin (2024).
    assert facets["year"] == {2023: 1, 2024: 1}


# --- catching up -------------------------------------------------------------------------


class Spy:
    """Counts the real ``Index.build`` and ``Index.caught_up`` calls (they still run)."""

    def __init__(self, monkeypatch):
        self.built, self.caught = [], []
        build, caught_up = listing_index.Index.build, listing_index.Index.caught_up

        def counting_build(cls, using, seq):
            self.built.append(seq)
            return build(using, seq)

        def counting_caught_up(index, seq, release_ids, using):
            self.caught.append((index.seq, seq, set(release_ids)))
            return caught_up(index, seq, release_ids, using)

        monkeypatch.setattr(listing_index.Index, "build", classmethod(counting_build))
        monkeypatch.setattr(listing_index.Index, "caught_up", counting_caught_up)

    def reset(self):
        self.built.clear()
        self.caught.clear()


@pytest.fixture
def spy(monkeypatch):
    return Spy(monkeypatch)


def public(index, language="en"):
    """The ids public now in ``language``, newest first."""
    return index.page(index.public(language, clock.now()), 0, 10**6)


def public_under(index, param, slug, language="en"):
    bits = index.public(language, clock.now()) & index.under(param, [node(param, slug).pk])
    return set(index.page(bits, 0, 10**6))


def caught_up(spy, before, release_ids):
    """The index now, after checking it caught up from ``before`` on exactly ``release_ids``."""
    after = listing_index.current()
    assert spy.built == [], "built afresh instead of catching up"
    assert after.seq > before.seq
    assert after.seq == listing_index.clock_seq("default")
    assert spy.caught and spy.caught[-1][1] == after.seq
    assert set().union(*(ids for _from, _to, ids in spy.caught)) == set(release_ids)
    assert listing_index._shared["default"] is after
    spy.reset()
    return after


def test_every_write_is_caught_up_not_rebuilt(corpus, spy, time_machine):
    c = corpus
    index = listing_index.current()
    assert spy.built == [index.seq] and index.seq == listing_index.clock_seq("default")
    assert public(index) == [c[k].pk for k in EN_PUBLIC]
    spy.reset()
    # Nothing written: the very same snapshot, nothing read again.
    assert listing_index.current() is index
    assert spy.built == [] and spy.caught == []

    # Publishing the draft: public, newest of all (published now).
    draft = c["draft"]
    draft.status, draft.published_at = "published", clock.now() - datetime.timedelta(minutes=5)
    draft.save()
    index = caught_up(spy, index, [draft.pk])
    assert public(index) == [draft.pk] + [c[k].pk for k in EN_PUBLIC]
    assert public_under(index, "country", "moldova") == {
        c[k].pk for k in ("draft", "moldova_vote", "chisinau", "new_year", "twin")
    }

    # Withdrawing one and unpublishing another (back to a draft).
    for key, status in (("twin", "withdrawn"), ("chisinau", "draft")):
        c[key].status = status
        c[key].save()
    index = caught_up(spy, index, [c["twin"].pk, c["chisinau"].pk])
    assert public_under(index, "country", "moldova") == {
        c[k].pk for k in ("draft", "moldova_vote", "new_year")
    }

    # Re-tagged from the release's side: Tokyo's release now about Serbia.
    c["tokyo"].countries.set([node("country", "serbia")])
    index = caught_up(spy, index, [c["tokyo"].pk])
    assert c["tokyo"].pk in public_under(index, "country", "participating-states")
    assert public_under(index, "country", "asian-partners-for-co-operation") == set()

    # Re-tagged from the node's side: Japan gains the Moldova release, then loses it.
    japan = node("country", "japan")
    japan.press_releases.add(c["moldova_vote"])
    index = caught_up(spy, index, [c["moldova_vote"].pk])
    assert public_under(index, "country", "japan") == {c["moldova_vote"].pk}
    japan.press_releases.clear()  # the Russian Tokyo release loses Japan too
    index = caught_up(spy, index, [c["moldova_vote"].pk, c["ru_tokyo"].pk])
    assert public_under(index, "country", "asian-partners-for-co-operation") == set()
    assert public_under(index, "country", "asian-partners-for-co-operation", "ru") == set()
    assert public_under(index, "meeting", "annual-osce-asian-conferences", "ru") == {
        c["ru_tokyo"].pk
    }

    # Another language: the Zagreb release becomes Russian.
    c["zagreb"].language = "ru"
    c["zagreb"].save()
    index = caught_up(spy, index, [c["zagreb"].pk])
    assert c["zagreb"].pk not in public(index, "en")
    assert public(index, "ru") == [c[k].pk for k in ("ru_tokyo", "ru_serbia", "zagreb",
                                                     "ru_moldova")]  # fmt: skip

    # A node moves: Moldova under the Asian Partners; its releases follow.
    moldova = node("country", "moldova")
    moldova.move_to(node("country", "asian-partners-for-co-operation"), "last-child")
    tagged = ["moldova_vote", "new_year", "twin", "chisinau", "draft", "withdrawn", "scheduled",
              "ru_moldova", "ru_draft"]  # fmt: skip
    # The index holds published releases only: a draft or a withdrawn one is not read.
    published = set(PressRelease.objects.filter(status="published").values_list("pk", flat=True))
    index = caught_up(spy, index, [c[k].pk for k in tagged if c[k].pk in published])
    assert public_under(index, "country", "asian-partners-for-co-operation") == {
        c[k].pk for k in ("draft", "moldova_vote", "new_year")
    }
    assert public_under(index, "country", "participating-states") == {
        c[k].pk for k in ("new_year", "late_night", "media_laws", "tokyo", "ceasefire", "croatia")
    }

    # Nodes merge: a duplicate topic's releases join the survivor's.
    duplicate = Topic.objects.create(name="Elections (old)", slug="elections-old")
    c["monitors"].topics.add(duplicate)
    index = caught_up(spy, index, [c["monitors"].pk])
    assert public_under(index, "topic", "elections-old") == {c["monitors"].pk}
    merge_nodes(survivor=node("topic", "elections"), others=[duplicate])
    index = caught_up(spy, index, [c["monitors"].pk])
    assert public_under(index, "topic", "elections") == {
        c[k].pk for k in ("draft", "moldova_vote", "late_night", "youth_forum", "monitors")
    }

    # Moved in time and type: the ceasefire release to 2025, a speech.
    years = index.counts("year", index.public("en", clock.now()))
    c["ceasefire"].published_at = at(2025, 2, 2)
    c["ceasefire"].type = ReleaseType.objects.get(slug="speech")
    c["ceasefire"].save()
    index = caught_up(spy, index, [c["ceasefire"].pk])
    assert index.counts("year", index.public("en", clock.now())) == {
        **years,
        2023: years[2023] - 1,
        2025: years[2025] + 1,
    }
    speech = ReleaseType.objects.get(slug="speech").pk
    assert index.counts("type", index.public("en", clock.now()))[speech] == 2  # and midnight

    # A release deleted.
    gone = c["late_night"].pk
    c["late_night"].delete()
    index = caught_up(spy, index, [gone])
    assert gone not in public(index)
    assert gone not in public_under(index, "topic", "elections")

    # A release made and deleted between two reads: never seen, nothing left of it.
    fleeting = make_release("Here and gone", tags={"countries": ["serbia"]})
    fleeting_pk = fleeting.pk
    fleeting.delete()
    index = caught_up(spy, index, [fleeting_pk])
    assert fleeting_pk not in public(index)

    # A scheduled release's time comes: no write, no tick, it is public by itself.
    time_machine.move_to(c["scheduled"].published_at + datetime.timedelta(minutes=1))
    assert listing_index.current() is index
    assert spy.built == [] and spy.caught == []
    assert c["scheduled"].pk == public(index)[0]
    assert public_under(index, "country", "moldova") == {
        c[k].pk for k in ("scheduled", "draft", "moldova_vote", "new_year")
    }
    assert c["ru_scheduled"].pk in public(index, "ru")
    # ... as the SQL says.
    for language in ("en", "ru"):
        assert public(index, language) == list(
            PressRelease.objects.published().in_language(language)
            .order_by("-published_at", "-pk").values_list("pk", flat=True)
        )  # fmt: skip
    # The next write folds the two now-due releases into the read model: it notes them.
    c["youth_forum"].title = "Youth forum, retitled"
    c["youth_forum"].save()
    index = caught_up(spy, index, [c[k].pk for k in ("youth_forum", "scheduled", "ru_scheduled")])
    assert c["scheduled"].pk == public(index)[0]
    assert listing_index.verify() == []
    assert listing_model.verify() == []


def test_a_release_read_again_keeps_its_place(corpus, spy):
    """The smallest catching up on a release the index holds already: a title saved."""
    c = corpus
    moldova = node("country", "moldova").pk
    index = listing_index.current()
    spy.reset()
    assert index.counts("country", index.public("en", clock.now()))[moldova] == 4
    c["twin"].title = "Twin release, retitled"
    c["twin"].save()
    index = caught_up(spy, index, [c["twin"].pk])
    assert public_under(index, "country", "moldova") == {
        c[k].pk for k in ("twin", "new_year", "chisinau", "moldova_vote")
    }
    assert public(index) == [c[k].pk for k in EN_PUBLIC]
    c["twin"].title = "Twin release, retitled again"
    c["twin"].save()
    index = caught_up(spy, index, [c["twin"].pk])
    assert index.counts("country", index.public("en", clock.now()))[moldova] == 4
    assert public(index) == [c[k].pk for k in EN_PUBLIC]


def test_a_write_of_more_than_rebuild_at_releases_builds_afresh(corpus, spy, monkeypatch):
    c = corpus
    index = listing_index.current()
    spy.reset()
    monkeypatch.setattr(listing_index, "REBUILD_AT", 2)
    # A node move of two releases (chisinau, media_laws, under the Representative on
    # Freedom of the Media): no more than REBUILD_AT, caught up.
    media = node("structure", "representative-on-freedom-of-the-media")
    media.move_to(node("structure", "secretariat"), "last-child")
    index = caught_up(spy, index, [c["chisinau"].pk, c["media_laws"].pk])
    assert public_under(index, "structure", "secretariat") == {
        c[k].pk for k in ("ceasefire", "youth_forum", "chisinau", "media_laws")
    }
    assert public_under(index, "structure", "institutions") == {c["moldova_vote"].pk}
    # One write of four releases, more than REBUILD_AT: "everything" noted, built afresh.
    closed = node("structure", "closed-field-activities")
    with transaction.atomic(), listing_model.refreshed_once():
        for key in ("croatia", "monitors", "moldova_vote", "field"):
            c[key].structures.add(closed)
    assert ListingChange.objects.filter(release_id__isnull=True).exists()
    index = listing_index.current()
    assert spy.built == [index.seq] and spy.caught == []
    assert public_under(index, "structure", "closed-field-activities") == {
        c[k].pk for k in ("croatia", "zagreb", "monitors", "moldova_vote", "field")
    }
    assert listing_index.verify() == []


def test_pruned_notes_and_a_clock_gone_back_build_afresh(corpus, spy):
    c = corpus
    index = listing_index.current()
    spy.reset()
    c["draft"].status, c["draft"].published_at = "published", at(2023, 1, 2)
    c["draft"].save()
    ListingChange.objects.all().delete()  # the notes were pruned
    index = listing_index.current()
    assert spy.built == [index.seq] and spy.caught == []
    assert c["draft"].pk == public(index)[-1]  # the oldest
    assert listing_index.verify() == []
    spy.reset()
    # The clock goes back (a database restored from a backup): built afresh again.
    c["twin"].delete()
    ListingClock.objects.update(seq=1)
    index = listing_index.current()
    assert spy.built == [1] and index.seq == 1
    assert c["twin"].pk not in public(index)
    assert public(index) == list(
        PressRelease.objects.published().in_language("en").order_by("-published_at", "-pk")
        .values_list("pk", flat=True)
    )  # fmt: skip


def test_new_releases_beyond_the_room_left_grow_the_index(corpus, spy):
    """A built index has room for some more releases; past it, catching up grows it."""
    index = listing_index.current()
    spy.reset()
    size, used = len(index.ids), index.used
    made = [make_release(f"Growth {i}", published_at=at(2022, 1, 1) + datetime.timedelta(hours=i),
                         tags={"countries": ["moldova"]})
            for i in range(size - used + 3)]  # fmt: skip
    index = listing_index.current()
    assert spy.built == []
    assert len(index.ids) > size and index.used == used + len(made)
    assert {r.pk for r in made} <= public_under(index, "country", "moldova")
    assert public(index)[-len(made) :] == [r.pk for r in reversed(made)]
    assert listing_index.verify() == []


# --- transactions -------------------------------------------------------------------------


def test_a_request_inside_its_own_transaction_stores_nothing(client, corpus, small_pages):
    stored = listing_index.current()
    assert listing_index._shared["default"] is stored
    c = corpus
    c["draft"].status, c["draft"].published_at = "published", clock.now()
    c["draft"].save()
    with transaction.atomic():
        response = client.get("/press/", {"country": "moldova"})
        assert response.status_code == 200
        assert 'data-result-count="5"' in response.content.decode()  # it saw the new one
        seen = listing_index.current()
        assert seen.seq > stored.seq
    assert listing_index._shared["default"] is stored  # nothing stored from inside
    # Outside, the next request catches up and stores.
    assert 'data-result-count="5"' in client.get("/press/?country=moldova").content.decode()
    assert listing_index._shared["default"].seq == listing_index.clock_seq("default")


def test_a_rolled_back_write_leaves_the_index_as_the_database_has_it(corpus):
    c = corpus
    stored = listing_index.current()
    before = public(stored)

    class RolledBack(Exception):
        pass

    with pytest.raises(RolledBack), transaction.atomic():
        c["draft"].status, c["draft"].published_at = "published", clock.now()
        c["draft"].save()
        inside = listing_index.current()
        assert c["draft"].pk in public(inside)  # the transaction sees its own write
        raise RolledBack
    assert listing_index._shared["default"] is stored
    assert public(listing_index.current()) == before
    # Another write takes the rolled-back tick's number: what it wrote, and only that.
    c["twin"].status = "withdrawn"
    c["twin"].save()
    index = listing_index.current()
    assert index.seq == inside.seq
    assert public(index) == [pk for pk in before if pk != c["twin"].pk]
    assert listing_index.verify() == []


# --- verify and rebuild ------------------------------------------------------------------


def clear_bit(index, name, value, release_id):
    values = index.values[name]
    slot = int(index.slot_by_id[release_id])
    row = values.row[value]
    values.matrix[row, slot // 64] &= np.uint64(~(1 << (slot % 64)) & (2**64 - 1))


def test_verify_finds_a_corrupted_snapshot_and_rebuild_fixes_it(corpus):
    c = corpus
    assert listing_index.verify() == []  # positive control: right before the damage
    index = listing_index._shared["default"]
    moldova = node("country", "moldova").pk
    clear_bit(index, "country", moldova, c["twin"].pk)
    assert c["twin"].pk not in public_under(index, "country", "moldova")
    problems = listing_index.verify()
    assert problems == [
        f"listing index: 1 country value(s) hold other releases than the rows, e.g. {moldova}"
    ]
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("check_trees", stdout=StringIO(), stderr=err)
    assert "listing index: BROKEN" in err.getvalue()
    listing_index.rebuild()
    assert listing_index.verify() == []
    assert c["twin"].pk in public_under(listing_index.current(), "country", "moldova")
    # A scheduled release's time corrupted: the public listing differs.
    index = listing_index._shared["default"]
    index.times[int(index.slot_by_id[c["scheduled"].pk])] = listing_index.micro(at(2024, 1, 1))
    index._order()  # as if the time had been read wrong
    assert any("public releases in en differ" in p for p in listing_index.verify())
    out = StringIO()
    call_command("check_trees", rebuild=True, stdout=out, stderr=StringIO())
    assert "listing index: rebuilt" in out.getvalue()
    assert listing_index.verify() == []


def test_check_trees_finds_nothing_wrong_after_writes(corpus):
    c = corpus
    listing_index.current()
    c["draft"].status, c["draft"].published_at = "published", clock.now()
    c["draft"].save()
    c["tokyo"].countries.set([node("country", "moldova")])
    node("country", "serbia").press_releases.add(c["monitors"])
    c["late_night"].delete()
    node("structure", "office-in-zagreb").move_to(node("structure", "institutions"), "last-child")
    out, err = StringIO(), StringIO()
    call_command("check_trees", stdout=out, stderr=err)
    assert "listing index: intact" in out.getvalue()
    assert "BROKEN" not in out.getvalue() + err.getvalue()


# --- concurrent writers (PostgreSQL) -----------------------------------------------------


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_two_writers_at_once_both_tick_and_both_are_seen(taxonomy, spy):
    assert connection.vendor == "postgresql"
    first = make_release("First writer's", tags={"countries": ["moldova"]})
    second = make_release("Second writer's", tags={"countries": ["serbia"]})
    index = listing_index.current()
    spy.reset()
    start = listing_index.clock_seq("default")
    barrier = threading.Barrier(2, timeout=30)
    errors = []

    def write(pk, change):
        try:
            release = PressRelease.objects.get(pk=pk)
            barrier.wait()
            change(release)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    def unpublish(release):
        release.status = "draft"
        release.save()

    def retype(release):
        release.type = ReleaseType.objects.get(slug="news")
        release.published_at = at(2020, 5, 5)
        release.save()

    threads = [
        threading.Thread(target=write, args=(first.pk, unpublish)),
        threading.Thread(target=write, args=(second.pk, retype)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert listing_index.clock_seq("default") == start + 2
    notes = set(ListingChange.objects.filter(seq__gt=start).values_list("seq", "release_id"))
    assert {pk for _seq, pk in notes} == {first.pk, second.pk}
    assert {seq for seq, _pk in notes} == {start + 1, start + 2}
    index = caught_up(spy, index, [first.pk, second.pk])
    assert first.pk not in public(index)
    assert public(index) == [second.pk]
    news = ReleaseType.objects.get(slug="news").pk
    bits = index.public("en", clock.now())
    assert index.counts("type", bits) == {news: 1}
    assert index.counts("year", bits) == {2020: 1}
    assert listing_index.verify() == []


# --- what a review of the change found ------------------------------------------------


def test_many_new_releases_are_looked_up_once_not_once_each(corpus, spy, monkeypatch):
    """Catching up on new releases makes the id lookup once, not once per new release
    (it was rebuilt per release: 3.5 s for 2,000 new ones at 100,000 releases)."""
    index = listing_index.current()
    made = [make_release(f"New one {i}", published_at=at(2025, 3, 1 + i)) for i in range(12)]
    lookups = []
    real = listing_index._slot_lookup

    def counting(ids, n):
        lookups.append(n)
        return real(ids, n)

    monkeypatch.setattr(listing_index, "_slot_lookup", counting)
    spy.reset()
    after = caught_up(spy, index, [r.pk for r in made])
    assert len(lookups) == 1
    shown = public(after)
    assert [pk for pk in shown if pk in {r.pk for r in made}] == [r.pk for r in reversed(made)]


def test_a_snapshot_already_stored_serves_without_a_build(corpus, spy):
    """A thread that read the clock before another stored the snapshot it needs takes
    that snapshot: no build, and nothing older is stored over it."""
    index = listing_index.current()
    spy.reset()
    assert listing_index._catch_up("default") is index
    assert spy.built == [] and spy.caught == []
    assert listing_index._shared["default"] is index


def test_rebuild_makes_every_process_build_afresh(corpus, spy):
    """``check_trees --rebuild`` reaches every process's index: it ticks and notes everything."""
    listing_index.current()
    before = listing_index.clock_seq("default")
    listing_index.rebuild()
    assert listing_index.clock_seq("default") == before + 1
    assert list(
        ListingChange.objects.filter(seq=before + 1).values_list("release_id", flat=True)
    ) == [None]
    # Another process, holding the snapshot from before, builds afresh at its next request.
    listing_index._shared["default"] = listing_index.Index.build("default", before)
    spy.reset()
    listing_index.current()
    assert spy.built == [before + 1]


def test_dumpdata_walks_every_model(corpus):
    """The narrow search table exists on both databases (empty on SQLite)."""
    out = StringIO()
    call_command("dumpdata", "press.searchmatch", "press.pressrelease", stdout=out)
    assert '"model": "press.pressrelease"' in out.getvalue()
    matches = out.getvalue().count('"model": "press.searchmatch"')
    assert matches == (PressRelease.objects.count() if connection.vendor == "postgresql" else 0)


def test_a_withdrawn_release_never_shows_from_a_snapshot_a_moment_behind(corpus, client):
    """The page reads its releases as public still: a request's snapshot may predate a
    withdrawal committed a moment ago."""
    index = listing_index.current()
    shown = public(index)[0]
    PressRelease.objects.filter(pk=shown).update(status="withdrawn")  # no tick: as if in flight
    filterset = PressReleaseFilterSet(QueryDict(""), queryset=PressRelease.objects.published())
    paginator = listing_paginator(filterset, 20, base_key="all", base_rows=[])
    rows = page_rows(paginator.get_page(1).object_list, "", 0)
    assert shown not in [r.pk for r in rows]
    assert rows  # the others still show


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_a_rebuild_and_a_write_at_once_do_not_deadlock(taxonomy, monkeypatch):
    """``listing_model.rebuild()`` takes the clock first, as every writer does: a write
    during a rebuild waits for it (it deadlocked when the rebuild ticked last)."""
    assert connection.vendor == "postgresql"
    release = make_release("Written during a rebuild", tags={"countries": ["moldova"]})
    real_tick = listing_model.tick
    rebuilding = threading.Event()

    def slow_tick(cursor, release_ids):
        seq = real_tick(cursor, release_ids)
        if release_ids is None:  # the rebuild's: hold the clock a while
            rebuilding.set()
            threading.Event().wait(1.5)
        return seq

    monkeypatch.setattr(listing_model, "tick", slow_tick)
    errors = []

    def run(work):
        try:
            work()
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    def write():
        rebuilding.wait(10)
        listing_model.refresh([release.pk])

    threads = [threading.Thread(target=run, args=(listing_model.rebuild,)),
               threading.Thread(target=run, args=(write,))]  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert listing_model.verify() == []
    assert listing_index.verify() == []


def test_a_draft_written_ticks_nothing_and_its_publication_does(corpus):
    """The index holds published releases: a draft saved (in a long transaction, say)
    takes no clock lock and holds no other writer back; publishing it ticks."""
    listing_index.current()
    before = listing_index.clock_seq("default")
    draft = make_release("A draft for a while", status="draft", tags={"countries": ["moldova"]})
    draft.title = "A draft for a while, edited"
    draft.save()
    assert listing_index.clock_seq("default") == before
    draft.status = "published"
    draft.published_at = at(2025, 6, 1)
    draft.save()
    assert listing_index.clock_seq("default") == before + 1
    assert draft.pk in public_under(listing_index.current(), "country", "moldova")
    draft.status = "draft"
    draft.save()  # it was published: the index must let it go
    assert listing_index.clock_seq("default") == before + 2
    assert draft.pk not in public_under(listing_index.current(), "country", "moldova")


def test_the_clock_brings_the_trees_version_of_the_request(corpus):
    """A request that reads the listing clock first reads the trees' version in the same
    query, and takes it as the request's; one that read the version already keeps it."""
    from taxonomy import versions
    from taxonomy.models import TreeVersion
    from taxonomy.versions import bump_tree_version, request_memo, tree_version

    def in_a_request(work):
        # What the request signals do to the memo (sending them would also close
        # the test's database connection).
        versions._start_request()
        try:
            return work()
        finally:
            versions._end_request()

    def clock_first():
        listing_index.current()
        return request_memo().get("tree"), tree_version()

    token = TreeVersion.objects.get(pk=1).token
    assert in_a_request(clock_first) == (token, token)
    bump_tree_version()
    new = TreeVersion.objects.get(pk=1).token
    assert new != token  # positive control: the version did change
    assert in_a_request(clock_first) == (new, new)

    def version_first():
        request_memo()["tree"] = "read before"
        listing_index.current()
        return tree_version()

    assert in_a_request(version_first) == "read before"


@pytest.mark.parametrize(
    ("walk_share", "walk_first"),
    [
        (1, 1),  # always walked, one slot first: steps of 1, 2, 4, ... across pages
        (1, 256),  # always walked, as shipped: one step here
        (4, 256),  # as shipped
        (10**9, 256),  # never walked
    ],
)
def test_a_page_of_any_selection_is_its_releases_newest_first(
    corpus, monkeypatch, walk_share, walk_first
):
    """``Index.page`` walks the listing's order for a page near the start of a large
    selection, and ranks the selection otherwise: either way the page is the
    selection's releases ordered by publication time then id (newest first, or
    oldest first), as the database orders them, written down independently here."""
    monkeypatch.setattr(listing_index, "WALK_SHARE", walk_share)
    monkeypatch.setattr(listing_index, "WALK_FIRST", walk_first)
    index = listing_index.current()
    public = PressRelease.objects.published().filter(language="en")
    newest = list(public.order_by("-published_at", "-pk").values_list("pk", flat=True))
    assert len(newest) >= 10  # enough for pages deep into a selection
    rng = np.random.default_rng(7)
    for trial in range(40):
        chosen = [pk for pk in newest if rng.random() < (0.3 + 0.7 * (trial % 2))]
        bits = index.having(chosen) & index.public("en", clock.now())
        expected = [pk for pk in newest if pk in set(chosen)]
        for offset, limit in ((0, 1), (0, 3), (2, 3), (len(expected) - 1, 3), (0, 100)):
            offset = max(offset, 0)
            assert index.page(bits, offset, limit) == expected[offset : offset + limit]
            oldest = expected[::-1][offset : offset + limit]
            assert index.page(bits, offset, limit, oldest_first=True) == oldest
        assert index.page(bits, len(expected), 3) == []
        assert index.page(bits, 0, 0) == []
