from django.urls import path

from . import views
from .feeds import PressAtomFeed, PressFeed

app_name = "press"

urlpatterns = [
    path("", views.PressListView.as_view(), name="list"),
    path("feed/", PressFeed(), name="feed"),
    path("feed/atom/", PressAtomFeed(), name="feed_atom"),
    path("<slug:slug>/", views.PressDetailView.as_view(), name="detail"),
]
