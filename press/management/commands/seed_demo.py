from django.core.management.base import BaseCommand

from press.demo import generate_releases


def positive(value):
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = (
        "Create realistic generated press releases, tagged across the four trees, for the demo "
        "and for benchmarks. Deterministic for a given --seed; every run adds new releases."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--releases", type=positive, default=200, help="how many to create (default 200)"
        )
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument(
            "--batch-size",
            type=positive,
            default=2000,
            help="releases per transaction and INSERT (default 2000)",
        )

    def handle(self, *args, releases, seed, batch_size, **options):
        stdout = self.stdout if options["verbosity"] > 0 else None
        generate_releases(
            releases, seed=seed, batch_size=batch_size, stdout=stdout, stream=self.stderr
        )
