from django.urls import path

from . import views

app_name = "taxonomy"

urlpatterns = [
    path("topics/", views.TreeIndexView.as_view(tree="topics"), name="topics"),
    path("topics/<slug:slug>/", views.NodeView.as_view(tree="topics"), name="topic"),
    path("countries/", views.TreeIndexView.as_view(tree="countries"), name="locations"),
    path("countries/<slug:slug>/", views.NodeView.as_view(tree="countries"), name="location"),
    path("structures/", views.TreeIndexView.as_view(tree="structures"), name="structures"),
    path("structures/<path:path>/", views.NodeView.as_view(tree="structures"), name="structure"),
    path("meetings/", views.TreeIndexView.as_view(tree="meetings"), name="meetings"),
    path("meetings/<slug:slug>/", views.NodeView.as_view(tree="meetings"), name="meeting"),
]
