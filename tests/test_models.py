"""Model invariants, checked twice: by full_clean() (what editors see) and by the database's
named CheckConstraints (what protects the data from code that skips validation)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from incidents.models import (
    CountQualifier,
    DatePrecision,
    DetaineeGroup,
    Incident,
    Location,
    Outcome,
    Status,
)
from tests.factories import (
    CitationFactory,
    CustodyEventFactory,
    DetaineeGroupFactory,
    EstimateFactory,
    IncidentFactory,
    LocationFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db

D = datetime.date
Q = CountQualifier
P = DatePrecision
PARTS = ["women", "men", "minors", "helpers"]


def clean_errors(obj) -> dict[str, list[str]]:
    """Run full_clean() and return its errors by field; fail if it passes."""
    with pytest.raises(ValidationError) as exc:
        obj.full_clean()
    return exc.value.message_dict


def assert_violates(constraint: str, save) -> None:
    """`save()` must be refused by the database, naming `constraint`."""
    with pytest.raises(IntegrityError) as exc, transaction.atomic():
        save()
    assert constraint in str(exc.value)


# -- vague dates on Incident and CustodyEvent ------------------------------------------------------
@pytest.fixture(params=["incident", "event"])
def dated(request):
    """(prefix, build): build(**date fields) returns an unsaved Incident or CustodyEvent."""
    if request.param == "incident":
        return "incident", lambda **kw: IncidentFactory.build(**kw)
    group = DetaineeGroupFactory()
    return "event", lambda **kw: CustodyEventFactory.build(group=group, **kw)


def test_factory_dates_are_valid(dated):
    _, build = dated
    obj = build()
    obj.full_clean()
    obj.save()
    assert obj.date_display == "mid-March 2017"


def test_date_range_ordered(dated):
    prefix, build = dated
    dates = {
        "date_earliest": D(2017, 3, 20),
        "date_latest": D(2017, 3, 11),
        "date_precision": P.DAYS,
    }

    errors = clean_errors(build(**dates))
    assert set(errors) == {"date_latest"}
    assert "before the earliest" in errors["date_latest"][0]

    assert_violates(f"{prefix}_date_range_ordered", build(**dates).save)


INCOMPLETE_DATES = [
    {"date_earliest": D(2017, 3, 1), "date_latest": None, "date_precision": ""},
    {"date_earliest": None, "date_latest": D(2017, 3, 31), "date_precision": ""},
    {"date_earliest": None, "date_latest": None, "date_precision": P.MONTH},
    {"date_earliest": D(2017, 3, 1), "date_latest": D(2017, 3, 31), "date_precision": ""},
    {"date_earliest": D(2017, 3, 1), "date_latest": None, "date_precision": P.MONTH},
    {"date_earliest": None, "date_latest": D(2017, 3, 31), "date_precision": P.MONTH},
]


@pytest.mark.parametrize("dates", INCOMPLETE_DATES)
def test_date_fields_complete_or_empty(dated, dates):
    prefix, build = dated

    errors = clean_errors(build(**dates))
    assert set(errors) == {"date_earliest"}
    assert "together" in errors["date_earliest"][0]

    assert_violates(f"{prefix}_date_complete_or_empty", build(**dates).save)


def test_unknown_date_is_valid(dated):
    _, build = dated
    obj = build(date_earliest=None, date_latest=None, date_precision="")
    obj.full_clean()
    obj.save()
    obj.refresh_from_db()
    assert obj.vague_date is None
    assert obj.date_display == "date unknown"


@pytest.mark.parametrize(
    ("earliest", "latest", "precision", "fitting"),
    [
        (D(2017, 3, 11), D(2017, 3, 20), P.MONTH, "2017-03-01 to 2017-03-31"),
        (D(2017, 3, 11), D(2017, 3, 11), P.MID_MONTH, "2017-03-11 to 2017-03-20"),
        (D(2017, 3, 11), D(2017, 3, 20), P.DAY, "2017-03-11 to 2017-03-11"),
        (D(2017, 1, 1), D(2018, 12, 31), P.YEAR, "2017-01-01 to 2017-12-31"),
    ],
)
def test_precision_inconsistent_with_range_is_caught_by_clean_only(
    dated, earliest, latest, precision, fitting
):
    _, build = dated
    dates = {"date_earliest": earliest, "date_latest": latest, "date_precision": precision}

    errors = clean_errors(build(**dates))
    assert set(errors) == {"date_precision"}
    assert fitting in errors["date_precision"][0]

    # The database only checks the shape, not the calendar: this saves.
    obj = build(**dates)
    obj.save()
    assert type(obj).objects.filter(pk=obj.pk).exists()


# -- DetaineeGroup composition ---------------------------------------------------------------------
@pytest.fixture
def incident():
    return IncidentFactory()


def test_consistent_group_is_valid(incident):
    group = DetaineeGroupFactory.build(
        incident=incident,
        arrest_location=LocationFactory(),
        size_value=8,
        size_qualifier=Q.EXACT,
        women_value=4,
        women_qualifier=Q.EXACT,
        men_value=4,
        men_qualifier=Q.EXACT,
        minors_value=2,
        minors_qualifier=Q.AT_LEAST,
    )
    group.full_clean()
    group.save()


def test_helpers_are_counted_apart_from_the_north_koreans(incident):
    """`size` counts North Koreans; helpers (guides, brokers, missionaries) are not a part of
    it, so more helpers than North Koreans is a valid record."""
    group = DetaineeGroupFactory.build(
        incident=incident, size_value=2, size_qualifier=Q.EXACT,
        helpers_value=3, helpers_qualifier=Q.EXACT, arrest_location=None,
    )  # fmt: skip
    group.full_clean()
    group.save()
    assert incident.helpers_total.render() == "3"
    assert incident.people_total.render() == "2"


@pytest.mark.parametrize("part", ["women", "men", "minors"])
def test_part_exceeding_exact_size(incident, part):
    fields = {"size_value": 8, "size_qualifier": Q.EXACT, f"{part}_value": 9}
    fields[f"{part}_qualifier"] = Q.EXACT

    errors = clean_errors(DetaineeGroupFactory.build(incident=incident, **fields))
    assert set(errors) == {f"{part}_value"}
    message = errors[f"{part}_value"][0]
    assert "cannot exceed the group size" in message
    assert "9" in message
    assert "8" in message

    assert_violates(
        f"group_{part}_within_size", lambda: DetaineeGroupFactory(incident=incident, **fields)
    )


def test_women_exceeding_size_message_is_readable(incident):
    group = DetaineeGroupFactory.build(
        incident=incident,
        size_value=8,
        size_qualifier=Q.EXACT,
        women_value=9,
        women_qualifier=Q.AT_LEAST,
    )
    errors = clean_errors(group)
    assert errors == {"women_value": ["Women (at least 9) cannot exceed the group size (8)."]}


def test_more_than_n_women_in_a_group_of_n(incident):
    """'More than 8 women' means at least 9: too many for a group of exactly 8."""
    fields = {
        "size_value": 8,
        "size_qualifier": Q.EXACT,
        "women_value": 8,
        "women_qualifier": Q.MORE_THAN,
    }
    errors = clean_errors(DetaineeGroupFactory.build(incident=incident, **fields))
    assert set(errors) == {"women_value"}


@pytest.mark.parametrize("size_qualifier", [Q.AT_LEAST, Q.MORE_THAN])
def test_open_ended_size_allows_larger_parts(incident, size_qualifier):
    fields = {
        "size_value": 5,
        "size_qualifier": size_qualifier,
        "women_value": 9,
        "women_qualifier": Q.EXACT,
    }
    group = DetaineeGroupFactory.build(
        incident=incident, arrest_location=LocationFactory(), **fields
    )
    group.full_clean()
    group.save()
    assert DetaineeGroup.objects.get(pk=group.pk).women_value == 9


@pytest.mark.parametrize("size_qualifier", [Q.AT_LEAST, Q.MORE_THAN, Q.ABOUT])
def test_database_allows_larger_parts_when_size_is_not_a_ceiling(incident, size_qualifier):
    group = DetaineeGroupFactory(
        incident=incident,
        size_value=5,
        size_qualifier=size_qualifier,
        women_value=9,
        women_qualifier=Q.EXACT,
    )
    assert DetaineeGroup.objects.filter(pk=group.pk, women_value=9).exists()


@pytest.mark.parametrize("size_qualifier", [Q.EXACT, Q.AT_MOST])
def test_database_refuses_larger_parts_when_size_is_a_ceiling(incident, size_qualifier):
    assert_violates(
        "group_women_within_size",
        lambda: DetaineeGroupFactory(
            incident=incident,
            size_value=5,
            size_qualifier=size_qualifier,
            women_value=9,
            women_qualifier=Q.EXACT,
        ),
    )


def test_women_and_men_together_exceeding_size(incident):
    group = DetaineeGroupFactory.build(
        incident=incident,
        size_value=8,
        size_qualifier=Q.EXACT,
        women_value=5,
        women_qualifier=Q.EXACT,
        men_value=4,
        men_qualifier=Q.AT_LEAST,
    )
    errors = clean_errors(group)
    assert set(errors) == {"men_value"}
    message = errors["men_value"][0]
    assert "Women and men together (9)" in message
    assert "(8)" in message


def test_women_and_men_filling_the_group_exactly_is_valid(incident):
    group = DetaineeGroupFactory.build(
        incident=incident,
        arrest_location=LocationFactory(),
        size_value=8,
        size_qualifier=Q.EXACT,
        women_value=5,
        women_qualifier=Q.EXACT,
        men_value=3,
        men_qualifier=Q.EXACT,
    )
    group.full_clean()


@pytest.mark.parametrize("part", ["size", *PARTS])
def test_value_without_qualifier(incident, part):
    fields = {f"{part}_value": 3, f"{part}_qualifier": Q.UNKNOWN}

    errors = clean_errors(DetaineeGroupFactory.build(incident=incident, **fields))
    assert set(errors) == {f"{part}_qualifier"}
    assert "say if it is exact" in errors[f"{part}_qualifier"][0]

    assert_violates(
        f"group_{part}_qualified", lambda: DetaineeGroupFactory(incident=incident, **fields)
    )


@pytest.mark.parametrize("part", ["size", *PARTS])
def test_qualifier_without_value(incident, part):
    fields = {f"{part}_value": None, f"{part}_qualifier": Q.AT_LEAST}
    errors = clean_errors(DetaineeGroupFactory.build(incident=incident, **fields))
    assert set(errors) == {f"{part}_value"}
    assert "Give the number" in errors[f"{part}_value"][0]


def test_composition_renders_known_parts_in_order(incident):
    group = DetaineeGroupFactory(
        incident=incident,
        size_value=12,
        size_qualifier=Q.EXACT,
        women_value=4,
        women_qualifier=Q.AT_LEAST,
        minors_value=2,
        minors_qualifier=Q.EXACT,
    )
    group.refresh_from_db()
    assert group.composition == ["at least 4 women", "2 minors"]


def test_composition_is_empty_when_nothing_is_known(incident):
    assert DetaineeGroupFactory(incident=incident).composition == []


def test_group_str(incident):
    shenyang = LocationFactory(name="Shenyang")
    group = DetaineeGroupFactory(
        incident=incident, arrest_location=shenyang, size_value=20, size_qualifier=Q.ABOUT
    )
    assert str(group) == "about 20 North Koreans in Shenyang"
    group.label = "Shenyang group"
    assert str(group) == "Shenyang group"


# -- derived facts on Incident ---------------------------------------------------------------------
def _group(incident, sequence, value, qualifier, outcome=Outcome.DETAINED):
    return DetaineeGroupFactory(
        incident=incident,
        sequence=sequence,
        size_value=value,
        size_qualifier=qualifier,
        outcome=outcome,
    )


def test_people_total_from_groups(incident):
    _group(incident, 1, 20, Q.EXACT)
    _group(incident, 2, 9, Q.EXACT)
    _group(incident, 3, 6, Q.AT_LEAST)
    assert incident.people_total.render() == "at least 35"
    assert incident.people_total.qualifier == Q.AT_LEAST


def test_people_total_of_exact_groups_is_exact(incident):
    _group(incident, 1, 20, Q.EXACT)
    _group(incident, 2, 9, Q.EXACT)
    assert incident.people_total.render("people") == "29 people"


def test_people_total_with_an_uncounted_group(incident):
    _group(incident, 1, 5, Q.EXACT)
    _group(incident, 2, None, Q.UNKNOWN)
    assert incident.people_total.render() == "at least 5"


def test_people_total_without_groups(incident):
    assert not incident.people_total.known
    assert incident.outcomes == []


def test_outcomes_follow_group_order_without_repeats(incident):
    _group(incident, 3, 4, Q.EXACT, Outcome.REPATRIATED)
    _group(incident, 1, 20, Q.EXACT, Outcome.DETAINED)
    _group(incident, 2, 9, Q.EXACT, Outcome.REPATRIATED)
    _group(incident, 4, 1, Q.EXACT, Outcome.RELEASED_TO_SOUTH_KOREA)
    assert incident.outcomes == [
        Outcome.DETAINED,
        Outcome.REPATRIATED,
        Outcome.RELEASED_TO_SOUTH_KOREA,
    ]


def test_derived_facts_match_with_public_prefetch(incident):
    _group(incident, 1, 20, Q.EXACT, Outcome.REPATRIATED)
    _group(incident, 2, 6, Q.AT_LEAST, Outcome.DETAINED)
    fetched = Incident.objects.with_public_relations().get(pk=incident.pk)
    assert fetched.people_total == incident.people_total
    assert fetched.outcomes == incident.outcomes == [Outcome.REPATRIATED, Outcome.DETAINED]


# -- slugs and publication -------------------------------------------------------------------------
def test_slug_is_generated_from_title():
    incident = IncidentFactory(title="29 arrested in Qingdao and Kunming")
    assert incident.slug == slugify("29 arrested in Qingdao and Kunming")


def test_same_title_gets_distinct_slugs():
    title = "Group arrested in Shenyang"
    slugs = [IncidentFactory(title=title).slug for _ in range(3)]
    assert len(set(slugs)) == 3
    assert all(s.startswith(slugify(title)) for s in slugs)
    assert Incident.objects.filter(slug__in=slugs).count() == 3


def test_long_titles_get_distinct_slugs_that_fit():
    title = ("Arrested near the border " * 8)[:200]
    incidents = [IncidentFactory(title=title) for _ in range(3)]
    slugs = {i.slug for i in incidents}
    assert len(slugs) == 3
    max_length = Incident._meta.get_field("slug").max_length
    assert all(len(s) <= max_length for s in slugs)


def test_title_without_latin_letters_still_gets_a_slug():
    incident = IncidentFactory(title="탈북자 체포")
    assert incident.slug
    assert slugify(incident.slug) == incident.slug


def test_slug_is_permanent_when_the_title_changes():
    incident = IncidentFactory(title="First title")
    slug = incident.slug
    incident.title = "A corrected title"
    incident.save()
    incident.refresh_from_db()
    assert incident.slug == slug


def test_explicit_slug_is_kept():
    assert IncidentFactory(title="Anything", slug="chosen-slug").slug == "chosen-slug"


def test_source_and_location_slugs_are_unique_too():
    assert SourceFactory(title="Same").slug != SourceFactory(title="Same").slug
    assert LocationFactory(name="Tumen").slug != LocationFactory(name="Tumen").slug


def test_published_at_set_when_published_and_then_kept():
    incident = IncidentFactory(status=Status.DRAFT)
    assert incident.published_at is None

    before = timezone.now()
    incident.status = Status.PUBLISHED
    incident.save()
    after = timezone.now()
    incident.refresh_from_db()
    first = incident.published_at
    assert first is not None
    assert before <= first <= after

    incident.summary = "Updated after publication."
    incident.save()
    incident.refresh_from_db()
    assert incident.published_at == first

    incident.status = Status.ARCHIVED
    incident.save()
    incident.status = Status.PUBLISHED
    incident.save()
    incident.refresh_from_db()
    assert incident.published_at == first


@pytest.mark.parametrize("status", [Status.DRAFT, Status.IN_REVIEW, Status.ARCHIVED])
def test_published_at_stays_empty_until_published(status):
    incident = IncidentFactory(status=status)
    incident.save()
    incident.refresh_from_db()
    assert incident.published_at is None


def test_created_as_published_gets_published_at():
    assert IncidentFactory(status=Status.PUBLISHED).published_at is not None


# -- Location --------------------------------------------------------------------------------------
def test_location_coordinates_paired():
    location = LocationFactory.build(latitude=Decimal("41.8"), coordinate_precision="city")
    errors = clean_errors(location)
    assert set(errors) == {"longitude"}
    assert "both latitude and longitude" in errors["longitude"][0]

    assert_violates(
        "location_coordinates_paired",
        LocationFactory.build(latitude=Decimal("41.8"), coordinate_precision="city").save,
    )
    assert_violates(
        "location_coordinates_paired",
        LocationFactory.build(longitude=Decimal("123.4"), coordinate_precision="city").save,
    )


def test_location_longitude_without_latitude_fails_clean():
    errors = clean_errors(LocationFactory.build(longitude=Decimal("123.4")))
    assert set(errors) == {"longitude"}


def test_location_coordinates_need_precision():
    coords = {"latitude": Decimal("41.8"), "longitude": Decimal("123.4")}
    errors = clean_errors(LocationFactory.build(**coords))
    assert set(errors) == {"coordinate_precision"}
    assert "how precise" in errors["coordinate_precision"][0]

    assert_violates("location_coordinates_have_precision", LocationFactory.build(**coords).save)


def test_location_with_coordinates_and_precision_is_valid():
    location = LocationFactory.build(
        name="Shenyang",
        latitude=Decimal("41.805699"),
        longitude=Decimal("123.431472"),
        coordinate_precision=Location.CoordinatePrecision.CITY,
    )
    location.full_clean()
    location.save()


def test_a_place_below_a_country_needs_a_parent():
    errors = clean_errors(Location(name="Somewhere", kind=Location.Kind.CITY))
    assert set(errors) == {"parent"}
    assert "a country at least" in errors["parent"][0]
    assert_violates("location_has_parent", Location(name="Somewhere", kind="city").save)


def test_a_province_derives_its_country_and_province_from_the_hierarchy():
    location = LocationFactory.build(name="Liaoning", kind=Location.Kind.PROVINCE)
    location.full_clean()
    location.save()
    location.refresh_from_db()
    assert (location.country.code, location.province, location.city) == ("CN", "Liaoning", "")
    assert str(location) == "Liaoning (CN)"


def test_saving_a_city_fills_its_city():
    location = LocationFactory(name="Shenyang", kind=Location.Kind.CITY, city="")
    location.refresh_from_db()
    assert location.city == "Shenyang"


def test_saving_a_non_city_leaves_city_alone():
    centre = LocationFactory(name="Tumen detention centre", kind=Location.Kind.DETENTION_CENTRE)
    centre.refresh_from_db()
    assert centre.city == ""


@pytest.mark.parametrize(
    ("fields", "text"),
    [
        ({"name": "Shenyang", "kind": "city", "province": "Liaoning"}, "Shenyang, Liaoning (CN)"),
        (
            {
                "name": "Tumen detention centre",
                "kind": "detention_centre",
                "city": "Tumen",
                "province": "Jilin",
            },
            "Tumen detention centre, Tumen, Jilin (CN)",
        ),
        (
            {"name": "Liaoning province", "kind": "province", "province": "Liaoning"},
            "Liaoning province (CN)",
        ),
        ({"name": "Vientiane", "kind": "city", "province": "", "country": "LA"}, "Vientiane (LA)"),
    ],
)
def test_location_str(fields, text):
    assert str(LocationFactory(**fields)) == text


# -- Source ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("language", ["en", "ko", "zh", "zh-Hans", "pt-BR", "yue"])
def test_source_language_code_valid(language):
    source = SourceFactory.build(language=language)
    source.full_clean()
    source.save()


@pytest.mark.parametrize("language", ["EN", "english", "e", "en_GB", "ko-", "12"])
def test_source_language_code_invalid(language):
    errors = clean_errors(SourceFactory.build(language=language))
    assert set(errors) == {"language"}
    assert "ISO 639-1" in errors["language"][0]

    assert_violates("source_language_code", SourceFactory.build(language=language).save)


def test_source_language_empty_is_refused_by_the_database():
    assert_violates("source_language_code", SourceFactory.build(language="").save)


def test_confidential_source_str_is_marked():
    source = SourceFactory.build(
        title="Interview", publisher="", date_earliest=None, date_latest=None, date_precision=""
    )
    assert str(source) == "Interview"
    source.confidential = True
    assert str(source).startswith("[confidential]")


# -- Estimate --------------------------------------------------------------------------------------
@pytest.fixture
def source():
    return SourceFactory()


def test_estimate_factory_is_valid(source):
    estimate = EstimateFactory.build(source=source)
    estimate.full_clean()
    estimate.save()
    assert estimate.figure == "about 7,800"


def test_estimate_period_ordered(source):
    period = {"period_start": D(2003, 12, 31), "period_end": D(2003, 1, 1)}
    errors = clean_errors(EstimateFactory.build(source=source, **period))
    assert set(errors) == {"period_end"}
    assert "ends before it starts" in errors["period_end"][0]

    assert_violates("estimate_period_ordered", EstimateFactory.build(source=source, **period).save)


def test_estimate_single_day_period_is_valid(source):
    EstimateFactory.build(
        source=source, period_start=D(2003, 5, 1), period_end=D(2003, 5, 1)
    ).full_clean()


def test_estimate_range_ordered(source):
    values = {"value_low": 300_000, "value_high": 50_000}
    errors = clean_errors(EstimateFactory.build(source=source, **values))
    assert set(errors) == {"value_high"}
    assert "below the low figure" in errors["value_high"][0]

    assert_violates("estimate_range_ordered", EstimateFactory.build(source=source, **values).save)


@pytest.mark.parametrize(("low", "high"), [(50_000, 300_000), (7800, 7800), (7800, None)])
def test_estimate_range_valid(source, low, high):
    estimate = EstimateFactory.build(source=source, value_low=low, value_high=high)
    estimate.full_clean()
    estimate.save()


def test_estimate_figure_for_a_range(source):
    estimate = EstimateFactory.build(source=source, value_low=50_000, value_high=300_000)
    assert estimate.figure == "50,000–300,000"


# -- Citation.clean --------------------------------------------------------------------------------
def test_citation_of_own_group_and_event_is_valid():
    group = DetaineeGroupFactory()
    event = CustodyEventFactory(group=group)
    citation = CitationFactory.build(
        incident=group.incident, source=SourceFactory(), group=group, event=event
    )
    citation.full_clean()
    citation.save()


def test_citation_group_of_another_incident():
    other_group = DetaineeGroupFactory()
    citation = CitationFactory.build(
        incident=IncidentFactory(), source=SourceFactory(), group=other_group
    )
    errors = clean_errors(citation)
    assert set(errors) == {"group"}
    assert "another incident" in errors["group"][0]


def test_citation_event_of_another_incident():
    other_event = CustodyEventFactory()
    citation = CitationFactory.build(
        incident=IncidentFactory(), source=SourceFactory(), event=other_event
    )
    errors = clean_errors(citation)
    assert set(errors) == {"event"}
    assert "another incident" in errors["event"][0]


def test_citation_event_of_another_group_in_the_same_incident():
    incident = IncidentFactory()
    group_a = DetaineeGroupFactory(incident=incident)
    group_b = DetaineeGroupFactory(incident=incident)
    event_b = CustodyEventFactory(group=group_b)
    citation = CitationFactory.build(
        incident=incident, source=SourceFactory(), group=group_a, event=event_b
    )
    errors = clean_errors(citation)
    assert set(errors) == {"event"}
    assert "another group" in errors["event"][0]


def test_citation_event_without_group_of_the_same_incident_is_valid():
    event = CustodyEventFactory()
    citation = CitationFactory.build(
        incident=event.group.incident, source=SourceFactory(), event=event
    )
    citation.full_clean()


def test_model_strings():
    event = CustodyEventFactory()
    assert str(event) == "Arrested – mid-March 2017"
    citation = CitationFactory(incident=event.group.incident)
    assert str(citation.incident) in str(citation)
    assert str(citation.source) in str(citation)
