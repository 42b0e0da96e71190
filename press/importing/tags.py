"""Tag resolution: record names to tree nodes and release types, per run."""

from taxonomy.models import Location, Meeting, Structure, Topic
from taxonomy.naming import NameIndex

from ..models import PressRelease, ReleaseType

#: Record key -> (release relation, tree model). Sources also go to structures.
RELATIONS = {
    "sources": ("sources", Structure),
    "structures": ("structures", Structure),
    "topics": ("topics", Topic),
    "countries": ("locations", Location),
    "meetings": ("meetings", Meeting),
}
M2M_FIELDS = ("sources", "topics", "locations", "structures", "meetings")


class Resolver:
    """Names to nodes and types, with every index built once."""

    def __init__(self):
        self.indexes = {model: NameIndex(model) for model in (Structure, Topic, Location, Meeting)}
        self.types = {}
        for release_type in ReleaseType.objects.all():
            self.types[release_type.slug.casefold()] = release_type
            self.types[" ".join(release_type.name.split()).casefold()] = release_type
        self.type_names = {" ".join(t.name.split()).casefold() for t in self.types.values()}

    def release_type(self, name):
        return self.types.get(" ".join(str(name).split()).casefold())


def field_model(name):
    """The node model of a release relation ("topics" -> Topic)."""
    return PressRelease._meta.get_field(name).related_model
