"""The trees' public addresses: an index page per tree and a page per node.

The project composes them with the view that renders a node
(``tree_urlpatterns(press.nodes.NodeReleasesView)``), so the names stay
``taxonomy:topic`` and friends whichever app fills the node pages.
"""

from django.urls import path

from . import views

app_name = "taxonomy"


def tree_urlpatterns(node_view=views.NodeView):
    node = node_view.as_view
    index = views.TreeIndexView.as_view
    return [
        path("topics/", index(tree="topics"), name="topics"),
        path("topics/<slug:slug>/", node(tree="topics"), name="topic"),
        path("countries/", index(tree="countries"), name="countries"),
        path("countries/<slug:slug>/", node(tree="countries"), name="country"),
        path("structures/", index(tree="structures"), name="structures"),
        path("structures/<path:path>/", node(tree="structures"), name="structure"),
        path("meetings/", index(tree="meetings"), name="meetings"),
        path("meetings/<slug:slug>/", node(tree="meetings"), name="meeting"),
    ]


urlpatterns = tree_urlpatterns()
