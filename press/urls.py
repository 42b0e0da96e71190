from django.urls import path

from . import views
from .feeds import PressAtomFeed, PressFeed, feed_stylesheet

app_name = "press"

urlpatterns = [
    path("", views.PressListView.as_view(), name="list"),
    path("feed/", PressFeed(), name="feed"),
    path("feed/atom/", PressAtomFeed(), name="feed_atom"),
    path("feed/style.xsl", feed_stylesheet, name="feed_stylesheet"),
    path("embargo/<str:token>/", views.EmbargoView.as_view(), name="embargo"),
    path("<slug:slug>/", views.PressDetailView.as_view(), name="detail"),
]
