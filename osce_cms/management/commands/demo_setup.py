import os
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand

import press
from press.models import PressRelease

from ...roles import COMMUNICATIONS_STAFF

DEMO_USER = os.environ.get("DEMO_USER", "admin")
DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "admin")
EDITOR_USER = "editor"
PRESS_DATA = Path(press.__file__).resolve().parent / "data"
SEED_PAGE = PRESS_DATA / "seed" / "osce-press-release-2024-05-17.txt"
#: Four stories, each in the site's six languages (a translation group per story).
DEMO_TRANSLATIONS = PRESS_DATA / "demo" / "translations.jsonl"


class Command(BaseCommand):
    help = "Prepare the local demo: a demo superuser and demo content. Never for production."

    def add_arguments(self, parser):
        parser.add_argument("--releases", type=int, default=400)
        parser.add_argument("--port", type=int, default=8000, help="where make demo serves")

    def handle(self, *args, releases, port, **options):
        User = get_user_model()
        user, created = User.objects.get_or_create(
            username=DEMO_USER, defaults={"is_staff": True, "is_superuser": True}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        editor, created = User.objects.get_or_create(
            username=EDITOR_USER, defaults={"is_staff": True}
        )
        if created:
            editor.set_password(EDITOR_USER)
            editor.save()
            editor.groups.add(Group.objects.get(name=COMMUNICATIONS_STAFF))
        if not PressRelease.objects.exists():
            self.stdout.write(f"Generating {releases} demo releases…")
            call_command("seed_demo", releases=releases, stdout=self.stdout, stderr=self.stderr)
            # One real release from the site this replaces.
            self.stdout.write("Importing a real release (the seed page)…")
            call_command("import_press_releases", str(SEED_PAGE), stdout=self.stdout)
            self.stdout.write("Importing releases in every language (with their translations)…")
            call_command("import_press_releases", str(DEMO_TRANSLATIONS), stdout=self.stdout)
        else:
            self.stdout.write("Demo content already present: not adding more.")
        self.stdout.write("Checking the trees…")
        call_command("check_trees", stdout=self.stdout)
        self.stdout.write(
            self.style.SUCCESS(
                f"\nDemo ready. Site: http://127.0.0.1:{port}/   Admin: http://127.0.0.1:{port}/admin/\n"
                f"Log in as {DEMO_USER!r} / {DEMO_PASSWORD!r} (superuser) or "
                f"{EDITOR_USER!r} / {EDITOR_USER!r} (communications staff).\n"
                "These are local demo accounts: drop the database before any real use.\n"
            )
        )
