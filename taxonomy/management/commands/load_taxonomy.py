import time

from django.core.management.base import BaseCommand, CommandError

from taxonomy.progress import progress
from taxonomy.services import DATA_FILE, TREES, TaxonomyDataError, load_taxonomy, read_data


def _count(items):
    return sum(1 + _count(item.get("children", [])) for item in items)


class Command(BaseCommand):
    help = (
        "Create or update the taxonomy trees from the shipped data file. Idempotent; "
        "never deletes a node."
    )

    def add_arguments(self, parser):
        parser.add_argument("--file", default=str(DATA_FILE), help="data file (JSON)")

    def handle(self, *args, file, **options):
        started = time.monotonic()
        try:
            data = read_data(file)
            total = sum(_count(data.get(tree, [])) for tree in TREES)
            with progress(total=total, desc="Taxonomy", unit="node", stream=self.stderr) as bar:
                report = load_taxonomy(data=data, on_node=bar.update)
        except TaxonomyDataError as exc:
            raise CommandError(str(exc)) from exc
        elapsed = time.monotonic() - started
        if options["verbosity"] == 0:
            return
        verbose = options["verbosity"] > 1
        for label, items in (
            ("created", report.created),
            ("updated", report.updated),
            ("alias added", report.aliases_added),
            ("chairpersonship", report.chairpersonships),
            ("skipped", report.skipped),
        ):
            if items:
                self.stdout.write(f"{len(items)} {label}")
                for item in items if verbose or len(items) <= 20 else items[:5]:
                    self.stdout.write(f"  {label}: {item}")
        if report.changed:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Taxonomy loaded: {len(report.created)} created, {len(report.updated)} "
                    f"updated, {report.checked} nodes checked in {elapsed:.1f} s."
                )
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Taxonomy is up to date: nothing changed ({report.checked} nodes checked "
                    f"in {elapsed:.1f} s)."
                )
            )
