"""/api/: plain path() routes (no format-suffix patterns), so tests/test_leaks.py covers them."""

from django.urls import path

from incidents.api import docs, views

app_name = "api"

urlpatterns = [
    path("incidents/", views.IncidentList.as_view(), name="incident-list"),
    path("incidents/<slug:slug>/", views.IncidentDetail.as_view(), name="incident-detail"),
    path("locations/", views.LocationList.as_view(), name="location-list"),
    path("sources/", views.SourceList.as_view(), name="source-list"),
    path("actors/", views.ActorList.as_view(), name="actor-list"),
    path("schema/", views.SchemaView.as_view(), name="schema"),
    path("docs/", docs.api_docs, name="docs"),
]
