"""The one registry of the listing's dimensions: topic, country, structure, meeting.

Each dimension is declared once, as data: its public parameter, its tree
model, the release relation that tags it, its labels and the key of the
import record. The FilterSet, the facets, the chips and feed titles, the
importer, the admin's filters, the read model, the node pages and the
sitemap read it; nothing else maps one of these names to another. In code a
dimension is called by its parameter's word (``country``, never
``location``): the relation is the plural of that word.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from taxonomy.models import Country, Meeting, Node, Structure, Topic


@dataclass(frozen=True)
class Dimension:
    #: The listing parameter (``?country=moldova``) and the word code uses.
    param: str
    #: The tree its values are nodes of.
    model: type[Node]
    #: The many-to-many field of ``PressRelease`` that tags releases with nodes.
    relation: str
    #: The facet's heading and the filter's label ("Country").
    label: str
    #: The heading of a list of its nodes ("Countries").
    plural: str
    #: The key of the JSON Lines record that names its nodes.
    import_key: str

    def __str__(self):
        return self.param


DIMENSIONS = (
    Dimension("topic", Topic, "topics", _("Field of work"), _("Fields of work"), "topics"),
    Dimension("country", Country, "countries", _("Country"), _("Countries"), "countries"),
    Dimension("structure", Structure, "structures", _("Structure"), _("Structures"), "structures"),
    Dimension("meeting", Meeting, "meetings", _("Meeting"), _("Meetings"), "meetings"),
)

#: Parameter -> dimension, in the order the listing shows them.
BY_PARAM = {dimension.param: dimension for dimension in DIMENSIONS}
#: Tree model -> dimension.
BY_MODEL = {dimension.model: dimension for dimension in DIMENSIONS}
#: Release relation -> dimension.
BY_RELATION = {dimension.relation: dimension for dimension in DIMENSIONS}
PARAMS = tuple(BY_PARAM)
#: The read model's dimensions beyond the trees: a release's type and its year.
TYPE, YEAR = "type", "year"
RELATIONS = tuple(BY_RELATION)
