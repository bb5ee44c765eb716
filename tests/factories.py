"""factory_boy factories. Defaults build a small, valid, *published* record unless noted."""

import datetime

import factory
from django.contrib.auth import get_user_model

from incidents.models import (
    Citation,
    CountQualifier,
    CustodyEvent,
    DatePrecision,
    DetaineeGroup,
    Estimate,
    EventKind,
    Incident,
    Location,
    Outcome,
    Source,
    Status,
)


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location

    name = factory.Sequence(lambda n: f"Town {n}")
    kind = Location.Kind.CITY
    province = "Liaoning"
    country = "CN"


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    title = factory.Sequence(lambda n: f"Report number {n}")
    publisher = "Example News"
    url = factory.Sequence(lambda n: f"https://news.example.org/{n}")
    published_on = datetime.date(2017, 3, 20)
    kind = Source.Kind.NEWS
    reliability = Source.Reliability.B


class IncidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Incident

    title = factory.Sequence(lambda n: f"Group arrested, case {n}")
    summary = "A group was arrested at a checkpoint."
    status = Status.PUBLISHED
    date_earliest = datetime.date(2017, 3, 11)
    date_latest = datetime.date(2017, 3, 20)
    date_precision = DatePrecision.MID_MONTH


class DetaineeGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DetaineeGroup

    incident = factory.SubFactory(IncidentFactory)
    arrest_location = factory.SubFactory(LocationFactory)
    size_value = 8
    size_qualifier = CountQualifier.EXACT
    outcome = Outcome.DETAINED


class CustodyEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustodyEvent

    group = factory.SubFactory(DetaineeGroupFactory)
    kind = EventKind.ARRESTED
    location = factory.SelfAttribute("group.arrest_location")
    date_earliest = datetime.date(2017, 3, 11)
    date_latest = datetime.date(2017, 3, 20)
    date_precision = DatePrecision.MID_MONTH


class CitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Citation

    incident = factory.SubFactory(IncidentFactory)
    source = factory.SubFactory(SourceFactory)
    claim = "The group was stopped at a traffic check."


class EstimateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Estimate

    subject = Estimate.Subject.REPATRIATED
    description = "North Koreans repatriated from China"
    country = "CN"
    period_start = datetime.date(2003, 1, 1)
    period_end = datetime.date(2003, 12, 31)
    value_low = 7800
    qualifier = CountQualifier.ABOUT
    source = factory.SubFactory(SourceFactory)
    status = Status.PUBLISHED


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery-staple")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def published_incident(*, groups=1, **kwargs) -> Incident:
    """A published incident with `groups` groups, each with an arrest event, and a citation."""
    incident = IncidentFactory(**kwargs)
    for _ in range(groups):
        group = DetaineeGroupFactory(incident=incident)
        CustodyEventFactory(group=group)
    CitationFactory(incident=incident)
    return incident
