from django.core.management.base import BaseCommand, CommandError

from taxonomy.history import history_problems
from taxonomy.integrity import DERIVED, tree_problems
from taxonomy.locking import tree_write
from taxonomy.models import TREE_MODELS
from taxonomy.services import DATA_FILE, TaxonomyDataError, read_data


class Command(BaseCommand):
    help = (
        "Verify that every taxonomy tree, its nodes' history (dated names, successors), what "
        "is derived from the trees (the listing's read model) and the shipped data file are "
        "intact; exit non-zero and name the broken ones."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--rebuild",
            action="store_true",
            help="Rebuild a broken tree's lft/rght/level from the parent links (under the lock), "
            "then whatever is derived from the trees and found wrong.",
        )
        parser.add_argument(
            "--data",
            default=str(DATA_FILE),
            help="The taxonomy data file to check as well (default: the shipped one).",
        )

    def handle(self, *args, rebuild=False, data=None, **options):
        broken = []
        try:
            read_data(data or DATA_FILE)
        except TaxonomyDataError as exc:
            broken.append("data file")
            self.stderr.write(self.style.ERROR(f"data file: BROKEN\n  - {exc}"))
        else:
            self.stdout.write(self.style.SUCCESS(f"data file: intact ({data or DATA_FILE})"))
        for model in TREE_MODELS:
            name = model._meta.verbose_name_plural
            problems = tree_problems(model)
            if problems and rebuild:
                with tree_write(model):
                    model._tree_manager.rebuild()
                self.stdout.write(self.style.WARNING(f"{name}: rebuilt from parent links"))
                problems = tree_problems(model)
            if problems:
                broken.append(str(name))
                self.stderr.write(self.style.ERROR(f"{name}: BROKEN"))
                for problem in problems:
                    self.stderr.write(f"  - {problem}")
            else:
                count = model._base_manager.count()
                self.stdout.write(self.style.SUCCESS(f"{name}: intact ({count} nodes)"))
            # Spans and successors: nothing can rebuild them but an administrator.
            problems = history_problems(model)
            if problems:
                broken.append(f"{name} (history)")
                self.stderr.write(self.style.ERROR(f"{name} history: BROKEN"))
                for problem in problems:
                    self.stderr.write(f"  - {problem}")
            else:
                self.stdout.write(self.style.SUCCESS(f"{name} history: sound"))
        for name, (verify, rebuild_derived) in DERIVED.items():
            problems = verify()
            if problems and rebuild:
                rebuild_derived()
                self.stdout.write(self.style.WARNING(f"{name}: rebuilt"))
                problems = verify()
            if problems:
                broken.append(name)
                self.stderr.write(self.style.ERROR(f"{name}: BROKEN"))
                for problem in problems:
                    self.stderr.write(f"  - {problem}")
            else:
                self.stdout.write(self.style.SUCCESS(f"{name}: intact"))
        if broken:
            raise CommandError(f"broken tree(s): {', '.join(broken)}")
