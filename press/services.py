"""Writes on press releases beyond a single save (publishing is press.workflow's)."""


def sync_sources(release):
    """Sources are structures too: a filter on a structure finds what it issued."""
    missing = release.sources.exclude(pk__in=release.structures.values("pk"))
    release.structures.add(*missing)
