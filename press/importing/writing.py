"""Writing: the Importer, which applies records to the database one transaction each."""

from __future__ import annotations

import dataclasses
import io
import logging
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.db.models import Q

from taxonomy.progress import progress

from .. import listing_model, translations, workflow
from ..bulk import create_releases, insert_links, record_revisions
from ..models import OldSlug, PressRelease, Transition, slug_base, unique_slug
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
from .record import Record, RecordError, build_record
from .report import (
    CREATED,
    FAILED,
    UNCHANGED,
    UPDATED,
    GroupTagsDiffer,
    ImportReport,
    Outcome,
    SlugTaken,
    WorkflowKept,
)
from .tags import M2M_FIELDS, Resolver

BATCH_SIZE = 500
#: Records written per transaction (each in a savepoint of its own).
COMMIT_EVERY = 50
logger = logging.getLogger(__name__)


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
        # Translation groups: the tags each got first in this run, with where
        # from; and which record has each (group, language).
        self.group_tags = {}
        self.group_languages = {}
        self.bar = progress(stream=io.StringIO())  # no bar until run() draws one
        self._bar_sizes = {}  # path -> lines the bar counts for it
        self._bar_path, self._bar_line = "", 0  # where the bar is in the current file

    # Output ------------------------------------------------------------------------

    def _write(self, stream, text):
        if stream is not None:
            # A line written under a drawn bar would be cut by its next redraw.
            self.bar.clear()
            # A file name from the shell may hold undecodable bytes (as lone surrogates).
            stream.write(text.encode("utf-8", "backslashreplace").decode("utf-8"))
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
        batch = []
        for item in self._read(name):
            batch.append(item)
            if len(batch) >= BATCH_SIZE:
                self._process_batch(name, batch)
                batch = []
        # What was read before a file broke off still goes in.
        self._process_batch(name, batch)
        # Trailing blank lines, or a page export's one record, whatever line its title is on.
        self._advance(self._bar_sizes.get(name, 0))

    def _read(self, name):
        """(line, raw record or RecordError) of one file; a file that breaks off is reported."""
        try:
            if detect_format(name) == "jsonl":
                items = read_jsonl(name)
            else:
                items = read_page(name, type_names=self.resolver.type_names)
            yield from items
        except OSError as exc:
            self._record(Outcome(name, 0, FAILED, message=f"cannot read: {exc.strerror or exc}"))
        except Exception as exc:  # a defect of ours: report it, go on with the next file
            self._record(self._internal_error(name, 0, exc))

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
            except Exception as exc:  # a defect of ours: report it, keep the batch
                records.append(self._internal_error(path, line, exc))
        good = [r for r in records if isinstance(r, Record)]
        existing = self._existing(good)
        taken = self._taken_slugs(good)
        for start in range(0, len(records), COMMIT_EVERY):
            group = records[start : start + COMMIT_EVERY]
            for outcome in self._commit_group(path, group, existing, taken):
                self._record(outcome)
                self._advance(outcome.line)

    def _commit_group(self, path, group, existing, taken):
        """The outcomes of a few records, written in one transaction; reported once committed.

        The group's new releases (outside translation groups) are written
        together at its end, a few queries for all of them
        (:meth:`_create_all`); every other record is written in a savepoint of
        its own, so a bad one fails alone. The listing's read model is
        refreshed once for the group (a third of an import's time when it
        was done per record). Should the group itself fail (its new releases,
        its refresh, its commit), nothing of it was reported yet: it is
        written again record by record, each in its own transaction, with
        this run's indexes as they were before it and the stored releases and
        slugs read again (another writer may have stored them meanwhile).
        """
        if self.dry_run:
            return self._outcomes(path, group, existing, taken)
        written, run_slugs, was_taken = self.written.copy(), set(self.run_slugs), set(taken)
        try:
            with transaction.atomic(), listing_model.refreshed_once():
                new = []
                outcomes = self._outcomes(path, group, existing, taken, new=new)
                self._create_all(new)
                return outcomes
        except Exception:  # the group's writes, refresh or commit: nothing is reported yet
            logger.exception("import group of %s failed; writing it record by record", path)
            self.written, self.run_slugs = written, run_slugs
            # Another writer (a second import of the same file) may have stored
            # some of these releases or taken their slugs since the batch was
            # read: read both again, so that those records match what it wrote.
            records = [record for record in group if isinstance(record, Record)]
            taken.clear()
            taken.update(was_taken)
            try:
                existing = self._existing(records)
                taken.update(self._taken_slugs(records))
            except DatabaseError:  # still failing: each record says so on its own below
                logger.exception("import group of %s: cannot read it again", path)
            return [
                outcome
                for record in group
                for outcome in self._outcomes(path, [record], existing, taken)
            ]

    def _outcomes(self, path, records, existing, taken, new=None):
        """What happens to each record; with a list ``new``, the new releases
        it may hold are only planned there, for :meth:`_create_all` to write."""
        outcomes = []
        for record in records:
            if isinstance(record, Outcome):
                outcome = record
            else:
                record = self._with_group_tags(record)
                try:
                    outcome = self._apply(record, existing, taken, new)
                except Exception as exc:  # a defect of ours: report it, keep the batch
                    outcome = self._internal_error(path, record.line, exc)
                if outcome.action != FAILED and record.translation_group:
                    self.group_languages[(record.translation_group, record.language)] = (
                        record.import_key,
                        self._where(record),
                    )
                # Tag warnings never change what happens to the record: it counts as
                # created, updated or unchanged like any other, and says what it lost.
                outcome.warnings = record.warnings
            outcomes.append(outcome)
        return outcomes

    @staticmethod
    def _internal_error(path, line, exc):
        """A record that broke the importer itself: logged with its traceback, reported, skipped.

        No input should get here (the hostile import tests check that none
        does); if one does, it costs that record, never its neighbours.
        """
        logger.exception("import of %s:%s failed", path, line)
        return Outcome(path, line, FAILED, message=f"internal error ({type(exc).__name__}): {exc}")

    def _existing(self, records):
        """The stored releases these records may be, with their links, in one go."""
        index = KnownIndex()
        if not records:
            return index
        urls = {r.source_url for r in records if r.source_url}
        keys = {key for r in records for key in r.import_keys}
        condition = Q(import_key__in=keys)
        if urls:
            condition |= Q(source_url__in=urls)
        releases = list(PressRelease.objects.filter(condition).order_by("pk"))
        links = release_links([release.pk for release in releases]) if releases else {}
        for release in releases:
            index.add(
                Known(
                    pk=release.pk,
                    slug=release.slug,
                    source_url=release.source_url,
                    import_key=release.import_key,
                    hashes=fingerprint(release_values(release, links.get(release.pk, {}))),
                    instance=release,
                )
            )
        return index

    def _taken_slugs(self, records):
        """Of the slugs these records may want, those another release or an old address holds."""
        wanted = {r.slug or slug_base(r.title) for r in records}
        taken = set(PressRelease.objects.filter(slug__in=wanted).values_list("slug", flat=True))
        taken.update(OldSlug.objects.filter(slug__in=wanted).values_list("slug", flat=True))
        return taken

    # Records --------------------------------------------------------------------------

    def _find(self, record, existing, hashes):
        """The release this record is, if any (see KnownIndex.find); this run's writes first."""
        known = self.written.find(record) or existing.find(record)
        same_file = known is not None and known.path == record.path
        if same_file and hashes != known.hashes:
            raise RecordError(
                f"{record.identity} is also on line {known.line} of this file, with other "
                "values: not imported (a file gives each release once)"
            )
        return known

    def _apply(self, record, existing, taken, new=None):
        try:
            hashes = fingerprint(record.values())
            known = self._find(record, existing, hashes)
            self._check_group(record, known.pk if known else None)
            if known is None:
                return self._create(record, taken, hashes, new)
            fields = COMPARED_FIELDS + (("source_url",) if record.source_url else ())
            if record.tags_from_group:  # its tags are its group's, whatever they are now
                fields = tuple(f for f in fields if f not in M2M_FIELDS)
            changed = tuple(f for f in fields if hashes[f] != known.hashes.get(f))
            changed, notices = self._keep_workflow(known, changed)
            if not changed:
                return Outcome(
                    record.path, record.line, UNCHANGED, slug=known.slug, notices=notices
                )
            return self._update(record, known, changed, hashes, notices)
        except RecordError as exc:
            return Outcome(record.path, record.line, FAILED, message=str(exc))
        except (DatabaseError, ValidationError) as exc:
            message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            return Outcome(record.path, record.line, FAILED, message=f"not saved: {message}")

    def _new_slug(self, text, taken):
        """slugify(text), or the first free -2, -3, ... (this run's slugs count as taken)."""
        base = slug_base(text)
        if base not in taken and base not in self.run_slugs:
            return base
        # In a dry run nothing was saved, so the database cannot see this run's slugs.
        # In a savepoint: a release planned for the group's shared write has none of
        # its own, and a failed query must not abort the group's transaction.
        with transaction.atomic():
            return unique_slug(text, reserved=self.run_slugs)

    @staticmethod
    def _where(record):
        """``in.jsonl:12``: where a record was read, as revisions and workflow records say."""
        return f"{Path(record.path).name}:{record.line}"

    def _links(self, written):
        """Write the links of new releases, ``[(release, record)]``: one multi-row INSERT
        per relation, whatever their number.

        No per-link query or model instance: this is most of an import's work
        otherwise. The releases' own saves already told the caches
        (post_save), and the links are in the same transaction, so nobody
        ever sees a release without them; nor without its rows in the
        listing's read model, written here as well.
        """
        for name in M2M_FIELDS:
            pairs = ((r.pk, pk) for r, record in written for pk in sorted(record.links[name]))
            insert_links(name, pairs)
        listing_model.mark([release.pk for release, _record in written])

    def _link_rows(self, release, record):
        """The links of one new release, and its group's tags."""
        self._links([(release, record)])
        # A translation's tags are its group's: it gives them, or takes them.
        if record.tags_from_group:
            translations.adopt_tags(release)
        else:
            translations.share_tags(release)

    def _versions(self, written, comment):
        """The revisions of what the import wrote, ``[(release, record)]``, one each: what
        an editor can restore after an edit."""
        records = {release.pk: record for release, record in written}
        record_revisions(
            [release for release, _record in written],
            lambda release: records[release.pk].links,
            comment=lambda release: f"{comment} {self._where(records[release.pk])}",
        )

    def _remember(self, record, pk, slug, hashes):
        known = Known(
            pk=pk,
            slug=slug,
            source_url=record.source_url,
            import_key=record.import_key,
            hashes=hashes,
            path=record.path,
            line=record.line,
        )
        self.written.put(known)
        return known

    def _slug_for(self, record, taken):
        """(slug, notices) of a new release: the record's own, or a free one and why."""
        if record.slug and record.slug not in taken and record.slug not in self.run_slugs:
            return record.slug, ()
        slug = self._new_slug(record.slug or record.title, taken)
        if record.slug:
            # Never over another release: this one gets a free address, and the report says so.
            return slug, (SlugTaken(record.slug, slug),)
        return slug, ()

    def _with_group_tags(self, record):
        """``record``, or, when its group got other tags earlier in this run, the record
        without its tags (it takes the group's) and a warning saying so.

        Records of one group that disagree would otherwise give the group their
        tags in turn, and every run of the same file would change it again.
        """
        if not record.translation_group or record.tags_from_group:
            return record
        given = self.group_tags.setdefault(
            record.translation_group, (record.links, self._where(record))
        )
        if given[0] == record.links:
            return record
        return dataclasses.replace(
            record,
            links={name: frozenset() for name in record.links},
            warnings=(*record.warnings, GroupTagsDiffer(record.translation_group, given[1])),
        )

    def _check_group(self, record, pk):
        """Refuse a second release in one language of a translation group, naming the first
        (stored, or written by this run: a dry run checks the same)."""
        if not record.translation_group:
            return
        problem = (
            f"translation_group {record.translation_group!r} already has a release in "
            f"{record.language!r}"
        )
        held = self.group_languages.get((record.translation_group, record.language))
        if held is not None and held[0] != record.import_key:
            raise RecordError(f"{problem} (line {held[1]}): not imported")
        other = (
            PressRelease.objects.filter(
                translation_group=record.translation_group, language=record.language
            )
            .exclude(pk=pk)
            .values_list("slug", flat=True)
            .first()
        )
        if other is not None:
            raise RecordError(f"{problem} ({other!r}): not imported")

    def _new_release(self, record, slug):
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
            language=record.language,
            translation_group=record.translation_group,
            import_key=record.import_key,
        )
        if release.is_scheduled:
            release.embargo_key = workflow.new_embargo_key()
        return release

    def _create(self, record, taken, hashes, new=None):
        pk = planned = None
        if self.dry_run:
            slug, notices = self._slug_for(record, taken)
        elif new is not None and not record.translation_group:
            # Written with the group's other new releases (_create_all); a
            # translation shares its group's tags, so it is written at once.
            slug, notices = self._slug_for(record, taken)
            planned = self._new_release(record, slug)
        else:
            # Every query of a record, the free slug's too, runs in its own
            # transaction (a savepoint within a group), so one that fails
            # takes nothing else with it.
            with transaction.atomic(), listing_model.refreshed_once():
                slug, notices = self._slug_for(record, taken)
                release = self._new_release(record, slug)
                release.save()
                self._link_rows(release, record)
                self._versions([(release, record)], "Imported from")
                self._step(release, record, source="")
            pk = release.pk
        self.run_slugs.add(slug)
        taken.add(slug)
        known = self._remember(record, pk, slug, hashes)
        if planned is not None:
            new.append((planned, record, known))  # its pk is known once it is written
        return Outcome(record.path, record.line, CREATED, slug=slug, notices=notices)

    def _create_all(self, new):
        """Write the new releases a group planned, ``(release, record, known)`` each.

        A few queries for them all, whatever their number: the releases
        (:func:`~press.bulk.create_releases`, which sends their ``post_save``),
        one INSERT per link table, their first revisions and their workflow
        records. They are written in the group's transaction: if anything
        fails here, the whole group is written again record by record.
        """
        if not new:
            return
        written = [(release, record) for release, record, _known in new]
        create_releases([release for release, _record in written])
        self._links(written)
        self._versions(written, "Imported from")
        Transition.objects.bulk_create(
            self._transition(release, record, source="") for release, record in written
        )
        for release, _record, known in new:
            known.pk = release.pk

    def _transition(self, release, record, *, source):
        """The workflow's record of the state the import put the release in (unsaved)."""
        return Transition(
            release=release,
            name="import",
            source=source,
            target=release.state,
            comment=self._where(record),
        )

    def _step(self, release, record, *, source):
        self._transition(release, record, source=source).save()

    def _keep_workflow(self, known, changed):
        """``changed`` less the state and time, when a person moved the release since the
        import did (a publisher withdrew, sent back or stopped it): a re-run of the
        same file must not undo that. (changed, notices)."""
        if not {"status", "published_at"} & set(changed) or known.pk is None:
            return changed, ()
        last = (
            Transition.objects.filter(release_id=known.pk)
            .order_by("-at", "-pk")
            .values_list("name", flat=True)
            .first()
        )
        if last is None or last == "import":
            return changed, ()
        kept = tuple(f for f in changed if f not in ("status", "published_at"))
        return kept, (WorkflowKept(last),)

    def _update(self, record, known, changed, hashes, notices=()):
        if not self.dry_run:
            with transaction.atomic(), listing_model.refreshed_once():
                release = known.instance or PressRelease.objects.get(pk=known.pk)
                source = release.state
                for name in (*SCALAR_FIELDS, "source_url"):
                    if name in changed:
                        attribute = "type_id" if name == "type" else name
                        setattr(release, attribute, getattr(record, attribute))
                release.import_key = record.import_key
                if release.is_scheduled and not release.embargo_key:
                    release.embargo_key = workflow.new_embargo_key()
                elif not release.is_scheduled:
                    release.embargo_key = ""
                if release.status != PressRelease.Status.WITHDRAWN:
                    release.withdrawn_at, release.withdrawal_note = None, ""
                # Always saved, so that updated_at tells when the import changed it.
                release.save()
                if release.state != source:
                    self._step(release, record, source=source)
                for name in M2M_FIELDS:
                    if name in changed:
                        getattr(release, name).set(record.links[name])
                if "translation_group" in changed:  # it joined a group: take or give tags
                    if record.tags_from_group:
                        translations.adopt_tags(release)
                    else:
                        translations.share_tags(release)
                self._versions([(release, record)], "Updated by import from")
        known.instance = None
        self._remember(record, known.pk, known.slug, hashes)
        return Outcome(
            record.path, record.line, UPDATED, slug=known.slug, changed=changed, notices=notices
        )


def import_files(paths, *, dry_run=False, stdout=None, stderr=None, verbosity=1):
    """Import press releases from ``paths``; return an :class:`ImportReport`.

    Per-record lines go to ``stdout`` (in a dry run, or at verbosity 2),
    errors and the progress counter to ``stderr``; either may be None.
    """
    importer = Importer(dry_run=dry_run, stdout=stdout, stderr=stderr, verbosity=verbosity)
    return importer.run(paths)
