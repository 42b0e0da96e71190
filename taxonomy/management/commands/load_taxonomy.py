from django.core.management.base import BaseCommand, CommandError

from taxonomy.services import DATA_FILE, TaxonomyDataError, load_taxonomy


class Command(BaseCommand):
    help = (
        "Create or update the taxonomy trees from the shipped data file. Idempotent; "
        "never deletes a node."
    )

    def add_arguments(self, parser):
        parser.add_argument("--file", default=str(DATA_FILE), help="data file (JSON)")

    def handle(self, *args, file, **options):
        try:
            report = load_taxonomy(path=file)
        except TaxonomyDataError as exc:
            raise CommandError(str(exc)) from exc
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
            self.stdout.write(self.style.SUCCESS(f"Taxonomy loaded ({report.checked} nodes)."))
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Taxonomy is up to date: nothing changed ({report.checked} nodes checked)."
                )
            )
