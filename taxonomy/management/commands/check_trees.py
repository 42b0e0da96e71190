from django.core.management.base import BaseCommand, CommandError

from taxonomy.integrity import DERIVED, tree_problems
from taxonomy.locking import tree_write
from taxonomy.models import TREE_MODELS


class Command(BaseCommand):
    help = (
        "Verify that every taxonomy tree, and what is derived from the trees (the listing's "
        "read model), is intact; exit non-zero and name the broken ones."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--rebuild",
            action="store_true",
            help="Rebuild a broken tree's lft/rght/level from the parent links (under the lock), "
            "then whatever is derived from the trees and found wrong.",
        )

    def handle(self, *args, rebuild=False, **options):
        broken = []
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
