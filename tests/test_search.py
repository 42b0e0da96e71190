"""Search: the same query language, stemming and ranking on SQLite (FTS5) as on PostgreSQL.

Most tests run on either database (``DATABASE_URL`` picks it): they are the
contract both keep. Those about the FTS5 index itself (accent folding,
triggers, the query builder) run on SQLite only.
"""

import html
import html.parser
import re

import pytest
from django.conf import settings
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from press import statements
from press.filters import PressReleaseFilterSet
from press.models import PressRelease
from press.search import parse

from .factories import PressReleaseFactory

pytestmark = pytest.mark.usefixtures("taxonomy")
requires_sqlite = pytest.mark.skipif(settings.IS_POSTGRES, reason="the SQLite FTS5 index")


def found(q, **params):
    """Titles of the public releases the listing finds for ``q``, in the listing's order."""
    filterset = PressReleaseFilterSet({"q": q, **params}, queryset=PressRelease.objects.published())
    return [release.title for release in filterset.qs]


def listing(client, q):
    return client.get("/press/", {"q": q}).content.decode()


def result_count(page):
    return int(re.search(r'data-result-count="(\d+)"', page).group(1))


# --- what a visitor types ------------------------------------------------------
class TestWords:
    @pytest.fixture
    def releases(self):
        for title in [
            "Children trafficked across borders, report finds",
            "Combating trafficking in children",
            "Trafficking in human beings: a conference",
            "Child protection in schools",
        ]:
            PressReleaseFactory(title=title)

    def test_every_word_must_match_in_any_form(self, releases):
        # trafficking/trafficked share the stem "traffick"; "children" is its
        # own stem (not "child"), in Porter and in PostgreSQL's english.
        assert sorted(found("trafficking children")) == [
            "Children trafficked across borders, report finds",
            "Combating trafficking in children",
        ]

    def test_a_word_found_whatever_its_case(self, releases):
        assert found("CHILD") == ["Child protection in schools"]

    def test_punctuation_and_operators_of_fts5_are_just_text(self, releases):
        both = [
            "Children trafficked across borders, report finds",
            "Combating trafficking in children",
        ]
        assert sorted(found("children* ^trafficking")) == both
        assert sorted(found("(children) + NEAR trafficked")) == []  # "near" is a word here
        assert sorted(found("(children) + trafficked")) == both
        assert found("title:children") == []  # the phrase "title children", not a column filter

    def test_a_very_common_word_alone_finds_nothing_and_says_why(self, client, releases):
        assert found("a") == []
        assert found("the") == []
        page = listing(client, "a")
        assert result_count(page) == 0
        assert "“a” is too common to search for" in html.unescape(page)

    def test_a_common_word_beside_a_real_one_is_just_left_out(self, client, releases):
        assert sorted(found("a child")) == ["Child protection in schools"]
        assert "too common" not in listing(client, "a child")

    def test_a_short_word_matches_whole_words_only(self):
        PressReleaseFactory(title="Elections in Serbia")
        PressReleaseFactory(title="Article 5 of the agreement")
        assert found("5") == ["Article 5 of the agreement"]
        assert found("e") == []


@requires_sqlite
def test_accents_are_folded_both_ways():
    PressReleaseFactory(title="Mission opens office in Nikšić")
    PressReleaseFactory(title="Training in Niksic for police")
    assert sorted(found("Niksic")) == [
        "Mission opens office in Nikšić",
        "Training in Niksic for police",
    ]
    assert sorted(found("NIKŠIĆ")) == [
        "Mission opens office in Nikšić",
        "Training in Niksic for police",
    ]


class TestWebsearchSyntax:
    """``websearch_to_tsquery``: phrases, exclusion, or."""

    @pytest.fixture(autouse=True)
    def releases(self, taxonomy):
        PressReleaseFactory(title="Water management in Central Asia")
        PressReleaseFactory(title="Management of water resources")
        PressReleaseFactory(title="Border management training")
        PressReleaseFactory(title="Election observers deployed")

    def test_a_quoted_phrase_needs_its_words_in_that_order(self):
        assert found('"water management"') == ["Water management in Central Asia"]

    def test_an_unclosed_quote_runs_to_the_end(self):
        assert found('"water management') == ["Water management in Central Asia"]

    def test_a_minus_excludes_a_word(self):
        assert sorted(found("management -water")) == ["Border management training"]

    def test_a_minus_excludes_a_phrase(self):
        assert sorted(found('management -"water management"')) == [
            "Border management training",
            "Management of water resources",
        ]

    def test_only_exclusions_find_everything_else(self):
        assert sorted(found("-management")) == ["Election observers deployed"]

    def test_or_between_two_words(self):
        assert sorted(found("border or election")) == [
            "Border management training",
            "Election observers deployed",
        ]

    def test_and_binds_tighter_than_or(self):
        # (training and border) or water, as websearch_to_tsquery reads it
        assert sorted(found("training border or water")) == [
            "Border management training",
            "Management of water resources",
            "Water management in Central Asia",
        ]

    def test_a_dangling_or_is_ignored(self):
        assert found("or border or") == ["Border management training"]

    def test_a_hyphenated_word_is_a_phrase(self):
        PressReleaseFactory(title="Co-operation in the region")
        PressReleaseFactory(title="Operation closed: a co-ordinator's view")
        assert found("co-operation") == ["Co-operation in the region"]


class TestRanking:
    @pytest.fixture(autouse=True)
    def releases(self, taxonomy):
        # Created body first, so newest-first order is the reverse of relevance.
        PressReleaseFactory(title="Another meeting", body="<p>The topic was water.</p>")
        PressReleaseFactory(title="Regional meeting", summary="Discussed water co-operation.")
        PressReleaseFactory(title="Water management in Central Asia", summary="Rivers.")

    def test_title_above_summary_above_body(self):
        assert found("water", sort="relevance") == [
            "Water management in Central Asia",
            "Regional meeting",
            "Another meeting",
        ]

    def test_rank_is_annotated_higher_is_better(self):
        ranks = {r.title: r.rank for r in PressRelease.objects.search("water")}
        assert ranks["Water management in Central Asia"] > ranks["Another meeting"] > 0

    def test_the_body_is_searched_as_text_not_markup(self):
        PressReleaseFactory(
            title="Marked up",
            body='<p><strong>Bold</strong> words &amp; a <a href="https://example.org/x">link</a></p>',
        )
        assert found("bold") == ["Marked up"]
        assert found("strong") == []  # a tag name
        assert found("href") == []  # an attribute
        assert found("amp") == []  # an entity


def test_headlines_mark_the_words_found_and_escape_the_text(client):
    PressReleaseFactory(
        title="Safe", summary="Typed <script>alert(1)</script> 5 < 7 & elections here"
    )
    PressReleaseFactory(
        title="Body only", body="<p>Observers said the <em>elections</em> were calm.</p>"
    )
    page = re.sub(r"\s+", " ", listing(client, "elections"))
    assert "5 &lt; 7 &amp; <mark>elections</mark>" in page
    assert "<script>alert(1)</script>" not in page
    assert "Observers said the <mark>elections</mark> were calm" in page


# --- every write path keeps the index ------------------------------------------
class TestIndexFollowsWrites:
    """Body words and inflected forms, so only the index (not a title substring) can find them."""

    def test_a_saved_release_is_found_by_its_body(self):
        PressReleaseFactory(title="Institutions meet", body="<p>Ombudspersons from ten states.</p>")
        assert found("ombudsperson") == ["Institutions meet"]

    def test_an_edit_replaces_the_old_words(self):
        release = PressReleaseFactory(title="Institutions meet", body="<p>Ombudspersons.</p>")
        release.title = "Parliamentarians meet"
        release.body = "<p>Budgets were discussed.</p>"
        release.save()
        assert found("ombudsperson") == []
        assert found("parliamentarian budget") == ["Parliamentarians meet"]

    def test_a_deleted_release_is_gone_and_the_others_stay(self):
        kept = PressReleaseFactory(title="Kept", body="<p>Ombudspersons met.</p>")
        PressReleaseFactory(title="Deleted", body="<p>Ombudspersons met.</p>").delete()
        assert found("ombudsperson") == [kept.title]

    def test_bulk_create_is_indexed(self):
        template = PressReleaseFactory.build(title="x")
        PressRelease.objects.bulk_create(
            [
                PressRelease(
                    title=f"Seeded release {n}",
                    slug=f"seeded-{n}",
                    type=template.type,
                    status="published",
                    published_at=template.published_at,
                    body=f"<p>Cybersecurity item {n}.</p>",
                )
                for n in range(3)
            ]
        )
        assert sorted(found("cybersecurity")) == [f"Seeded release {n}" for n in range(3)]

    def test_queryset_update_is_indexed(self):
        PressReleaseFactory(title="Institutions meet", body="<p>Ombudspersons.</p>")
        PressRelease.objects.update(body="<p>Anti-corruption agencies too.</p>")
        assert found("corruption") == ["Institutions meet"]
        assert found("ombudsperson") == []

    def test_drafts_and_scheduled_releases_are_never_found_by_the_public(self, client):
        from datetime import timedelta

        from taxonomy import clock

        PressReleaseFactory(title="Draft", status="draft", body="<p>Ombudspersons.</p>")
        PressReleaseFactory(
            title="Scheduled",
            published_at=clock.now() + timedelta(days=1),
            body="<p>Ombudspersons.</p>",
        )
        assert found("ombudsperson") == []
        assert result_count(listing(client, "ombudsperson")) == 0
        # Positive control: the words are indexed, only the public filter hides them.
        assert PressRelease.objects.search("ombudsperson").count() == 2


@requires_sqlite
def test_the_index_holds_exactly_the_releases():
    """Every write above goes through the same triggers: one row a release, no more."""
    releases = [PressReleaseFactory(title=f"Row {n}") for n in range(3)]
    releases[0].delete()
    PressRelease.objects.filter(pk=releases[1].pk).update(title="Row one again")
    with connection.cursor() as cursor:
        cursor.execute("SELECT rowid, release_id, title FROM press_pressrelease_fts ORDER BY rowid")
        rows = cursor.fetchall()
    assert rows == [
        (releases[1].pk, releases[1].pk, "Row one again"),
        (releases[2].pk, releases[2].pk, "Row 2"),
    ]


@requires_sqlite
@pytest.mark.django_db(transaction=True)
def test_triggers_dropped_by_a_table_rebuild_come_back_after_migrate(taxonomy):
    """SQLite alters a table by copying it: the copy has no triggers until post_migrate."""
    field = PressRelease._meta.get_field("place")
    wider = field.clone()
    wider.set_attributes_from_name("place")
    wider.max_length = field.max_length + 1
    with connection.schema_editor() as editor:
        editor.alter_field(PressRelease, field, wider)
    try:
        PressReleaseFactory(title="Written while the triggers were gone")
        assert found("gone") == []  # what a rebuilt table does to the index
        emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
        assert found("gone") == ["Written while the triggers were gone"]
        PressReleaseFactory(title="Written after the repair")
        assert found("repair") == ["Written after the repair"]
    finally:
        with connection.schema_editor() as editor:
            editor.alter_field(PressRelease, wider, field)
        emit_post_migrate_signal(verbosity=0, interactive=False, db="default")


# --- the query builder -----------------------------------------------------------
@requires_sqlite
class TestQueryBuilder:
    """Only quoted words ever reach FTS5's query language."""

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("trafficking children", '("trafficking" AND "children")'),
            ('"human rights" -elections', '(("human rights") NOT ("elections"))'),
            ("kosovo or serbia media", '("kosovo") OR ("serbia" AND "media")'),
            ("zz or -y", '("zz")'),
            ('title:foo NEAR(x) "a" *', '("title foo" AND "NEAR x")'),
            ('NEAR AND x ^ * ( ) ""', '("NEAR" AND "x")'),
            ('AND OR NOT "" ^ * ( )', None),
            ("-only -exclusions", None),
            ("the a of", None),
            ("\x00\x00", None),
        ],
    )
    def test_match_expressions(self, text, expected):
        assert parse(text).match == expected

    def test_the_number_of_terms_is_bounded(self):
        assert parse(" ".join(f"w{n}" for n in range(100))).match.count('"') == 2 * 16


hostile = st.one_of(
    st.text(max_size=200),
    st.lists(
        st.sampled_from(
            ['"', "'", "(", ")", "*", "^", ":", "-", "+", "NEAR", "NEAR/2", "AND", "OR", "NOT",
             "or", "title:", "body:", "{title summary}:", "\x00", "\\", "%", "_", "…", "Nikšić",
             "a", "x", "😀", "\u0301", "ǅ", "İ", "ﬃ", " ", "\t"]
        ),
        max_size=40,
    ).map("".join),
)  # fmt: skip


@hypothesis_settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=hostile)
def test_any_text_searches_without_error(text):
    """No input is a query-language error, and what comes back is a set of public releases."""
    PressReleaseFactory(title="Water management in Nikšić", summary="A NEAR (title) * release")
    results = PressRelease.objects.published().search(text)
    ids = list(results.values_list("pk", flat=True))
    assert len(ids) == len(set(ids))
    assert set(ids) <= set(PressRelease.objects.published().values_list("pk", flat=True))
    if "rank" in results.query.annotations:  # a blank query filters and ranks nothing
        results = results.order_by("-rank")
    list(results[:5].with_headlines(text))


@requires_sqlite  # PostgreSQL's parser reads "/word/" as a file path, "a@word" as an email
@hypothesis_settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    word=st.from_regex(r"[a-z]{3,12}", fullmatch=True),
    punctuation=st.text(alphabet=list("\"'()*^:+.,;!?/\\%_…[]{}<>|&~`@#$=\x00 \t"), max_size=8),
)
def test_a_word_of_the_title_finds_the_release(word, punctuation):
    """Sane results: a title word, whatever punctuation surrounds it, finds its release."""
    from press.search import STOP_WORDS

    if word in STOP_WORDS:
        return
    release = PressReleaseFactory(title=f"Statement on {word} today")
    assert release.pk in PressRelease.objects.search(
        f"{punctuation}{word}{punctuation}"
    ).values_list("pk", flat=True)


class SnippetText(html.parser.HTMLParser):
    """The text of each search snippet (``<p class="summary">``) as a browser shows it,
    with the words inside <mark> listed apart."""

    def __init__(self, page):
        super().__init__(convert_charrefs=True)
        self.snippets, self.marked = [], []
        self._depth = 0  # inside a snippet paragraph
        self._in_mark = False
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        if self._depth:
            self._depth += 1
            if tag == "mark":
                self._in_mark = True
                self.marked.append("")
            else:
                self.snippets[-1] += f"<{tag}>"  # any element but a mark is a failure
        elif tag == "p" and ("class", "summary") in attrs:
            self._depth = 1
            self.snippets.append("")

    def handle_endtag(self, tag):
        if self._depth:
            self._depth -= 1
            if tag == "mark":
                self._in_mark = False

    def handle_data(self, data):
        if self._depth:
            self.snippets[-1] += data
            if self._in_mark:
                self.marked[-1] += data


class TestSnippetsShowTheTextOnce:
    """A snippet shows what was written: escaped once in the page, never twice, never run.

    Runs on either database (DATABASE_URL): ts_headline on PostgreSQL, FTS5's
    snippet() on SQLite.
    """

    def snippets(self, client, q):
        page = listing(client, q)
        text = SnippetText(page)
        # White space as a browser shows it (tags in a body become spaces).
        text.snippets = [" ".join(s.split()) for s in text.snippets]
        return page, text

    def test_ampersand_in_the_body(self, client):
        PressReleaseFactory(
            title="Telecoms",
            summary="",
            body="<p>Talks with AT&amp;T on <em>roaming</em> today.</p>",
        )
        page, text = self.snippets(client, "roaming")
        (snippet,) = text.snippets
        # PostgreSQL cuts at word boundaries, SQLite keeps the sentence.
        assert "Talks with AT&T on roaming today" in snippet
        assert text.marked == ["roaming"]
        assert "AT&amp;T" in page
        assert "&amp;amp;" not in page

    def test_ampersand_in_the_summary(self, client):
        PressReleaseFactory(title="Telecoms", summary="Talks with AT&T on roaming.", body="")
        page, text = self.snippets(client, "roaming")
        (snippet,) = text.snippets
        assert "Talks with AT&T on roaming" in snippet
        assert text.marked == ["roaming"]
        assert "&amp;amp;" not in page

    def test_markup_written_as_text_in_the_body_stays_text(self, client):
        # The editor stores typed "<script>" as &lt;script&gt;, and nh3 keeps it so.
        PressReleaseFactory(
            title="Code",
            summary="",
            body="<p>The string &lt;script&gt;alert(1)&lt;/script&gt; was quoted in roaming.</p>",
        )
        page, text = self.snippets(client, "roaming")
        (snippet,) = text.snippets
        assert "<script>alert(1)</script> was quoted in roaming" in snippet
        assert text.marked == ["roaming"]
        assert "<script>alert(1)" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page

    def test_markup_typed_in_the_summary_stays_text(self, client):
        PressReleaseFactory(
            title="Code", summary='Quoted "<img src=x onerror=alert(1)>" on roaming.', body=""
        )
        page, text = self.snippets(client, "roaming")
        (snippet,) = text.snippets
        assert '"<img src=x onerror=alert(1)>" on roaming' in snippet
        assert "<img" not in page

    def test_the_parser_sees_markup_positive_control(self):
        """The check above would catch markup in a snippet, and a second escape."""
        text = SnippetText('<p class="summary">a <img src=x> <mark>b</mark> AT&amp;amp;T</p>')
        assert text.snippets == ["a <img> b AT&amp;T"]
        assert text.marked == ["b"]


# --- the narrow table's rows (PostgreSQL, migration 0017) ----------------------
def _pages_holding(table, ids):
    """How many heap pages the current rows of ``ids`` sit on (from their ctid)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(DISTINCT (ctid::text::point)[0]) FROM {table} "  # noqa: S608
            "WHERE release_id = ANY(%s)",
            [list(ids)],
        )
        return cursor.fetchone()[0]


@pytest.mark.skipif(not settings.IS_POSTGRES, reason="PostgreSQL's narrow search table")
def test_every_search_vector_is_stored_out_of_line():
    """A row of press_searchmatch is its id, a pointer and a compressed pad (87 bytes): the
    vectors, about 1.2 kB each here (under the 2 kB from which PostgreSQL toasts a row by
    itself), are in the TOAST table, so sixty rows share a page or two, after an edit too.
    Positive control: the same vectors in a table like it without the pad's default stay
    in their rows, six to a page."""
    words = " ".join(f"lexeme{i}" for i in range(70))
    ids = [
        PressReleaseFactory(title=f"Long {i}", body=f"<p>{words} n{i}</p>").pk for i in range(60)
    ]
    assert _pages_holding("press_searchmatch", ids) <= 3
    for release in PressRelease.objects.filter(pk__in=ids):
        release.body = f"<p>{words} edited</p>"
        release.save()
    assert _pages_holding("press_searchmatch", ids) <= 4
    assert PressRelease.objects.filter(search="edited").count() == 60  # the new vectors
    # First saved with a title alone (a vector short enough to stay in its row), then
    # with a long body: the trigger's update writes the pad whole, so the toaster
    # takes the new vector out too.
    short = [PressReleaseFactory(title=f"Short {i}").pk for i in range(60)]
    for release in PressRelease.objects.filter(pk__in=short):
        release.body = f"<p>{words} grown</p>"
        release.save()
    assert PressRelease.objects.filter(search="grown").count() == 60
    assert _pages_holding("press_searchmatch", short) <= 4

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE inline_matches (release_id bigint, search tsvector, pad text)"
            " WITH (toast_tuple_target = 128)"
        )
        cursor.execute("ALTER TABLE inline_matches ALTER COLUMN search SET STORAGE EXTERNAL")
        # A new value (``||``), not the stored pointer: what a trigger's INSERT carries.
        cursor.execute(
            "INSERT INTO inline_matches (release_id, search) "
            "SELECT release_id, search || ''::tsvector FROM press_searchmatch "
            "WHERE release_id = ANY(%s)",
            [ids],
        )
    assert _pages_holding("inline_matches", ids) >= 8


# --- a search made only of words to leave out ------------------------------------
EXCLUDING = [
    # (search, the titles it finds among those below, written down)
    ("-elections", ["Media freedom in the region", "Human rights defenders meet", "A quiet note"]),
    ("- elections", ["Media freedom in the region", "Human rights defenders meet", "A quiet note"]),
    ("-elections -media", ["Human rights defenders meet", "A quiet note"]),
    ("-elections or -media", [
        "Elections observed in the region", "Media freedom in the region",
        "Human rights defenders meet", "A quiet note",
    ]),
    ('-"human rights"', [
        "Elections observed in the region", "Elections and media", "Media freedom in the region",
        "A quiet note",
    ]),
    ('-"human rights" -region', ["Elections and media", "A quiet note"]),
    ("-the -elections", [
        "Media freedom in the region", "Human rights defenders meet", "A quiet note",
    ]),
]  # fmt: skip
CORPUS = [
    "Elections observed in the region",
    "Elections and media",
    "Media freedom in the region",
    "Human rights defenders meet",
    "A quiet note",
]


@pytest.mark.parametrize(("q", "titles"), EXCLUDING)
def test_a_search_of_words_to_leave_out_finds_the_rest(q, titles):
    """The listing finds every release without the words left out: on PostgreSQL from the
    index, as the complement of what the words find (``selection.excluded_ids``), the
    same releases as the queryset's search, which reads every vector."""
    from django.test.utils import CaptureQueriesContext

    from press.selection import Selection

    for title in CORPUS:
        PressReleaseFactory(title=title)
    filterset = PressReleaseFilterSet({"q": q}, queryset=PressRelease.objects.published())
    with CaptureQueriesContext(connection) as queries, statements.overlapped():
        chosen = Selection(filterset, [])  # as a listing page makes it
        ids = list(chosen.page(0, 50))
    by_pk = dict(PressRelease.objects.values_list("pk", "title"))
    assert sorted(by_pk[pk] for pk in ids) == sorted(found(q))  # the queryset's search
    if settings.IS_POSTGRES:  # PostgreSQL's websearch syntax; from the index
        assert sorted(by_pk[pk] for pk in ids) == sorted(titles)
        assert any("::tsquery" in query["sql"] for query in queries)
        # Never the search itself, which reads every vector (nor sent ahead).
        assert not any("search @@ websearch_to_tsquery" in query["sql"] for query in queries)


@pytest.mark.skipif(not settings.IS_POSTGRES, reason="PostgreSQL's full-text index")
@pytest.mark.parametrize("q", ["elections -media", "elections", "co-operation", "--elections"])
def test_a_search_with_a_word_to_find_is_searched_as_it_is(q):
    """Positive control: a search with a word to find (or one whose form is not only
    words left out) is not turned around."""
    from django.test.utils import CaptureQueriesContext

    from press.selection import Selection

    for title in CORPUS:
        PressReleaseFactory(title=title)
    filterset = PressReleaseFilterSet({"q": q}, queryset=PressRelease.objects.published())
    with CaptureQueriesContext(connection) as queries:
        ids = list(Selection(filterset, []).page(0, 50))
    assert not any("::tsquery" in query["sql"] for query in queries)
    by_pk = dict(PressRelease.objects.values_list("pk", "title"))
    assert sorted(by_pk[pk] for pk in ids) == sorted(found(q))
