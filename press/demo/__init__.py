"""Generated demo press releases, at any scale (seed_demo).

Everything a release needs is decided in memory from the trees, which are read
once (``context``): ``plan_releases()`` (``planner``) is a pure, seeded
generator of planned records, and ``generate_releases()`` (``writing``) writes
them in batches, in bulk only: per batch, one slug check, one write for the
releases and one per link table (``COPY`` on PostgreSQL, ``press.bulk``),
while a thread plans the next batch; on PostgreSQL two batches are written
at once, each on a connection of its own (``writing.written``). The number
of queries depends on the batch size, never on the number of releases.

The text is assembled from phrase lists (``text``) keyed by the shipped trees'
stable ``key``s (a node renamed in the admin keeps its key), with generic
fallbacks for nodes the lists do not know, so any tree works; who speaks about
what is in ``tags``. Node names are escaped where they enter the HTML body;
nothing else reaches it.
"""

from .context import MissingTaxonomy, load_context
from .planner import PlannedRelease, plan_releases
from .writing import generate_releases

__all__ = [
    "MissingTaxonomy",
    "PlannedRelease",
    "generate_releases",
    "load_context",
    "plan_releases",
]
