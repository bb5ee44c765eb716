"""The place hierarchy: `city=` finds a place and everything under it, in any language and
spelling, with or without "Province"; `country=` works through it; no sibling matches; the
index stays exact when places move; the gazetteer seeds it offline."""

import pytest
from django.core.management import call_command

from incidents.filters import IncidentFilterSet
from incidents.models import IncidentPlace, Location, LocationName
from incidents.services.editing import save_record
from incidents.services.places import expected_index
from tests.factories import CustodyEventFactory, DetaineeGroupFactory, published_incident
from tests.roles import staff

pytestmark = pytest.mark.django_db


def place(name, kind, parent=None, **names):
    created = Location.objects.create(name=name, kind=kind, parent=parent, **names)
    from incidents.services.places import refresh_names

    refresh_names([created])
    return created


@pytest.fixture
def world():
    """China › Jilin › Yanbian prefecture › Tumen › detention centre; China › Liaoning ›
    Shenyang; China › Jilin › the city of Jilin; Russia › Primorsky Krai › Vladivostok."""
    china = place("China", "country", code="CN", name_ko="중국", name_local="中国")
    russia = place("Russia", "country", code="RU", name_ko="러시아")
    jilin = place("Jilin", "province", china, name_ko="지린성", name_local="吉林省",
                  alternate_names="Jilin Sheng")  # fmt: skip
    liaoning = place("Liaoning", "province", china, name_ko="랴오닝성", name_local="辽宁省")
    yanbian = place("Yanbian Korean Autonomous Prefecture", "prefecture", jilin,
                    name_ko="연변 조선족 자치주", name_local="延边朝鲜族自治州")  # fmt: skip
    tumen = place("Tumen", "city", yanbian, name_ko="투먼", name_local="图们")
    centre = place("Tumen border detention centre", "detention_centre", tumen)
    jilin_city = place("Jilin", "city", jilin, name_ko="지린시", name_local="吉林市")
    shenyang = place("Shenyang", "city", liaoning, name_ko="선양", name_local="沈阳")
    primorsky = place("Primorsky Krai", "province", russia, name_ko="연해주")
    vladivostok = place("Vladivostok", "city", primorsky, name_ko="블라디보스토크")

    def case(title, where, *, event_at=None):
        incident = published_incident(title=title, groups=0)
        group = DetaineeGroupFactory(incident=incident, arrest_location=where)
        if event_at:
            CustodyEventFactory(group=group, location=event_at)
        return title

    case("held in the Tumen centre", shenyang, event_at=centre)
    case("arrested in Tumen", tumen)
    case("arrested in the city of Jilin", jilin_city)
    case("arrested in Shenyang", shenyang)
    case("arrested in Vladivostok", vladivostok)
    return locals()


def titles(**params) -> set[str]:
    filterset = IncidentFilterSet.public(params)
    assert filterset.is_valid(), filterset.errors
    return set(filterset.qs.values_list("title", flat=True))


UNDER_JILIN = {"held in the Tumen centre", "arrested in Tumen", "arrested in the city of Jilin"}
UNDER_YANBIAN = {"held in the Tumen centre", "arrested in Tumen"}


@pytest.mark.parametrize("value", ["Jilin", "jilin", "JILIN PROVINCE", "Jilin Sheng",
                                   "지린성", "지린", "吉林省", "Jílín Shěng"])  # fmt: skip
def test_a_province_finds_every_level_below_it_in_every_language(world, value):
    assert titles(city=value) == UNDER_JILIN


@pytest.mark.parametrize("value", ["Yanbian", "Yanbian Korean Autonomous Prefecture",
                                   "연변 조선족 자치주", "연변", "延边朝鲜族自治州", "延边",
                                   "yanbian chaoxianzu zizhizhou"])  # fmt: skip
def test_a_prefecture_finds_its_cities_and_sites(world, value):
    assert titles(city=value) == UNDER_YANBIAN


@pytest.mark.parametrize("value", ["Tumen", "투먼", "图们", "Túmén"])
def test_a_city_finds_its_sites_and_transfers_through_it(world, value):
    assert titles(city=value) == UNDER_YANBIAN


def test_a_word_like_province_or_city_picks_the_place_of_that_kind(world):
    """Jilin is a province and a city: "Jilin City" (지린시, 吉林市) is the city only."""
    for value in ("Jilin City", "지린시", "吉林市"):
        assert titles(city=value) == {"arrested in the city of Jilin"}, value


@pytest.mark.parametrize("value", ["China", "중국", "中国", "CN"])
def test_a_country_by_name_finds_everything_in_it(world, value):
    assert titles(city=value) == UNDER_JILIN | {"arrested in Shenyang"}


def test_country_filter_works_through_the_hierarchy(world):
    assert titles(country="RU") == {"arrested in Vladivostok"}
    assert titles(country="CN") == UNDER_JILIN | {"arrested in Shenyang"}


@pytest.mark.parametrize("value", ["Liaoning", "랴오닝성", "辽宁"])
def test_no_false_match_for_a_sibling_province(world, value):
    """Liaoning holds Shenyang only: the Tumen transfer's Shenyang arrest is the one case."""
    assert titles(city=value) == {"held in the Tumen centre", "arrested in Shenyang"}


def test_moving_a_place_keeps_the_index_exact(world):
    """Tumen moved from Yanbian to Liaoning (a data-entry fix) through the write service:
    its incidents follow it, and nothing else changes."""
    tumen, liaoning = world["tumen"], world["liaoning"]
    save_record(user=staff("Editor"), model=Location, pk=tumen.pk,
                values={"parent": liaoning}, expected_version=tumen.version)  # fmt: skip
    assert titles(city="Yanbian") == set()
    assert titles(city="Liaoning") == UNDER_YANBIAN | {"arrested in Shenyang"}
    assert Location.objects.get(pk=world["centre"].pk).province == "Liaoning"
    assert set(IncidentPlace.objects.values_list("incident_id", "location_id")) == (
        expected_index()
    )


def test_renaming_a_place_renames_its_index(world):
    jilin = world["jilin"]
    save_record(user=staff("Editor"), model=Location, pk=jilin.pk,
                values={"name_local": "吉林"}, expected_version=jilin.version)  # fmt: skip
    assert titles(city="吉林") == UNDER_JILIN
    assert not LocationName.objects.filter(location=jilin, normalized="吉林省").exists()


def test_seed_places_from_the_gazetteers_is_offline_and_idempotent(capsys):
    call_command("seed_places", countries="KP")
    first = Location.objects.count()
    assert Location.objects.filter(kind="country", code="KP").exists()
    provinces = Location.objects.filter(kind="province", parent__code="KP")
    assert provinces.count() >= 9
    assert provinces.exclude(code="").count() == provinces.count()  # ISO 3166-2 codes
    assert LocationName.objects.filter(normalized="pyongyang").exists()
    call_command("seed_places", countries="KP")
    assert Location.objects.count() == first
