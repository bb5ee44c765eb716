"""The public allow-list: every model field must be classified, so new fields start private."""

import pytest

from incidents.models import Incident
from incidents.public import PRIVATE_FIELDS, PUBLIC_FIELDS, RELATION_FIELDS, public_incident
from tests.factories import LocationFactory, published_incident


@pytest.mark.parametrize("model", list(PUBLIC_FIELDS), ids=lambda m: m.__name__)
def test_every_field_is_classified_exactly_once(model):
    concrete = {f.name for f in model._meta.concrete_fields}
    public = set(PUBLIC_FIELDS[model])
    private = set(PRIVATE_FIELDS[model])
    relations = set(RELATION_FIELDS[model])
    assert not public & private, "a field cannot be both public and private"
    unclassified = concrete - public - private - relations
    assert not unclassified, (
        f"{model.__name__} has fields not yet classified as public or private: {unclassified}. "
        "Add each to PRIVATE_FIELDS unless it is safe to publish."
    )
    assert public | private | relations <= concrete


@pytest.mark.django_db
def test_public_incident_contains_no_private_values():
    incident = published_incident(groups=2, notes_internal="SECRET-INCIDENT-NOTE")
    group = incident.groups.first()
    group.notes_internal = "SECRET-GROUP-NOTE"
    group.save()
    location = group.arrest_location
    location.latitude, location.longitude = 41.8, 123.4
    location.coordinate_precision = "exact"
    location.coordinates_public = False
    location.save()
    data = public_incident(Incident.objects.published().with_public_relations().get(pk=incident.pk))
    text = repr(data)
    assert "SECRET-INCIDENT-NOTE" not in text
    assert "SECRET-GROUP-NOTE" not in text
    assert "41.8" not in text and "123.4" not in text
    assert data["groups"][0]["arrest_location"]["latitude"] is None


@pytest.mark.django_db
def test_public_coordinates_when_flagged_public():
    location = LocationFactory(
        latitude=41.8, longitude=123.4, coordinate_precision="city", coordinates_public=True
    )
    incident = published_incident()
    incident.groups.update(arrest_location=location)
    data = public_incident(Incident.objects.published().with_public_relations().get(pk=incident.pk))
    assert data["groups"][0]["arrest_location"]["latitude"] == pytest.approx(41.8)
