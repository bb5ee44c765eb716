from django.urls import path

from incidents import browse, exports, geo, views
from incidents.feeds import incident_feed

app_name = "incidents"

urlpatterns = [
    path("", views.home, name="home"),
    path("incidents/", views.incident_list, name="list"),
    path("incidents/export.csv", exports.export_csv, name="export_csv"),
    path("incidents/export.json", exports.export_json, name="export_json"),
    path("incidents/export.zip", exports.export_zip, name="export_zip"),
    path("incidents/<slug:slug>/", views.incident_detail, name="detail"),
    path("timeline/", browse.timeline_view, name="timeline"),
    path("statistics/", browse.statistics_view, name="statistics"),
    path("statistics.csv", browse.statistics_csv, name="statistics_csv"),
    path("map/", browse.map_view, name="map"),
    path("urgent/", browse.urgent_view, name="urgent"),
    path("locations.geojson", geo.locations_geojson, name="locations_geojson"),
    path("feeds/incidents.atom", incident_feed, name="feed"),
]
