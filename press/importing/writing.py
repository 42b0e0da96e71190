"""Writing: the Importer, which applies records to the database one transaction each."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils.text import slugify

from taxonomy.progress import progress

from ..bulk import insert_links, record_revisions
from ..models import OldSlug, PressRelease, unique_slug
from .matching import (
    COMPARED_FIELDS,
    SCALAR_FIELDS,
    Known,
    KnownIndex,
    fingerprint,
    release_links,
    release_values,
)
from .reading import detect_format, read_jsonl, read_page
from .record import Record, RecordError, build_record, local_date
from .report import CREATED, FAILED, UNCHANGED, UPDATED, ImportReport, Outcome
from .tags import M2M_FIELDS, Resolver

BATCH_SIZE = 500


def _bar_size(path):
    """Lines of a JSON Lines file, 1 for a page export (one record), 0 if unreadable."""
    try:
        if detect_format(path) != "jsonl":
            return 1
        lines, last = 0, b"\n"
        with Path(path).open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                lines += chunk.count(b"\n")
                last = chunk[-1:]
        return lines + (last != b"\n")
    except OSError:
        return 0


def _slug_base(title):
    # The same base as press.models.unique_slug.
    return slugify(title)[: 220 - 8].strip("-") or "release"


# --- The import service ---------------------------------------------------------------


class Importer:
    """Imports files record by record; one instance per run (its indexes are per run)."""

    def __init__(self, *, dry_run=False, stdout=None, stderr=None, verbosity=1):
        self.dry_run = dry_run
        self.stdout, self.stderr = stdout, stderr
        self.verbosity = verbosity
        self.report = ImportReport(dry_run=dry_run)
        self.resolver = Resolver()
        # Releases this run wrote (or, in a dry run, would have written).
        self.written = KnownIndex()
        self.run_slugs = set()
        self.bar = progress(stream=io.StringIO())  # no bar until run() draws one
        self._bar_sizes = {}  # path -> lines the bar counts for it
        self._bar_path, self._bar_line = "", 0  # where the bar is in the current file

    # Output ------------------------------------------------------------------------

    def _write(self, stream, text):
        if stream is not None:
            # A line written under a drawn bar would be cut by its next redraw.
            self.bar.clear()
            stream.write(text)
            self.bar.refresh()

    def _record(self, outcome):
        self.report.add(outcome)
        if outcome.action == FAILED:
            self._write(self.stderr, outcome.describe())
        elif self.verbosity >= 2 or (self.dry_run and self.verbosity >= 1):
            self._write(self.stdout, outcome.describe(dry_run=self.dry_run))
        if self.verbosity >= 1:
            for line in outcome.describe_warnings():
                self._write(self.stderr, line)

    # Progress ----------------------------------------------------------------------

    def _start_bar(self, paths):
        """A bar over every line of every file, drawn only on a terminal and at verbosity 1+."""
        # Without a stream of its own, or when asked to be quiet, the import draws
        # nothing: a stream that is not a terminal keeps the bar off.
        stream = self.stderr if self.stderr is not None and self.verbosity >= 1 else io.StringIO()
        self.bar = progress(desc="Importing", unit="line", stream=stream)
        if not self.bar.disable:
            # Counting the lines reads every file once more: worth it only for a bar.
            self._bar_sizes = {str(path): _bar_size(path) for path in paths}
            self.bar.total = sum(self._bar_sizes.values())
            self.bar.refresh()

    def _advance(self, line):
        """The bar has reached ``line`` of the current file (never beyond its end)."""
        line = min(line, self._bar_sizes.get(self._bar_path, 0))
        if line > self._bar_line:
            self.bar.update(line - self._bar_line)
            self._bar_line = line

    # Files ---------------------------------------------------------------------------

    def run(self, paths):
        paths = list(paths)
        self._start_bar(paths)
        try:
            for path in paths:
                self.import_file(path)
        finally:
            self.bar.close()
        return self.report

    def import_file(self, path):
        name = str(path)
        self.bar.set_description(Path(name).name, refresh=False)
        self._bar_path, self._bar_line = name, 0
        try:
            if detect_format(path) == "jsonl":
                items = read_jsonl(path)
            else:
                items = read_page(path, type_names=self.resolver.type_names)
            batch = []
            for item in items:
                batch.append(item)
                if len(batch) >= BATCH_SIZE:
                    self._process_batch(name, batch)
                    batch = []
            self._process_batch(name, batch)
        except OSError as exc:
            self._record(Outcome(name, 0, FAILED, message=f"cannot read: {exc.strerror or exc}"))
            return
        # Trailing blank lines, or a page export's one record, whatever line its title is on.
        self._advance(self._bar_sizes.get(name, 0))

    # Batches -------------------------------------------------------------------------

    def _process_batch(self, path, batch):
        if not batch:
            return
        records = []
        for line, item in batch:
            if isinstance(item, RecordError):
                records.append(Outcome(path, line, FAILED, message=str(item)))
                continue
            try:
                records.append(build_record(path, line, item, self.resolver))
            except RecordError as exc:
                records.append(Outcome(path, line, FAILED, message=str(exc), warnings=exc.warnings))
        good = [r for r in records if isinstance(r, Record)]
        existing = self._existing(good)
        taken = self._taken_slugs(good)
        for record in records:
            if isinstance(record, Outcome):
                outcome = record
            else:
                outcome = self._apply(record, existing, taken)
                # Tag warnings never change what happens to the record: it counts as
                # created, updated or unchanged like any other, and says what it lost.
                outcome.warnings = record.warnings
            self._record(outcome)
            self._advance(outcome.line)

    def _existing(self, records):
        """The stored releases these records may be, with their links, in one go."""
        index = KnownIndex()
        if not records:
            return index
        urls = {r.source_url for r in records if r.source_url}
        slugs = {r.slug for r in records if r.slug}
        old_slugs = {}
        if slugs:
            for slug, release_id in OldSlug.objects.filter(slug__in=slugs).values_list(
                "slug", "release_id"
            ):
                old_slugs.setdefault(release_id, []).append(slug)
        moments = [r.published_at for r in records]
        condition = Q(
            title__in={r.title for r in records},
            published_at__range=(
                min(moments) - dt.timedelta(days=1),
                max(moments) + dt.timedelta(days=1),
            ),
        )
        if urls:
            condition |= Q(source_url__in=urls)
        if slugs:
            condition |= Q(slug__in=slugs)
        if old_slugs:
            condition |= Q(pk__in=list(old_slugs))
        releases = list(PressRelease.objects.filter(condition).order_by("pk"))
        links = release_links([release.pk for release in releases]) if releases else {}
        for release in releases:
            index.add(
                Known(
                    pk=release.pk,
                    slug=release.slug,
                    source_url=release.source_url,
                    title=release.title,
                    date=local_date(release.published_at) if release.published_at else None,
                    hashes=fingerprint(release_values(release, links.get(release.pk, {}))),
                    instance=release,
                ),
                old_slugs=old_slugs.get(release.pk, ()),
            )
        return index

    def _taken_slugs(self, records):
        bases = {_slug_base(r.title) for r in records if not r.slug}
        if not bases:
            return set()
        taken = set(PressRelease.objects.filter(slug__in=bases).values_list("slug", flat=True))
        taken.update(OldSlug.objects.filter(slug__in=bases).values_list("slug", flat=True))
        return taken

    # Records --------------------------------------------------------------------------

    def _find(self, record, existing):
        """The release this record is, if any: by source_url, else slug, else title and date."""
        indexes = (self.written, existing)
        if record.source_url:
            for index in indexes:
                known = index.by_url.get(record.source_url)
                if known is not None:
                    return known

        def compatible(known):
            # A release imported from another address is another release.
            return not (record.source_url and known.source_url not in ("", record.source_url))

        if record.slug:
            for index in indexes:
                known = index.by_slug.get(record.slug)
                if known is not None:
                    if not compatible(known):
                        raise RecordError(
                            f"slug {record.slug!r} is already used by the release imported "
                            f"from {known.source_url}"
                        )
                    return known
            return None
        for index in indexes:
            for known in index.by_date.get(record.date_key, ()):
                if compatible(known):
                    return known
        return None

    def _apply(self, record, existing, taken):
        try:
            known = self._find(record, existing)
            if known is None:
                return self._create(record, taken)
            hashes = fingerprint(record.values())
            fields = COMPARED_FIELDS + (("source_url",) if record.source_url else ())
            changed = tuple(f for f in fields if hashes[f] != known.hashes.get(f))
            if not changed:
                return Outcome(record.path, record.line, UNCHANGED, slug=known.slug)
            return self._update(record, known, changed, hashes)
        except RecordError as exc:
            return Outcome(record.path, record.line, FAILED, message=str(exc))
        except (DatabaseError, ValidationError) as exc:
            message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            return Outcome(record.path, record.line, FAILED, message=f"not saved: {message}")

    def _new_slug(self, title, taken):
        base = _slug_base(title)
        if base not in taken and base not in self.run_slugs:
            return base
        slug = unique_slug(title)
        number = 1
        # In a dry run nothing was saved, so unique_slug cannot see this run's slugs.
        while slug in self.run_slugs:
            number += 1
            slug = f"{base}-{number}"
        return slug

    def _link_rows(self, release, record):
        """Write the links of a new release: one multi-row INSERT per relation.

        No per-link query or model instance: this is most of an import's work
        otherwise. The release's own save already told the caches
        (post_save), and the links are in the same transaction, so nobody
        ever sees the release without them.
        """
        for name in M2M_FIELDS:
            insert_links(name, ((release.pk, pk) for pk in sorted(record.links[name])))

    def _version(self, release, record, comment):
        """The revision of what the import wrote: what an editor can restore after an edit."""
        record_revisions(
            [release],
            lambda release: record.links,
            comment=f"{comment} {Path(record.path).name}:{record.line}",
        )

    def _create(self, record, taken):
        slug = record.slug or self._new_slug(record.title, taken)
        pk = None
        if not self.dry_run:
            with transaction.atomic():
                release = PressRelease(
                    title=record.title,
                    slug=slug,
                    type_id=record.type_id,
                    status=record.status,
                    published_at=record.published_at,
                    place=record.place,
                    summary=record.summary,
                    body=record.body,
                    source_url=record.source_url,
                )
                release.save()
                self._link_rows(release, record)
                self._version(release, record, "Imported from")
            pk = release.pk
        self.run_slugs.add(slug)
        taken.add(slug)
        self.written.add(
            Known(
                pk=pk,
                slug=slug,
                source_url=record.source_url,
                title=record.title,
                date=record.date_key[1],
                hashes=fingerprint(record.values()),
                written=True,
            )
        )
        return Outcome(record.path, record.line, CREATED, slug=slug)

    def _update(self, record, known, changed, hashes):
        if not self.dry_run:
            with transaction.atomic():
                release = known.instance or PressRelease.objects.get(pk=known.pk)
                for name in (*SCALAR_FIELDS, "source_url"):
                    if name in changed:
                        attribute = "type_id" if name == "type" else name
                        setattr(release, attribute, getattr(record, attribute))
                # Always saved, so that updated_at tells when the import changed it.
                release.save()
                for name in M2M_FIELDS:
                    if name in changed:
                        getattr(release, name).set(record.links[name])
                self._version(release, record, "Updated by import from")
        new = Known(
            pk=known.pk,
            slug=known.slug,
            source_url=record.source_url or known.source_url,
            title=record.title,
            date=record.date_key[1],
            hashes=hashes,
            written=True,
        )
        if known.written:
            self.written.replace(known, new)
        else:
            self.written.add(new)
        return Outcome(record.path, record.line, UPDATED, slug=known.slug, changed=changed)


def import_files(paths, *, dry_run=False, stdout=None, stderr=None, verbosity=1):
    """Import press releases from ``paths``; return an :class:`ImportReport`.

    Per-record lines go to ``stdout`` (in a dry run, or at verbosity 2),
    errors and the progress counter to ``stderr``; either may be None.
    """
    importer = Importer(dry_run=dry_run, stdout=stdout, stderr=stderr, verbosity=verbosity)
    return importer.run(paths)
