"""factory_boy factories. Defaults build a small, valid, *published* record unless noted."""

import datetime

import factory
from django.contrib.auth import get_user_model

from incidents.models import (
    Actor,
    Citation,
    CountClaim,
    CountQualifier,
    CustodyEvent,
    DateClaim,
    DatePrecision,
    DetaineeGroup,
    Estimate,
    EstimateSource,
    EventActor,
    EventKind,
    Incident,
    Location,
    Outcome,
    Source,
    Status,
)


def country_place(code: str = "CN") -> Location:
    """The country's place in the hierarchy (created once, as the gazetteer would)."""
    from django_countries import countries

    found = Location.objects.filter(kind=Location.Kind.COUNTRY, code=code).first()
    return found or Location.objects.create(
        kind=Location.Kind.COUNTRY, code=code, name=str(countries.name(code)) or code
    )


def region_place(code: str, name: str) -> Location:
    """A province (or other first-level region) of a country, created once."""
    country = country_place(code)
    found = Location.objects.filter(kind=Location.Kind.PROVINCE, parent=country, name=name).first()
    return found or Location.objects.create(kind=Location.Kind.PROVINCE, name=name, parent=country)


def _index(incident_id: int) -> None:
    """The incident's place index and search document, as the write services keep them."""
    from incidents.services import search_index
    from incidents.services.places import index_incidents

    index_incidents([incident_id])
    search_index.refresh([incident_id])


class LocationFactory(factory.django.DjangoModelFactory):
    """A place; by default a town in Liaoning, China. `country`, `province` and `city` (as the
    old text fields took them) put it in the hierarchy: its parents are found or created."""

    class Meta:
        model = Location

    name = factory.Sequence(lambda n: f"Town {n}")
    kind = Location.Kind.CITY

    @classmethod
    def _placed(cls, kwargs: dict) -> dict:
        country = kwargs.pop("country", "CN")
        province = kwargs.pop("province", "Liaoning")
        city = kwargs.pop("city", "")
        if kwargs.get("parent") is None and kwargs.get("kind") not in ("country", "region"):
            kind = kwargs.get("kind", Location.Kind.CITY)
            parent = country_place(country)
            if province and kind != Location.Kind.PROVINCE:
                parent = region_place(country, province)
            if (
                city
                and kind not in (Location.Kind.CITY, Location.Kind.PROVINCE)
                and (city != kwargs.get("name"))
            ):
                found = Location.objects.filter(kind="city", name=city, parent=parent).first()
                parent = found or Location.objects.create(kind="city", name=city, parent=parent)
            kwargs["parent"] = parent
        elif kwargs.get("kind") == "country":
            kwargs.setdefault("code", country)
        return kwargs

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return super()._create(model_class, *args, **cls._placed(kwargs))

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        """Built, not saved; its parents (which it must have) are saved."""
        return super()._build(model_class, *args, **cls._placed(kwargs))

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        """The name index, as the write services keep it (factories write directly)."""
        super()._after_postgeneration(instance, create, results)
        if create:
            from incidents.services.places import refresh_names

            refresh_names(Location.objects.filter(pk__in=[*instance.ancestor_ids(), instance.pk]))


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    title = factory.Sequence(lambda n: f"Report number {n}")
    publisher = "Example News"
    url = factory.Sequence(lambda n: f"https://news.example.org/{n}")
    date_earliest = datetime.date(2017, 3, 20)
    date_latest = datetime.date(2017, 3, 20)
    date_precision = DatePrecision.DAY
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

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        super()._after_postgeneration(instance, create, results)
        if create:
            _index(instance.pk)


class DetaineeGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DetaineeGroup

    incident = factory.SubFactory(IncidentFactory)
    arrest_location = factory.SubFactory(LocationFactory)
    size_value = 8
    size_qualifier = CountQualifier.EXACT
    outcome = Outcome.DETAINED

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        super()._after_postgeneration(instance, create, results)
        if create:
            _index(instance.incident_id)


class CustodyEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustodyEvent

    group = factory.SubFactory(DetaineeGroupFactory)
    kind = EventKind.ARRESTED
    location = factory.SelfAttribute("group.arrest_location")
    date_earliest = datetime.date(2017, 3, 11)
    date_latest = datetime.date(2017, 3, 20)
    date_precision = DatePrecision.MID_MONTH

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        super()._after_postgeneration(instance, create, results)
        if create:
            _index(instance.group.incident_id)


class CitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Citation

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        super()._after_postgeneration(instance, create, results)
        if create:
            _index(instance.incident_id)

    incident = factory.SubFactory(IncidentFactory)
    source = factory.SubFactory(SourceFactory)
    claim = "The group was stopped at a traffic check."


class ActorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Actor

    name = factory.Sequence(lambda n: f"Public Security Bureau {n}")
    kind = Actor.Kind.POLICE
    country = "CN"


class EventActorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EventActor

    event = factory.SubFactory(CustodyEventFactory)
    actor = factory.SubFactory(ActorFactory)
    role = EventActor.Role.ARRESTED


class CountClaimFactory(factory.django.DjangoModelFactory):
    """A source's figure for a group's size (not preferred unless said)."""

    class Meta:
        model = CountClaim

    group = factory.SubFactory(DetaineeGroupFactory)
    part = "size"
    value = 27
    qualifier = CountQualifier.EXACT
    source = factory.SubFactory(SourceFactory)
    wording = factory.LazyAttribute(lambda c: str(c.value))


class DateClaimFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DateClaim

    incident = factory.SubFactory(IncidentFactory)
    date_earliest = datetime.date(2014, 7, 15)
    date_latest = datetime.date(2014, 7, 17)
    date_precision = DatePrecision.DAYS
    source = factory.SubFactory(SourceFactory)


class EstimateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Estimate
        skip_postgeneration_save = True

    subject = Estimate.Subject.REPATRIATED
    description = "North Koreans repatriated from China"
    country = "CN"
    period_start = datetime.date(2003, 1, 1)
    period_end = datetime.date(2003, 12, 31)
    value_low = 7800
    qualifier = CountQualifier.ABOUT
    status = Status.PUBLISHED

    @factory.post_generation
    def source(obj, create, extracted, **kwargs):
        """EstimateFactory(source=…) or source__title=…: the estimate's (first) source."""
        if not create:
            return
        claim = kwargs.pop("claim", "")
        source = extracted or SourceFactory(**kwargs)
        EstimateSource.objects.create(estimate=obj, source=source, claim=claim)


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


def publish_change(incident, *, editor, values=None, children=(), notice="", minor=None):
    """Change a published incident the only way there is: a revision (services.revisions)
    proposed, submitted and published by `editor`. `minor` defaults to "no notice given"."""
    from incidents.services import incident_transition, save_incident
    from incidents.services.revisions import publish_revision, start_revision

    copy = start_revision(incident=incident, user=editor)
    save_incident(user=editor, pk=copy.pk, values=values or {}, children=list(children))
    copy = incident_transition(incident=copy, name="submit", user=editor, notify=False)
    return publish_revision(
        working_copy=copy, user=editor, notice=notice, minor=not notice if minor is None else minor
    )
