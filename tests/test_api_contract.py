"""The JSON API keeps its OpenAPI contract: schemathesis against a live server.

The API's own document (``/api/v1/schema/``, drf-spectacular) is loaded over
real HTTP from pytest-django's ``live_server``; schemathesis then generates
requests for every operation in it, valid ones and invalid ones (its
examples, coverage and fuzzing phases), and runs all of its built-in checks
on every answer: no server error, a status code, content type, headers and
body the document declares, valid data accepted, invalid data refused, an
undeclared method refused with a 405 that says what is allowed.

The database holds the shipped trees and a few dozen releases tagged with
their nodes, so the generated slugs are real ones: the document gives each
slug parameter its own format (``topic-slug``, ``type-slug``, ...), and the
formats are registered here as the slugs of the database. A well-formed slug
that names nothing is invalid input (a 400), which is what the negative
cases then send.

The explicit tests below check what generation cannot: that the document is
served as JSON, that every operation was exercised, in both directions, that
every real release, a former slug (a declared 301) and the language prefixes
keep the contract, that invalid values in wire forms generation seldom sends
are refused, and that a wrong answer would indeed be caught (a positive
control).

``API_CONTRACT_MAX_EXAMPLES`` (default 100) sets the fuzzing cases per
operation, for a deeper run.
"""

import copy
import json
import os
import random
import zlib
from collections import Counter, defaultdict
from datetime import datetime, timedelta

import pytest
import requests
import schemathesis
from django.utils import timezone
from hypothesis import strategies as st
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.views import openapi_document
from press.dimensions import DIMENSIONS
from press.models import OldSlug, PressRelease, ReleaseType

from .conftest import make_release
from .factories import TAG_MODELS
from .images import image_bytes, upload

pytestmark = [
    pytest.mark.contract,
    # The live server answers from another thread: it must see committed rows.
    pytest.mark.django_db(transaction=True),
]

SCHEMA_PATH = "/api/v1/schema/"
#: Every operation the document must declare: (method, path).
OPERATIONS = {
    ("GET", "/api/v1/releases/"),
    ("GET", "/api/v1/releases/{slug}/"),
    ("GET", "/api/v1/facets/"),
    *(("GET", f"/api/v1/{dimension.relation}/") for dimension in DIMENSIONS),
}
#: The formats the document gives slug parameters, and where their values come from.
SLUG_FORMATS = {f"{dimension.param}-slug": dimension.model for dimension in DIMENSIONS}

#: schemathesis' configuration: every built-in check (the default: none is turned off),
#: both generation modes, and every phase a single operation has (examples, coverage,
#: fuzzing; the document has no examples). The stateful phase and its checks
#: (use_after_free, ensure_resource_availability) need links and writes: this API has
#: neither, so they have nothing to act on. Hypothesis runs without a deadline
#: (schemathesis' own default); no health check needed suppressing.
CONFIG = {
    # A redirect is an answer to check, not one to follow: the document must declare it.
    "max-redirects": 0,
    "generation": {
        "mode": "all",  # positive and negative
        # Fuzzing cases per operation, on top of the coverage phase's; more for a deeper run.
        "max-examples": int(os.environ.get("API_CONTRACT_MAX_EXAMPLES", "100")),
    },
    "phases": {
        # The API refuses a single-valued parameter given twice (a 400): send some.
        "coverage": {"generate-duplicate-query-parameters": True},
    },
    "checks": {
        # Off unless given a limit; a generous one, for a 2-core machine running PostgreSQL.
        "max_response_time": 10.0,
    },
}

#: What the generated test sent, per operation: {label: Counter of (phase, mode)}.
EXERCISED = defaultdict(Counter)


def at(y, m, d, hour=12):
    return timezone.make_aware(datetime(y, m, d, hour, 0))


WORDS = [
    ("Mission observes", "elections"),
    ("Representative warns about", "safety of journalists"),
    ("Conference discusses", "border management"),
    ("Training course on", "cybersecurity"),
    ("Secretary General visits", "the field operations"),
    ("Workshop strengthens", "gender equality"),
    ("Experts meet on", "water governance"),
    ("Chairmanship welcomes", "the ceasefire"),
    ("Permanent Council discusses", "conflict prevention"),
    ("High Commissioner addresses", "national minorities"),
    ("Academy graduates study", "migration"),
    ("Police officers trained in", "countering trafficking"),
]
PLACES = ["Vienna", "Chisinau", "Belgrade", "Warsaw", "The Hague", "Bishkek", ""]


def build_corpus():
    """A few dozen public releases tagged at random (a fixed seed), and the special cases."""
    rng = random.Random(1975)
    slugs = {
        relation: sorted(model.objects.values_list("slug", flat=True))
        for relation, model in TAG_MODELS.items()
    }
    types = list(ReleaseType.objects.order_by("position"))
    made = []
    for n in range(36):
        verb, topic = WORDS[n % len(WORDS)]
        place = PLACES[n % len(PLACES)]
        fields = {
            "published_at": at(2014 + n % 12, 1 + n % 12, 1 + (n * 7) % 28, 8 + n % 10),
            "type": types[n % len(types)],
            "place": place,
            "summary": f"{verb} {topic}{' in ' + place if place else ''}.",
            "body": f"<p>{verb} {topic}.</p><p>Release {n}, with <strong>details</strong>.</p>",
            "tags": {
                relation: rng.sample(values, rng.choice((0, 1, 1, 2, 3)))
                for relation, values in slugs.items()
            },
        }
        if n % 12 == 5:  # a few with a lead image (small, so they cost little)
            fields["lead_image"] = upload(f"lead-{n}.jpg", image_bytes(size=(640, 480)))
            fields["lead_image_alt"] = f"Participants of {topic}"
            fields["lead_image_credit"] = "OSCE/Example" if n % 2 else ""
        made.append(make_release(f"{verb} {topic} ({n})", **fields))

    # Translations: one group in three languages, a non-Latin title among them.
    group = made[0]
    PressRelease.objects.filter(pk=group.pk).update(translation_group="observation-2014")
    make_release(
        "La Mission observe les élections",
        language="fr",
        translation_group="observation-2014",
        published_at=group.published_at,
        tags={"topics": ["elections"]},
    )
    make_release(
        "Миссия наблюдает за выборами",
        language="ru",
        translation_group="observation-2014",
        published_at=group.published_at,
        tags={"topics": ["elections"]},
    )
    # Withdrawn: still answered by its slug, with when and why.
    withdrawn = make_release("Statement issued in error", published_at=at(2024, 2, 2))
    PressRelease.objects.filter(pk=withdrawn.pk).update(
        status=PressRelease.Status.WITHDRAWN,
        withdrawn_at=at(2024, 2, 3),
        withdrawal_note="Published in error.",
    )
    # Not public: a draft and a scheduled release, and a former slug of each kind.
    draft = make_release("A draft nobody may read", status="draft")
    make_release("Scheduled for next week", published_at=timezone.now() + timedelta(days=7))
    OldSlug.objects.create(slug="a-former-address", release=made[3])
    OldSlug.objects.create(slug="a-former-draft-address", release=draft)
    return {
        "releases": made,
        "withdrawn": withdrawn,
        "old_slug": "a-former-address",
        "public_slugs": sorted(
            PressRelease.objects.filter(
                status__in=(PressRelease.Status.PUBLISHED, PressRelease.Status.WITHDRAWN),
                published_at__lte=timezone.now(),
            ).values_list("slug", flat=True)
        ),
    }


@pytest.fixture
def corpus(taxonomy, settings, tmp_path):
    # Thousands of requests from one address: far above the real limit, read per request.
    settings.API_RATE_LIMIT = "100000/minute"
    settings.MEDIA_ROOT = tmp_path / "media"
    return build_corpus()


@pytest.fixture
def real_formats(corpus):
    """The slug formats drawn from the database: real node and release type slugs."""
    values = {
        name: sorted(model.objects.values_list("slug", flat=True))
        for name, model in SLUG_FORMATS.items()
    }
    values["type-slug"] = sorted(ReleaseType.objects.values_list("slug", flat=True))
    for name, slugs in values.items():
        assert slugs, name
        schemathesis.openapi.format(name, st.sampled_from(slugs))
    yield values
    from schemathesis.specs.openapi.formats import unregister_string_format

    for name in values:
        unregister_string_format(name)


@pytest.fixture
def api_schema(request, live_server, corpus, real_formats):
    """The API's document, loaded over HTTP from the live server (its servers entry names it)."""
    # schemathesis 4.32's lazy loader renames the running item through ``Node._nodeid``,
    # which pytest 9.2 no longer has (it keeps ``_id``): give the item one to read and write.
    # It only changes how subtests are labelled in the report.
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid
    schema = schemathesis.openapi.from_url(
        f"{live_server.url}{SCHEMA_PATH}", config=schemathesis.Config.from_dict(CONFIG)
    )
    # The detail's path parameter is any string; most draws name no release (a 404, which
    # the document declares). Half the time, draw a real one so its answers are checked too.
    public = corpus["public_slugs"] + [corpus["old_slug"]]

    # schemathesis' coverage phase draws a string that has both a pattern and a format from
    # the pattern alone: its "valid" slugs ("0") match ^[-a-z0-9_]{1,120}$ but are no
    # topic-slug, so the API rightly refuses them. In that phase's positive cases only,
    # each slug that is no real one is replaced by a real one (the same for the same draw),
    # which keeps the case's shape (one value, twenty values, ...) and its validity.
    # Negative cases are left alone; the fuzzing phase honours the formats by itself.
    real = {
        **{dimension.param: real_formats[f"{dimension.param}-slug"] for dimension in DIMENSIONS},
        "type": real_formats["type-slug"],
    }

    @schema.hook
    def map_case(context, case):
        meta = case.meta
        if (
            meta is None
            or meta.phase.name.value != "coverage"
            or not meta.generation.mode.is_positive
            or not case.query
        ):
            return case
        for name, slugs in real.items():
            if name in case.query:
                values = case.query[name]
                values = [values] if isinstance(values, str) else values
                case.query[name] = [
                    value if value in slugs else slugs[zlib.crc32(value.encode()) % len(slugs)]
                    for value in values
                ]
        return case

    @schema.hook
    def flatmap_path_parameters(context, path_parameters):
        if not path_parameters or "slug" not in path_parameters:
            return st.just(path_parameters)
        return st.one_of(
            st.just(path_parameters),
            st.sampled_from(public).map(lambda slug: {**path_parameters, "slug": slug}),
        )

    return schema


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
def test_every_operation_keeps_its_contract(case):
    case.call_and_validate()
    meta = case.meta
    sent = case.method.upper()
    mode = meta.generation.mode.value if sent == case.operation.method.upper() else sent
    EXERCISED[(case.operation.method.upper(), case.operation.path)][
        (meta.phase.name.value, mode)
    ] += 1


def test_every_operation_was_exercised_both_ways():
    """The document declares exactly the expected operations, and the test sent each both ways."""
    document = openapi_document_in_process()
    declared = {
        (method.upper(), path) for path, item in document["paths"].items() for method in item
    }
    assert declared == OPERATIONS
    if not EXERCISED:
        pytest.skip("run together with test_every_operation_keeps_its_contract")
    assert set(EXERCISED) == OPERATIONS
    for (method, path), counts in EXERCISED.items():
        modes = Counter()
        for (_phase, mode), n in counts.items():
            modes[mode] += n
        operation = document["paths"][path][method.lower()]
        takes_query = any(p["in"] == "query" for p in operation.get("parameters", []))
        assert modes["positive"] >= 20, (path, counts)
        # An operation without query parameters has little to break but the request's
        # shape (a malformed Content-Type): its unknown parameters are sent explicitly
        # (test_unknown_and_malformed_parameters_are_refused).
        assert modes["negative"] >= (20 if takes_query else 1), (path, counts)
        assert {phase for phase, _mode in counts} >= {"coverage", "fuzzing"}, (path, counts)
        # And the methods it does not declare, which must be refused with a 405.
        assert set(modes) >= {"POST", "PUT", "PATCH", "DELETE", "TRACE"}, (path, counts)


def openapi_document_in_process():
    from django.test import RequestFactory

    return openapi_document(RequestFactory().get(SCHEMA_PATH))


def test_the_document_is_served_as_json(live_server, corpus):
    response = requests.get(f"{live_server.url}{SCHEMA_PATH}", timeout=30)
    assert response.status_code == 200
    media_type = response.headers["Content-Type"].split(";")[0].strip()
    assert media_type in ("application/json", "application/vnd.oai.openapi+json")
    document = json.loads(response.content)
    assert document["openapi"].startswith("3.")
    assert document["servers"] == [{"url": live_server.url}]
    assert {
        (method.upper(), path) for path, item in document["paths"].items() for method in item
    } == OPERATIONS
    # Each slug parameter names the format the generated test draws real slugs for.
    listing = document["paths"]["/api/v1/releases/"]["get"]["parameters"]
    formats = {p["name"]: p["schema"].get("items", {}).get("format") for p in listing}
    assert {formats[d.param] for d in DIMENSIONS} | {formats["type"]} == {
        *SLUG_FORMATS,
        "type-slug",
    }
    # schemathesis reads it as a valid OpenAPI document.
    loaded = schemathesis.openapi.from_url(f"{live_server.url}{SCHEMA_PATH}")
    loaded.validate()


def test_real_releases_and_languages_keep_the_contract(live_server, corpus, real_formats):
    """Every public release by its slug, a former slug, and each operation in another language."""
    loaded = schemathesis.openapi.from_url(
        f"{live_server.url}{SCHEMA_PATH}", config=schemathesis.Config.from_dict(CONFIG)
    )
    detail = loaded["/api/v1/releases/{slug}/"]["GET"]
    for slug in corpus["public_slugs"]:
        response = detail.Case(path_parameters={"slug": slug}).call_and_validate()
        assert response.status_code == 200, slug
    response = detail.Case(path_parameters={"slug": corpus["withdrawn"].slug}).call()
    assert response.json()["withdrawn"]["note"] == "Published in error."
    # A former slug: a 301 to the current address (a declared answer, checked as such).
    moved = detail.Case(path_parameters={"slug": corpus["old_slug"]}).call_and_validate()
    assert moved.status_code == 301
    current = corpus["releases"][3].slug
    assert moved.headers["location"] == [f"{live_server.url}/api/v1/releases/{current}/"]
    # Not public, or no release at all: a JSON 404, whatever the former slug was of.
    for slug in ("a-former-draft-address", "scheduled-for-next-week", "no-such-release"):
        response = detail.Case(path_parameters={"slug": slug}).call_and_validate()
        assert response.status_code == 404, slug
    # The same operations under a language prefix, and by Accept-Language.
    listing = loaded["/api/v1/releases/"]["GET"]
    for base in (f"{live_server.url}/fr", f"{live_server.url}/ru", live_server.url):
        for path in sorted(path for _method, path in OPERATIONS if "{" not in path):
            case = loaded[path]["GET"].Case(headers={"Accept-Language": "de-CH, ru;q=0.5"})
            assert case.call_and_validate(base_url=base).status_code == 200
        for query in (
            {"topic": real_formats["topic-slug"][:3], "page_size": 5, "page": 2},
            {"q": "elections", "sort": "relevance", "predecessors": "1"},
            {"date_from": "0001-01-01", "date_to": "9999-12-31", "type": ["news"]},
        ):
            listing.Case(query=query).call_and_validate(base_url=base)


#: Values the document refuses, in wire forms generation seldom sends: {parameter: [value]}.
REFUSED = {
    "year": ["2020\n", " 2020", "2020.0", "１９９９", "1972", "2101"],
    "page": ["1\n", "0", "-1", "1000000000", "1e3"],
    "page_size": ["5\n", "+5", "101", "0"],
    "topic": ["elections\n", "Elections", "no-such-topic", ""],
    "type": ["news\n", "no-such-type"],
    "date_from": ["2020-01-01\n", "2020-02-30", "20200101", "2020-1-1"],
    "sort": ["date\n", "DATE"],
    "predecessors": ["1\n", "yes", ""],
    "q": ["a" * 201, "a\x00b"],
}


def test_unknown_and_malformed_parameters_are_refused(live_server, corpus):
    """A 400 in the documented shape, naming the parameter: for every operation and value."""
    loaded = schemathesis.openapi.from_url(f"{live_server.url}{SCHEMA_PATH}")
    checks = [status_code_conformance, content_type_conformance, response_schema_conformance]
    slug = corpus["releases"][0].slug

    def refused(operation, name, value, **case):
        response = operation.Case(query={name: value}, **case).call()
        assert response.status_code == 400, (operation.label, name, value, response.text)
        operation.Case(query={name: value}, **case).validate_response(response, checks=checks)
        assert name in {error["parameter"] for error in response.json()["errors"]}

    for method, path in sorted(OPERATIONS):
        operation = loaded[path][method]
        kwargs = {"path_parameters": {"slug": slug}} if "{slug}" in path else {}
        refused(operation, "unknown", "1", **kwargs)
        refused(operation, "format", "json", **kwargs)  # DRF's own override is off too
    for path in ("/api/v1/releases/", "/api/v1/facets/"):
        operation = loaded[path]["GET"]
        for name, values in REFUSED.items():
            for value in values:
                refused(operation, name, value)
        # A single-valued parameter given twice, and more slugs than allowed.
        refused(operation, "year", ["2020", "2021"])
        refused(operation, "country", real_slugs("country", 21))


def real_slugs(param, n):
    from press.dimensions import BY_PARAM

    return list(BY_PARAM[param].model.objects.values_list("slug", flat=True)[:n])


#: Ways to spoil an answer, each of which the named check must notice.
TAMPERINGS = {
    "an undeclared key": (
        response_schema_conformance,
        lambda data: {**data, "total": data["count"]},
    ),
    "a missing key": (
        response_schema_conformance,
        lambda data: {k: v for k, v in data.items() if k != "next"},
    ),
    "a wrong type": (
        response_schema_conformance,
        lambda data: {**data, "count": str(data["count"])},
    ),
    "an undeclared key in a release": (
        response_schema_conformance,
        lambda data: {**data, "results": [{**data["results"][0], "views": 3}]},
    ),
    "a node without its slug": (
        response_schema_conformance,
        lambda data: {
            **data,
            "results": [
                {
                    **data["results"][0],
                    "topics": [{"name": "Elections", "url": "http://example.org/"}],
                }
            ],
        },
    ),
    "a date that is no date": (
        response_schema_conformance,
        lambda data: {**data, "results": [{**data["results"][0], "published_at": "yesterday"}]},
    ),
}


def spoiled(response, *, content=None, status_code=None, headers=None):
    """A copy of ``response`` (a ``schemathesis.Response``) with something changed."""
    return schemathesis.Response(
        status_code=response.status_code if status_code is None else status_code,
        headers=response.headers if headers is None else headers,
        content=response.content if content is None else content,
        request=response.request,
        elapsed=response.elapsed,
        verify=response.verify,
        message=response.message,
        http_version=response.http_version,
        encoding=response.encoding,
    )


def test_a_wrong_answer_would_be_caught(live_server, corpus):
    """Positive control: a real answer passes the checks, spoiled copies of it do not."""
    loaded = schemathesis.openapi.from_url(f"{live_server.url}{SCHEMA_PATH}")
    operation = loaded["/api/v1/releases/"]["GET"]
    case = operation.Case(query={"page_size": 2})
    response = case.call()
    assert response.status_code == 200
    checks = [
        status_code_conformance,
        content_type_conformance,
        response_headers_conformance,
        response_schema_conformance,
    ]
    case.validate_response(response, checks=checks)  # control: the real one passes
    assert operation.is_valid_response(response)

    original = response.json()
    assert original["results"], "the control needs releases in the answer"
    for name, (check, spoil) in TAMPERINGS.items():
        body = json.dumps(spoil(copy.deepcopy(original))).encode()
        with pytest.raises(FailureGroup):
            case.validate_response(spoiled(response, content=body), checks=[check])
        assert not operation.is_valid_response(spoiled(response, content=body)), name

    # An undeclared status and a body that is not JSON are caught too.
    with pytest.raises(FailureGroup):
        case.validate_response(spoiled(response, status_code=418), checks=checks)
    html = {**response.headers, "content-type": ["text/html; charset=utf-8"]}
    with pytest.raises(FailureGroup):
        case.validate_response(spoiled(response, headers=html), checks=checks)
