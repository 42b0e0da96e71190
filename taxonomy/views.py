import datetime

from django.db.models import CharField, DateField, IntegerField, Q, Value
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from .collation import collation_key, in_reading_order
from .history import link_model, name_model
from .index import tree_index
from .languages import language_slot
from .models import Country, Meeting, NodeLink, OldNodeSlug, Structure, Topic
from .navigation import node_url, ref_url, ref_urls

TREES = {
    "topics": {"model": Topic, "title": _("Fields of work"), "index": "taxonomy:topics",
               "param": "topic"},
    "countries": {"model": Country, "title": _("Countries"), "index": "taxonomy:countries",
                  "param": "country"},
    "structures": {"model": Structure, "title": _("Structures and institutions"),
                   "index": "taxonomy:structures", "param": "structure"},
    "meetings": {"model": Meeting, "title": _("Meetings and conferences"),
                 "index": "taxonomy:meetings", "param": "meeting"},
}  # fmt: skip


class TreeMixin:
    tree = None

    @property
    def tree_info(self):
        return TREES[self.tree]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["tree"] = self.tree
        context["tree_title"] = self.tree_info["title"]
        context["tree_index"] = self.tree_info["index"]
        context["crumbs"] = [
            {"name": self.tree_info["title"], "url": reverse(self.tree_info["index"])}
        ]
        return context


class TreeIndexView(TreeMixin, TemplateView):
    template_name = "taxonomy/index.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        model = self.tree_info["model"]
        # Countries alphabetically under each group, by the names the page's
        # language shows; the groups, like other trees, in the editors' order.
        nodes = in_reading_order(
            model.objects.order_by("tree_id", "lft"),
            alphabetical=model.ALPHABETICAL,
            language=get_language(),
            sort_roots=False,
        )
        for node in nodes:
            node.url = node_url(node)
        context["nodes"] = nodes
        return context


class NodeView(TreeMixin, TemplateView):
    """A node of a tree: its place in the tree, its children and, for a
    country, its field operations and chairpersonships.

    Structure addresses are slug paths; as slugs are unique per tree, the
    last slug names the node, and a path that is out of date (the node was
    moved) or a former slug (it was renamed) redirects permanently. The
    site's node pages (``press.nodes``) add the node's releases.
    """

    template_name = "taxonomy/node.html"

    def get(self, request, *args, **kwargs):
        model = self.tree_info["model"]
        if self.tree == "structures":
            slugs = [s for s in kwargs["path"].split("/") if s]
            slug = slugs[-1] if slugs else ""
            requested = "/".join(slugs)
        else:
            slug = requested = kwargs["slug"]
        node = model.objects.filter(slug=slug).first()
        if node is None:
            old = OldNodeSlug.objects.filter(tree=model._meta.model_name, slug=slug).first()
            node = model.objects.filter(pk=old.node_id).first() if old else None
            if node is None:
                raise Http404
            return self._redirect(node)
        if self.tree == "structures" and node.slug_path() != requested:
            return self._redirect(node)
        self.node = node
        return super().get(request, *args, **kwargs)

    def _redirect(self, node):
        url = node.get_absolute_url()
        if self.request.META.get("QUERY_STRING"):
            url += "?" + self.request.META["QUERY_STRING"]
        return redirect(url, permanent=True)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        node = self.node
        context["node"] = node
        # Ancestors and children from the tree index this process keeps: no query.
        model = type(node)
        index = tree_index(model)
        ref = index.by_pk.get(node.pk)
        if ref is None:  # created after this request read the trees' version
            raise Http404
        language = get_language()  # names in the page's language, asked once
        url = ref_urls(model)  # the menu's addresses, read once for every link here
        context["crumbs"] += [
            {"name": r.name_in(language), "url": url(r)} for r in index.ancestors_and_self(ref)
        ]
        context["children"] = [
            {"name": r.name_in(language), "url": url(r), "is_active": r.is_active}
            for r in index.in_reading_order(model.ALPHABETICAL, language)
            if r.parent_id == node.pk
        ]
        if isinstance(node, Country):
            # The current ones first, each part alphabetically by the name shown.
            operations = sorted(
                node.structures.all(),
                key=lambda op: (not op.is_active, collation_key(op.name_in(language), language)),
            )
            for op in operations:
                op.url = node_url(op)
            context["field_operations"] = operations
            context["chaired"] = node.chairpersonships.order_by("year")
        context["history"] = node_history(node, index, ref, language)
        return context


# --- A node's history on its page --------------------------------------------

#: The order a node's links of one direction are told in.
_KIND_ORDER = [NodeLink.SUCCEEDED_BY, NodeLink.MERGED_INTO, NodeLink.SPLIT_INTO]


def _named(names, slot):
    """A name in the page's language and its ``lang`` when it is the English fallback."""
    name = names[slot]
    return name, ("en" if slot and name == names[0] else "")


def node_history(node, index, ref, language):
    """What a node page tells of its past, or None when there is nothing to tell.

    The names it had (oldest first), when it opened and closed, the nodes it
    followed and those that followed it, its history note and the sources.
    Names, spans and links come from the tree index; the dates, their source
    and the note are the node's own columns. Only the sources of dated names
    and links need the database: one query, and only for a node that has
    former names or links.
    """
    model = type(node)
    slot = language_slot(language)
    spans = ref.history
    former = any(not span.is_current for span in spans)
    links = [link for link in index.links if ref.pk in (link[0], link[1])]
    dated = bool(former or links or node.opened_on or node.closed_on)
    if not (dated or node.history_note or _web_address(node.dates_source)):
        return None
    sources = _sources(model, node.pk) if (former or links) else {}

    names = []
    if former:
        for span in spans:
            name, lang = _named(span.names, slot)
            end = span.valid_to
            if span.is_current:
                end = node.closed_on
            names.append(
                {
                    "name": name,
                    "lang": lang,
                    "start": span.valid_from,
                    "end": end,
                    # The current name of a node still open: its span runs until today.
                    "until_today": span.is_current and node.is_active and end is None,
                    "source": _web_address(sources.get(("name", span.valid_from, span.names[0]))),
                }
            )

    before, after = [], []
    for source, target, kind, day in links:
        outgoing = source == ref.pk
        other = index.by_pk.get(target if outgoing else source)
        if other is None:
            continue
        name, lang = _named(other.names, slot)
        entry = {
            "kind": kind,
            "label": NodeLink.label(kind, from_target=not outgoing),
            "name": name,
            "lang": lang,
            "url": ref_url(model, other),
            "date": day,
            "source": _web_address(sources.get(("link", source, target, kind))),
        }
        (after if outgoing else before).append(entry)
    return {
        # Whether there is anything for the list of facts (else just the note).
        "dated": dated,
        "opened": node.opened_on,
        "closed": node.closed_on,
        # Closed on a day nobody recorded: said so, not left out.
        "closed_unknown": not node.is_active and node.closed_on is None,
        "dates_source": _web_address(node.dates_source),
        "names": names,
        "before": _grouped(before, language),
        "after": _grouped(after, language),
        "note": node.history_note,
    }


def _web_address(url):
    """``url`` if it is a web address (a source is linked as is), else ""."""
    url = (url or "").strip()
    return url if url.lower().startswith(("https://", "http://")) else ""


def _grouped(entries, language):
    """Links of one direction as [(label, [entries])], by kind, each kind's by date."""
    groups = []
    for kind in _KIND_ORDER:
        found = [e for e in entries if e["kind"] == kind]
        if found:
            found.sort(
                key=lambda e: (
                    e["date"] is None,
                    e["date"] or datetime.date.min,
                    collation_key(e["name"], language),
                )
            )
            groups.append({"label": found[0]["label"], "links": found})
    return groups


def _sources(model, pk):
    """{key: source URL} of a node's dated names and links, from one query.

    A name is keyed ("name", first day, English name), a link ("link",
    source pk, target pk, kind): what the tree index knows them by.
    """
    names = (
        name_model(model)
        .objects.filter(node_id=pk)
        .exclude(source_url="")
        .annotate(
            what=Value("name", output_field=CharField()),
            source_pk=Value(None, output_field=IntegerField()),
            target_pk=Value(None, output_field=IntegerField()),
            link_kind=Value("", output_field=CharField()),
        )
        .order_by()
        .values_list(
            "what", "valid_from", "name", "source_pk", "target_pk", "link_kind", "source_url"
        )
    )
    links = (
        link_model(model)
        .objects.filter(Q(source_id=pk) | Q(target_id=pk))
        .exclude(source_url="")
        .annotate(
            what=Value("link", output_field=CharField()),
            day=Value(None, output_field=DateField()),
            no_name=Value("", output_field=CharField()),
        )
        .order_by()
        .values_list("what", "day", "no_name", "source_id", "target_id", "kind", "source_url")
    )
    found = {}
    for what, day, name, source, target, kind, url in names.union(links, all=True):
        if what == "name":
            found[("name", day, name)] = url
        else:
            found[("link", source, target, kind)] = url
    return found
