"""Send everything that is due once, then exit: confirmations, alerts, digests.

For cron (every minute), the tests and the demo; ``--every N`` runs it again
every N seconds until stopped, for a container without cron.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from alerts.tasks import run_all


class Command(BaseCommand):
    help = "Send the email alerts that are due: confirmations, immediate alerts, digests."

    def add_arguments(self, parser):
        parser.add_argument(
            "--every",
            type=int,
            default=0,
            metavar="SECONDS",
            help="Run again every SECONDS seconds until stopped (default: once).",
        )
        parser.add_argument(
            "--quiet", action="store_true", help="Say nothing of a run that had nothing to do."
        )

    def handle(self, *args, every=0, quiet=False, **options):
        if every < 0:
            raise CommandError("--every takes a number of seconds, 1 or more.")
        while True:
            done = run_all()
            if not (quiet and not any(done.values())):
                self.stdout.write(
                    "Confirmations {confirmations}, releases matched {releases}, "
                    "deliveries {deliveries}, immediate alerts {immediate}, "
                    "digests {digests}, unconfirmed requests forgotten {forgotten}".format(**done)
                )
            if not every:
                return
            time.sleep(every)
