"""Test data, built with factory_boy: one place that knows how to make a valid object.

Tests say only what matters to them (``PressReleaseFactory(status="draft")``);
everything else gets a valid default. Node tags are given as slugs of the
shipped trees (the session loads them once), by relation name:
``PressReleaseFactory(tags={"topics": ["elections"], "countries": ["moldova"]})``.
"""

from datetime import timedelta

import factory
from axes.models import AccessFailureLog
from django.contrib.auth.models import Group, User

from press.models import OldSlug, PressRelease, ReleaseType
from taxonomy import clock
from taxonomy.models import Country, Meeting, Structure, Topic

TAG_MODELS = {
    "topics": Topic,
    "countries": Country,
    "structures": Structure,
    "meetings": Meeting,
    "sources": Structure,
}


class UserFactory(factory.django.DjangoModelFactory):
    """A staff user with a known password; ``group`` names a role to join."""

    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    is_staff = True
    is_superuser = False
    password = factory.django.Password("pw-for-tests")

    @factory.post_generation
    def group(self, create, name, **kwargs):
        if create and name:
            self.groups.add(Group.objects.get(name=name))


def _default_type():
    return ReleaseType.objects.get(slug="press-release")


class PressReleaseFactory(factory.django.DjangoModelFactory):
    """A public press release, published an hour ago, unless told otherwise."""

    class Meta:
        model = PressRelease
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Release number {n}")
    type = factory.LazyFunction(_default_type)
    status = PressRelease.Status.PUBLISHED
    published_at = factory.LazyAttribute(
        lambda r: clock.now() - timedelta(hours=1) if r.status == "published" else None
    )
    summary = ""
    body = ""

    @factory.post_generation
    def tags(self, create, tags, **kwargs):
        """``{"topics": [slug, ...], ...}``: link the release to those nodes."""
        if not create or not tags:
            return
        for relation, slugs in tags.items():
            getattr(self, relation).set(TAG_MODELS[relation].objects.filter(slug__in=slugs))


class OldSlugFactory(factory.django.DjangoModelFactory):
    """A former address of a release, as a slug change leaves behind."""

    class Meta:
        model = OldSlug

    slug = factory.Sequence(lambda n: f"a-former-address-{n}")
    release = factory.SubFactory(PressReleaseFactory)


class AccessFailureLogFactory(factory.django.DjangoModelFactory):
    """A failed-login log entry; django-axes writes these only when its failure log is on."""

    class Meta:
        model = AccessFailureLog

    username = "someone"
    ip_address = "192.0.2.1"
    user_agent = "test"
    http_accept = "*/*"
    path_info = "/admin/login/"


class TopicFactory(factory.django.DjangoModelFactory):
    """A field of work; a root unless given a ``parent``."""

    class Meta:
        model = Topic

    name = factory.Sequence(lambda n: f"Field of work {n}")
    parent = None
