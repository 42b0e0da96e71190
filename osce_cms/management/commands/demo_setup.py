import os
from datetime import timedelta
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand

import press
from press import workflow
from press.models import PressRelease
from taxonomy import clock

from ...roles import COMMUNICATIONS_STAFF, PUBLISHERS

DEMO_USER = os.environ.get("DEMO_USER", "admin")
DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "admin")
EDITOR_USER = "editor"
PUBLISHER_USER = "publisher"
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
        editor = self.account(EDITOR_USER, COMMUNICATIONS_STAFF, "Elena", "Editor")
        publisher = self.account(PUBLISHER_USER, PUBLISHERS, "Pavel", "Publisher")
        if not PressRelease.objects.exists():
            self.stdout.write(f"Generating {releases} demo releases…")
            call_command("seed_demo", releases=releases, stdout=self.stdout, stderr=self.stderr)
            # One real release from the site this replaces.
            self.stdout.write("Importing a real release (the seed page)…")
            call_command("import_press_releases", str(SEED_PAGE), stdout=self.stdout)
            self.stdout.write("Importing releases in every language (with their translations)…")
            call_command("import_press_releases", str(DEMO_TRANSLATIONS), stdout=self.stdout)
            self.stdout.write("Walking a few drafts through the review workflow…")
            self.walk_workflow(editor, publisher)
        else:
            self.stdout.write("Demo content already present: not adding more.")
        self.stdout.write("Checking the trees…")
        call_command("check_trees", stdout=self.stdout)
        self.stdout.write(
            self.style.SUCCESS(
                f"\nDemo ready. Site: http://127.0.0.1:{port}/   Admin: http://127.0.0.1:{port}/admin/\n"
                f"Log in as {DEMO_USER!r} / {DEMO_PASSWORD!r} (superuser), "
                f"{EDITOR_USER!r} / {EDITOR_USER!r} (communications staff) or "
                f"{PUBLISHER_USER!r} / {PUBLISHER_USER!r} (publisher).\n"
                "These are local demo accounts: drop the database before any real use.\n"
            )
        )

    def account(self, username, role, first_name, last_name):
        """A demo account in ``role``, its password its name."""
        User = get_user_model()
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "is_staff": True,
                "first_name": first_name,
                "last_name": last_name,
                "email": f"{username}@example.org",
            },
        )
        if created:
            user.set_password(username)
            user.save()
            user.groups.add(Group.objects.get(name=role))
        return user

    def walk_workflow(self, editor, publisher):
        """What a newsroom holds on a weekday: work in review, sent back, scheduled, withdrawn.

        Each step through ``press.workflow``, as the admin takes it: recorded,
        with four eyes (the editor edits, the publisher approves).
        """
        drafts = list(PressRelease.objects.drafts().order_by("-pk")[:4])
        for release in drafts:
            PressRelease.objects.filter(pk=release.pk).update(
                created_by=editor, edited_by=editor, edited_at=clock.now()
            )
        steps = [
            (0, "submit", editor, "Ready for the spokesperson."),
            (1, "submit", editor, ""),
            (1, "send_back", publisher, "Please add the quote from the Head of Mission."),
            (2, "submit", editor, "Embargoed until tomorrow morning."),
            (2, "approve", publisher, "Cleared."),
        ]
        for index, name, user, comment in steps:
            if index >= len(drafts):
                continue
            at = clock.now() + timedelta(days=1) if name == "approve" else None
            workflow.perform(drafts[index].pk, name, user, comment=comment, at=at)
        published = PressRelease.objects.published().order_by("-published_at")[4:5].first()
        if published is not None:
            workflow.perform(
                published.pk,
                "withdraw",
                publisher,
                comment="Withdrawn at the request of the Mission: it named the wrong venue.",
            )
