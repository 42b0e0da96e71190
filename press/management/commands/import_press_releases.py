from django.core.management.base import BaseCommand, CommandError

from press.importing import import_files


class Command(BaseCommand):
    help = (
        "Import press releases from JSON Lines files and plain-text page exports. "
        "Idempotent: a record already imported is left alone unless it changed. "
        "A bad record is reported as FILE:LINE: reason and nothing of it is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Parse, resolve and compare everything; print what would happen; write nothing.",
        )

    def handle(self, *args, files, dry_run=False, verbosity=1, **options):
        report = import_files(
            files, dry_run=dry_run, stdout=self.stdout, stderr=self.stderr, verbosity=verbosity
        )
        self.stdout.write(report.summary())
        if report.failed:
            raise CommandError(
                f"{report.failed} record(s) failed (see the errors above); the others were "
                + ("checked" if dry_run else "imported")
            )
