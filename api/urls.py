from django.urls import path, re_path

from press.dimensions import DIMENSIONS

from . import docs, views

app_name = "api"

urlpatterns = [
    path("releases/", views.ReleaseListView.as_view(), name="releases"),
    path("releases/<slug:slug>/", views.ReleaseDetailView.as_view(), name="release"),
    path("facets/", views.FacetsView.as_view(), name="facets"),
    *(
        path(f"{dimension.relation}/", views.tree_view(dimension), name=dimension.relation)
        for dimension in DIMENSIONS
    ),
    path("schema/", views.SchemaView.as_view(), name="schema"),
    path("docs/", docs.DocsView.as_view(), name="docs"),
    # Any other address, even one with a line break in it ("." stops at one): a JSON 404.
    # (Not "(?s)": Django's reverse() cannot read inline flags.)
    re_path(r"^[\s\S]*$", views.not_found),
]
