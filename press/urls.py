from django.urls import path

from . import views

app_name = "press"

urlpatterns = [
    path("", views.PressListView.as_view(), name="list"),
    path("<slug:slug>/", views.PressDetailView.as_view(), name="detail"),
]
