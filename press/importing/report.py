"""The report of an import run: what happened to each record, and the totals."""

from collections import Counter
from dataclasses import dataclass, field

CREATED, UPDATED, UNCHANGED, FAILED = "created", "updated", "unchanged", "failed"
_DRY_WORDS = {CREATED: "would create", UPDATED: "would update", UNCHANGED: "unchanged"}


@dataclass(frozen=True)
class SlugTaken:
    """A record's slug belongs to another release: it was imported under a free one."""

    wanted: str
    given: str

    def describe(self):
        return (
            f"slug {self.wanted!r} belongs to another release; "
            f"imported as {self.given!r} instead of over it"
        )


@dataclass(frozen=True)
class WorkflowKept:
    """A record's status or date differs, but a person moved the release since: kept."""

    step: str

    def describe(self):
        return (
            f"its state was changed in the review workflow since it was imported "
            f"({self.step}): the import keeps that state and its publication time"
        )


@dataclass(frozen=True)
class GroupTagsDiffer:
    """A translation gave tags other than those its group got earlier in the run: ignored."""

    group: str
    given_at: str  # FILE:LINE of the record whose tags the group keeps

    def describe(self):
        return (
            f"its tags differ from those {self.given_at} gave its translation group "
            f"{self.group!r}; the group keeps those"
        )


@dataclass
class Outcome:
    """What happened to one record (or, with line 0, to a whole unreadable file)."""

    path: str
    line: int
    action: str
    slug: str = ""
    message: str = ""
    changed: tuple = ()
    warnings: tuple = ()  # TagWarnings: the record still counts by its action
    notices: tuple = ()  # SlugTaken, WorkflowKept: what else the report must say of it

    @property
    def where(self):
        return f"{self.path}:{self.line}" if self.line else self.path

    def describe(self, *, dry_run=False):
        if self.action == FAILED:
            return f"{self.where}: {self.message}"
        word = _DRY_WORDS[self.action] if dry_run else self.action
        text = f"{self.where}: {word} {self.slug}"
        if self.changed:
            text += f" ({', '.join(self.changed)})"
        return text

    def describe_warnings(self):
        """One ``FILE:LINE: warning: ...`` line per notice and tag warning."""
        return [
            f"{self.where}: warning: {warning.describe()}"
            for warning in (*self.notices, *self.warnings)
        ]


def _totals(counts):
    return (
        f"created {counts[CREATED]}, updated {counts[UPDATED]}, "
        f"unchanged {counts[UNCHANGED]}, failed {counts[FAILED]}, "
        f"tag warnings {counts['warnings']}, slugs taken {counts['slugs taken']}"
    )


@dataclass
class ImportReport:
    dry_run: bool = False
    outcomes: list = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)
    #: path -> Counter of actions and "warnings", in the order the files were read.
    per_file: dict = field(default_factory=dict)

    def add(self, outcome):
        self.outcomes.append(outcome)
        file_counts = self.per_file.setdefault(outcome.path, Counter())
        for counts in (self.counts, file_counts):
            counts[outcome.action] += 1
            counts["warnings"] += len(outcome.warnings)
            counts["slugs taken"] += sum(isinstance(n, SlugTaken) for n in outcome.notices)

    created = property(lambda self: self.counts[CREATED])
    updated = property(lambda self: self.counts[UPDATED])
    unchanged = property(lambda self: self.counts[UNCHANGED])
    failed = property(lambda self: self.counts[FAILED])
    tag_warnings = property(lambda self: self.counts["warnings"])

    @property
    def ok(self):
        return not self.failed

    @property
    def errors(self):
        return [o.describe() for o in self.outcomes if o.action == FAILED]

    @property
    def warnings(self):
        return [line for o in self.outcomes for line in o.describe_warnings()]

    def summary(self):
        """One line per file when there are several, then the totals on the last line."""
        lines = []
        if len(self.per_file) > 1:
            lines = [f"{path}: {_totals(counts)}" for path, counts in self.per_file.items()]
        text = _totals(self.counts)
        lines.append(f"Dry run, nothing written: {text}" if self.dry_run else text)
        return "\n".join(lines)
