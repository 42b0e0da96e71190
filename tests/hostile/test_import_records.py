"""Hostile import records: the command never raises, loses no good record, names every bad one.

Two kinds of test. The named inputs are what once killed a whole run (and
the batch of good records read with them). The property-based ones throw
Hypothesis at the record format (types, sizes, dates, unicode, nesting) with
a known-good record on every other line, and check the run's three promises
against what the test itself wrote: every good line is a release, every bad
line is reported as ``FILE:LINE: reason``, the exit status says so.
"""

import json
import uuid

import pytest
from django.core.management.base import CommandError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from press.importing import import_files
from press.models import PressRelease

from ..test_import import record, run, write_jsonl
from .corpus import DATE_EDGES, NASTY, TEXT

pytestmark = pytest.mark.usefixtures("taxonomy")

KEYS = ["title", "date", "type", "place", "sources", "structures", "topics", "countries",
        "meetings", "summary", "body", "slug", "source_url", "status"]  # fmt: skip


def good(n):
    """A record that must go in, told apart by its source address."""
    return record(title=f"Good release {n}", source_url=f"https://example.org/good/{n}")


def errors_by_line(err, path):
    """{line: reason} of the ``FILE:LINE: reason`` lines on standard error (warnings aside)."""
    found = {}
    for text in err.splitlines():
        head, _, reason = text.partition(": ")
        if head.startswith(f"{path}:") and not reason.startswith("warning:"):
            found[int(head.rsplit(":", 1)[1])] = reason
    return found


# --- What once killed the run ---------------------------------------------------------


NESTED = "[" * 100_000
KILLERS = {
    "the first day of year 1": json.dumps(record(date="0001-01-01")),
    "the last second of year 9999": json.dumps(record(date="9999-12-31T23:59:59")),
    "a lone surrogate in the title": json.dumps(record(title="Broken \ud800 title")),
    "a lone surrogate in a tag": json.dumps(record(topics=["Elections\udfff"])),
    "a lone surrogate in the date": json.dumps(record(date="2024-01-01\ud800")),
    "100,000 nested brackets": NESTED,
    "an object nested 100,000 deep": '{"title": ' + NESTED,
    "an integer of 5,000 digits": '{"title": ' + "9" * 5000 + "}",
}


@pytest.mark.parametrize("what", list(KILLERS))
def test_a_record_that_once_killed_the_run_is_reported_and_its_neighbours_go_in(tmp_path, what):
    first = write_jsonl(tmp_path / "first.jsonl", good(1), KILLERS[what], good(2))
    second = write_jsonl(tmp_path / "second.jsonl", good(3))

    out, err, error = run(first, second)

    assert isinstance(error, CommandError)  # the exit status says a record failed
    assert list(errors_by_line(err, first)) == [2], err
    assert errors_by_line(err, second) == {}
    assert "created 3, updated 0, unchanged 0, failed 1" in out
    assert set(PressRelease.objects.values_list("source_url", flat=True)) == {
        "https://example.org/good/1",
        "https://example.org/good/2",
        "https://example.org/good/3",
    }


@pytest.mark.parametrize(
    "date, reason",
    [
        ("0001-01-01", "out of range"),
        ("9999-12-31T23:59:59", "out of range"),
        ("1899-12-31", "out of range"),
        ("2200-01-01", "out of range"),
        ("9999-12-31T23:59:59+14:00", "out of range"),
        ("2024-01-01\ud800", "bad date"),
        (20240101, "'date' must be a string"),
    ],
)
def test_a_date_out_of_range_says_so(tmp_path, date, reason):
    path = write_jsonl(tmp_path / "in.jsonl", record(date=date))
    [error] = import_files([path]).errors
    assert error.startswith(f"{path}:1: ") and reason in error


@pytest.mark.parametrize("date", ["1900-01-01", "2199-12-31T23:59:59", "1975-08-01T10:00:00+02:00"])
def test_control_dates_at_the_edges_of_the_range_go_in(tmp_path, date):
    path = write_jsonl(tmp_path / "in.jsonl", record(date=date))
    report = import_files([path])
    assert (report.created, report.failed) == (1, 0), report.errors


def test_a_whole_batch_of_good_records_survives_a_bad_one_in_its_middle(tmp_path):
    lines = [good(n) for n in range(600)]
    lines[250] = NESTED
    lines[251] = json.dumps(record(date="9999-12-31T23:59:59"))
    path = write_jsonl(tmp_path / "big.jsonl", *lines)

    report = import_files([path])

    assert (report.created, report.failed) == (598, 2)
    assert [e.split(": ", 1)[0] for e in report.errors] == [f"{path}:251", f"{path}:252"]
    assert PressRelease.objects.count() == 598


# --- Hypothesis over the record format ------------------------------------------------

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=50),
    st.sampled_from(NASTY),
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
#: A good record with some of its keys given hostile values (or unknown keys added).
mutated_records = st.builds(
    lambda changes: {**record(), **changes},
    st.dictionaries(
        st.one_of(st.sampled_from(KEYS), st.text(max_size=10)), json_values, min_size=1, max_size=4
    ),  # fmt: skip
)
#: A line as a file may hold it: a hostile record, raw nonsense, or deep nesting.
hostile_lines = st.one_of(
    mutated_records.map(json.dumps),
    st.sampled_from(TEXT + DATE_EDGES).map(lambda v: json.dumps(record(date=v))),
    st.sampled_from(TEXT).map(lambda v: json.dumps(record(title=v, summary=v, slug=v))),
    st.text(max_size=200).filter(lambda t: "\n" not in t and "\r" not in t),
    st.integers(min_value=1, max_value=5000).map(lambda n: "[" * n + "]" * n),
    st.integers(min_value=1, max_value=5000).map(lambda n: '{"a":' * n),
)
HYPOTHESIS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def write_lines(path, lines):
    """Write lines as UTF-8 (a lone surrogate in raw text goes out as its bytes, as a file may)."""
    path.write_bytes(b"".join(line.encode("utf-8", "surrogatepass") + b"\n" for line in lines))
    return path


@HYPOTHESIS
@given(hostile=st.lists(hostile_lines, min_size=1, max_size=6))
def test_no_record_makes_the_command_raise_or_lose_a_neighbour(tmp_path_factory, hostile):
    """Good records on the odd lines, hostile ones on the even: every good one goes in."""
    run_id = uuid.uuid4().hex
    lines, good_urls = [], set()
    for n, line in enumerate(hostile):
        url = f"https://example.org/{run_id}/{n}"
        lines.append(json.dumps(record(title=f"Neighbour {n} {run_id}", source_url=url)))
        good_urls.add(url)
        lines.append(line)
    path = write_lines(tmp_path_factory.mktemp("hostile") / "in.jsonl", lines)

    with transaction.atomic():
        out, err, error = run(path)  # anything but CommandError fails the test here
        stored = set(PressRelease.objects.values_list("source_url", flat=True))
        transaction.set_rollback(True)

    assert good_urls <= stored, err
    failures = errors_by_line(err, path)
    assert not [reason for reason in failures.values() if "internal error" in reason], err
    assert all(line % 2 == 0 for line in failures), err  # only hostile lines failed
    assert (error is not None) == bool(failures)  # the exit status tells
    # Every line is accounted for: created, updated, unchanged or failed.
    totals = out.splitlines()[-1]
    counted = sum(int(totals.split(f"{word} ")[1].split(",")[0])
                  for word in ("created", "updated", "unchanged", "failed"))  # fmt: skip
    assert counted == len([line for line in lines if line.strip()]), (out, err)


@HYPOTHESIS
@given(text=st.text(max_size=400), title=st.sampled_from(TEXT))
def test_no_page_export_makes_the_command_raise(tmp_path_factory, text, title):
    path = tmp_path_factory.mktemp("pages") / "page.txt"
    path.write_bytes(f"Press release\n{title}\n{text}".encode("utf-8", "surrogatepass"))
    with transaction.atomic():
        out, err, error = run(path)
        transaction.set_rollback(True)
    assert "internal error" not in err, err
    assert out.splitlines()[-1].startswith("created ")


@pytest.mark.parametrize(
    "changes, reason",
    [
        ({"title": "Broken \ud800 title"}, "'title' contains a lone surrogate at character 8"),
        ({"title": ["A", "list"]}, "'title' must be a string"),
        ({"type": "Press\x00release"}, "'type' contains a NUL character"),
        ({"summary": "ok \udfff"}, "'summary' contains a lone surrogate at character 4"),
    ],
)
def test_a_refused_value_is_named_once_not_also_called_missing(tmp_path, changes, reason):
    path = write_jsonl(tmp_path / "in.jsonl", {**record(), **changes})
    assert import_files([path]).errors == [f"{path}:1: {reason}"]
