"""The Korean interface: public pages and admin in Korean, exports always in English.

Korean readers choose the language with the switcher (POST /i18n/setlang/, which sets the
language cookie) or arrive with Accept-Language: ko. Dates and counts on pages are rendered
in the page's language; the interchange exports keep the English wording that the importer
parses back.
"""

import ast
import csv
import datetime
import io
import json
import re
from gettext import GNUTranslations
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from incidents.models import CountQualifier, DatePrecision, EventKind, Incident, Outcome, Status
from incidents.vague import EstimatedCount, VagueDate, parse_vague_date
from tests.factories import (
    CitationFactory,
    CustodyEventFactory,
    DetaineeGroupFactory,
    EstimateFactory,
    IncidentFactory,
    LocationFactory,
    SourceFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

LOCALE_DIR = Path(settings.BASE_DIR) / "locale" / "ko" / "LC_MESSAGES"
PO_FILE = LOCALE_DIR / "django.po"
MO_FILE = LOCALE_DIR / "django.mo"

PUBLIC_PAGES = ["home", "list", "timeline", "statistics", "map", "urgent"]


@pytest.fixture
def shenyang_case():
    """A published incident with Korean title/summary, arrested in 선양, still detained."""
    shenyang = LocationFactory(
        name="Shenyang",
        name_ko="선양",
        name_local="沈阳",
        latitude=41.8,
        longitude=123.4,
        coordinate_precision="city",
        coordinates_public=True,
    )
    tumen = LocationFactory(
        name="Tumen detention centre", kind="detention_centre", city="Tumen", province="Jilin"
    )
    incident = IncidentFactory(
        title="Eight arrested in Shenyang",
        title_ko="선양에서 8명 체포",
        summary="Eight people were stopped at a checkpoint.",
        summary_ko="8명이 검문소에서 붙잡혔다.",
        date_earliest=datetime.date(2017, 7, 15),
        date_latest=datetime.date(2017, 7, 17),
        date_precision=DatePrecision.DAYS,
    )
    group = DetaineeGroupFactory(
        incident=incident,
        arrest_location=shenyang,
        size_value=8,
        size_qualifier=CountQualifier.AT_LEAST,
        women_value=4,
        women_qualifier=CountQualifier.AT_LEAST,
        minors_value=1,
        minors_qualifier=CountQualifier.EXACT,
        outcome=Outcome.DETAINED,
    )
    CustodyEventFactory(
        group=group,
        location=shenyang,
        date_earliest=datetime.date(2017, 7, 15),
        date_latest=datetime.date(2017, 7, 17),
        date_precision=DatePrecision.DAYS,
    )
    CustodyEventFactory(
        group=group,
        kind=EventKind.TRANSFERRED,
        location=tumen,
        date_earliest=datetime.date(2017, 7, 21),
        date_latest=datetime.date(2017, 7, 31),
        date_precision=DatePrecision.LATE_MONTH,
    )
    CitationFactory(
        incident=incident,
        source=SourceFactory(
            title="Humane China",
            date_earliest=datetime.date(2017, 7, 20),
            date_latest=datetime.date(2017, 7, 20),
            date_precision="day",
        ),
    )
    EstimateFactory()  # about 7,800 repatriated in 2003
    return incident


def korean(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ko"
    return client


def body(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


@pytest.fixture(autouse=True)
def the_2017_case_is_recent(monkeypatch):
    """The urgent board shows its first tab (arrested or in the news lately): widen "lately"
    so the 2017 case below is on it (tests/test_views_urgent.py tests the window)."""
    from incidents import urgent

    monkeypatch.setattr(urgent, "RECENT_DAYS", 365 * 200)


def page(client, name: str, incident=None) -> str:
    url = incident.get_absolute_url() if name == "detail" else reverse(f"incidents:{name}")
    return body(client.get(url))


# -- choosing the language ----------------------------------------------------------------------
def test_language_switcher_posts_and_sets_the_cookie(client, shenyang_case):
    response = client.post(reverse("set_language"), {"language": "ko", "next": "/"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ko"
    html = page(client, "home")
    assert '<html lang="ko">' in html
    assert "최근 사건" in html  # Latest incidents
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Latest incidents" in page(client, "home")


def test_accept_language_header_selects_korean(client, shenyang_case):
    html = body(client.get("/", HTTP_ACCEPT_LANGUAGE="ko-KR,ko;q=0.9,en;q=0.5"))
    assert '<html lang="ko">' in html
    assert "중국에서 체포되어 북한으로 돌려보내진 사람들" in html


def test_english_is_the_default(client, shenyang_case):
    html = page(client, "home")
    assert '<html lang="en">' in html
    assert "North Koreans arrested in China and sent back" in html


# -- public pages -------------------------------------------------------------------------------
EXPECTED = {
    "home": ["중국에서 체포되어 북한으로 돌려보내진 사람들", "최근 사건", "게시된 사건 1건 보기"],
    "list": ["필터 적용", "모두 지우기", "해당 사건 1건", "이 결과 내려받기", "모든 국가"],
    "timeline": ["게시된 사건을 시간순으로", "사건 1건", "2017년 7월"],
    "statistics": ["연도별", "체포 장소별 인원", "인원 비율", "출처의 추정치(사건 아님)"],
    "map": ["게시된 사건의 장소 지도", "모든 장소", "지도 표시"],
    "urgent": [
        "체포 후 경과 일수",
        "마지막으로 알려진 장소",
        "위험에 처한 일행: 1",
        "최근 소식",
        "그 후 행방이 보도되지 않음",
    ],
}


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_public_pages_in_korean(client, shenyang_case, name):
    html = page(korean(client), name)
    for text in ["본문으로 건너뛰기", "연표", "통계", "지도", "긴급 사례", *EXPECTED[name]]:
        assert text in html, (name, text)
    for english in ["Skip to content", "Urgent cases", "Apply filters", "Per year"]:
        assert english not in html, (name, english)


def test_detail_page_in_korean(client, shenyang_case):
    html = page(korean(client), "detail", shenyang_case)
    for text in [
        "<title>선양에서 8명 체포 · Refoulement Watch</title>",
        "<h1>선양에서 8명 체포</h1>",
        "8명이 검문소에서 붙잡혔다.",
        "2017년 7월 15–17일",  # the incident and the arrest
        "2017년 7월 하순",  # the transfer
        "최소 8명",
        "여성 최소 4명",
        "미성년자 1명",
        "구금 중",  # outcome
        "체포 장소",
        "중국 선양",  # place of arrest, Korean name
        "이송",  # Transferred
        "Tumen detention centre",  # no Korean name: the English one
        "출처",
        "신뢰도",
        "2017년 7월 20일",  # source publication date
        "이 기록 인용하기",
    ]:
        assert text in html, text
    for english in ["Eight arrested in Shenyang</h1>", "Eight people were stopped", "July 2017"]:
        assert english not in html, english


def test_cards_show_korean_titles_places_dates_and_counts(client, shenyang_case):
    korean(client)
    for name in ["home", "list", "timeline"]:
        html = page(client, name)
        assert "선양에서 8명 체포" in html, name
        assert "Eight arrested in Shenyang" not in html, name
        assert "최소 8명" in html, name
        assert "선양" in html, name
    assert "2017년 7월 15–17일" in page(client, "home")


def test_urgent_and_map_and_statistics_in_korean(client, shenyang_case):
    korean(client)
    urgent = page(client, "urgent")
    assert "선양에서 8명 체포" in urgent
    assert "2017년 7월 15–17일" in urgent
    assert "중국 Tumen detention centre, Tumen, Jilin" in urgent  # last known place
    assert "이송, 2017년 7월 하순" in urgent
    map_html = page(client, "map")
    assert ">선양</text>" in map_html
    assert "중국 선양" in map_html
    assert "<title>북한</title>" in map_html  # not 조선민주주의인민공화국
    stats = page(client, "statistics")
    assert "2017년" in stats
    assert "최소 8명" in stats
    assert "약 7,800명" in stats  # the source estimate


def test_english_readers_see_english_titles_and_names(client, shenyang_case):
    html = page(client, "detail", shenyang_case)
    assert "<h1>Eight arrested in Shenyang</h1>" in html
    assert "Eight people were stopped at a checkpoint." in html
    assert "선양에서 8명 체포" not in html
    assert "15–17 July 2017" in html
    assert "at least 4 women" in html
    assert "Shenyang, Liaoning, China" in html
    assert '<span lang="ko">선양</span>' in html  # the Korean name, as a courtesy
    home = page(client, "home")
    assert "Eight arrested in Shenyang" in home and "at least 8 North Koreans" in home


def test_korean_falls_back_to_english_title_when_none_written(client, shenyang_case):
    shenyang_case.title_ko = shenyang_case.summary_ko = ""
    shenyang_case.save()
    html = page(korean(client), "detail", shenyang_case)
    assert "<h1>Eight arrested in Shenyang</h1>" in html
    assert "Eight people were stopped at a checkpoint." in html
    assert "2017년 7월 15–17일" in html  # the interface is still Korean


def test_filter_errors_in_korean(client, shenyang_case):
    response = korean(client).get(reverse("incidents:list"), {"date_after": "yesterday"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "위의 필터를 바로잡아 주세요." in html
    assert "은(는) 날짜가 아닙니다. YYYY, YYYY-MM 또는 YYYY-MM-DD 형식으로 쓰세요." in html


# -- admin ----------------------------------------------------------------------------------
def test_admin_shows_korean_labels(client, login, shenyang_case):
    login(UserFactory(is_staff=True, is_superuser=True))
    korean(client)
    index = body(client.get(reverse("admin:index")))
    for text in [
        "Refoulement Watch — 직원용",
        "사건",
        "검토 대기열",
        "장소",
        "출처",
        "전체 추정치",
    ]:
        assert text in index, text
    changelist = body(client.get(reverse("admin:incidents_incident_changelist")))
    for text in ["상태", "게시됨", "2017년 7월 15–17일"]:
        assert text in changelist, text
    # (A published incident's page is read-only; the editable page, as a record in review.)
    Incident.objects.filter(pk=shenyang_case.pk).update(status=Status.IN_REVIEW)
    change = body(client.get(reverse("admin:incidents_incident_change", args=[shenyang_case.pk])))
    for text in ["제목", "공개 요약", "내부 메모", "보도된 날짜", "구금자 일행", "구금 경과"]:
        assert text in change, text
    # The date box stays in the English the parser reads, whatever the interface language.
    assert 'value="15–17 July 2017"' in change


# -- exports stay English -------------------------------------------------------------------
def test_exports_stay_english_for_korean_readers(client, shenyang_case):
    korean(client)
    response = client.get(reverse("incidents:export_csv"))
    rows = list(
        csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")))
    )
    assert rows[0]["incident_date"] == "15–17 July 2017"
    assert rows[0]["group_size"] == "at least 8"
    assert rows[0]["group_women"] == "at least 4"
    assert "late July 2017" in rows[0]["group_events"]
    response = client.get(reverse("incidents:export_json"))
    data = json.loads(b"".join(response.streaming_content))
    record = data["incidents"][0]
    assert record["date"]["text"] == "15–17 July 2017"
    assert parse_vague_date(record["date"]["text"]) == shenyang_case.vague_date
    text = body(client.get(reverse("incidents:statistics_csv"))).lstrip("\ufeff")
    assert "at least 8" in text and "2017" in text
    assert "최소" not in text and "년" not in text


# -- the renderings themselves --------------------------------------------------------------
SAMPLES = [
    ("2017-07-15", "2017-07-15", "day", "15 July 2017", "2017년 7월 15일"),
    ("2017-07-15", "2017-07-17", "days", "15–17 July 2017", "2017년 7월 15–17일"),
    ("2017-06-28", "2017-07-03", "days", "28 June – 3 July 2017", "2017년 6월 28일 – 7월 3일"),
    (
        "2016-12-28",
        "2017-01-03",
        "days",
        "28 December 2016 – 3 January 2017",
        "2016년 12월 28일 – 2017년 1월 3일",
    ),
    ("2017-03-01", "2017-03-10", "early_month", "early March 2017", "2017년 3월 초순"),
    ("2017-03-11", "2017-03-20", "mid_month", "mid-March 2017", "2017년 3월 중순"),
    ("2017-03-21", "2017-03-31", "late_month", "late March 2017", "2017년 3월 하순"),
    ("2012-02-01", "2012-02-29", "month", "February 2012", "2012년 2월"),
    ("2017-03-01", "2017-05-31", "months", "March–May 2017", "2017년 3월–5월"),
    (
        "2016-11-01",
        "2017-02-28",
        "months",
        "November 2016 – February 2017",
        "2016년 11월 – 2017년 2월",
    ),
    ("2003-01-01", "2003-12-31", "year", "2003", "2003년"),
    ("2001-01-01", "2003-12-31", "years", "2001–2003", "2001–2003년"),
]


@pytest.mark.parametrize("earliest,latest,precision,english,korean_text", SAMPLES)
def test_vague_dates_render_in_both_languages(earliest, latest, precision, english, korean_text):
    vd = VagueDate(
        datetime.date.fromisoformat(earliest), datetime.date.fromisoformat(latest), precision
    )
    with translation.override("en"):
        assert vd.render() == vd.localized() == english
    with translation.override("ko"):
        assert vd.localized() == korean_text
        assert vd.render() == english  # exports and the admin date box: never translated
        assert parse_vague_date(vd.render()) == vd


COUNTS = [
    (EstimatedCount(31, CountQualifier.EXACT), "31", "31명"),
    (EstimatedCount(4, CountQualifier.AT_LEAST), "at least 4", "최소 4명"),
    (EstimatedCount(300, CountQualifier.ABOUT), "about 300", "약 300명"),
    (EstimatedCount(20, CountQualifier.MORE_THAN), "more than 20", "20명 이상"),
    (EstimatedCount(5, CountQualifier.AT_MOST), "at most 5", "최대 5명"),
    (EstimatedCount(1200, CountQualifier.EXACT), "1,200", "1,200명"),
    (EstimatedCount(None, CountQualifier.UNKNOWN), "unknown", "인원 미상"),
]


@pytest.mark.parametrize("count,english,korean_text", COUNTS)
def test_counts_render_in_both_languages(count, english, korean_text):
    with translation.override("en"):
        assert count.render() == count.localized() == english
    with translation.override("ko"):
        assert count.localized() == korean_text
        assert count.render() == english


def test_group_composition_in_both_languages(shenyang_case):
    group = shenyang_case.groups.get()
    with translation.override("en"):
        assert group.composition == ["at least 4 women", "1 minor"]
    with translation.override("ko"):
        assert group.composition == ["여성 최소 4명", "미성년자 1명"]


# -- the catalog ----------------------------------------------------------------------------
def _po_entries(path: Path) -> list[dict]:
    """Entries of a .po file: msgctxt, msgid, msgid_plural, msgstr(s), flags."""
    entries, entry, field = [], None, None
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if entry and "msgid" in entry:
                entries.append(entry)
            entry, field = None, None
            continue
        if line.startswith("#~"):
            continue  # obsolete
        entry = entry if entry is not None else {"flags": [], "msgstr": {}}
        if line.startswith("#,"):
            entry["flags"] += [f.strip() for f in line[2:].split(",")]
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            value = ast.literal_eval(line)
            if isinstance(field, tuple):
                entry["msgstr"][field[1]] += value
            else:
                entry[field] += value
        else:
            keyword, _, rest = line.partition(" ")
            value = ast.literal_eval(rest)
            if keyword.startswith("msgstr"):
                index = int(keyword[7:-1]) if "[" in keyword else 0
                field = ("msgstr", index)
                entry["msgstr"][index] = value
            else:
                field = keyword
                entry[field] = value
    return entries


def test_every_message_is_translated_and_none_is_fuzzy():
    entries = _po_entries(PO_FILE)
    header = entries[0]
    assert header["msgid"] == ""
    assert "fuzzy" not in header["flags"]
    assert "Plural-Forms: nplurals=1; plural=0;" in header["msgstr"][0]
    assert "Language: ko" in header["msgstr"][0]
    messages = entries[1:]
    assert len(messages) > 400
    fuzzy = [e["msgid"] for e in messages if "fuzzy" in e["flags"]]
    empty = [e["msgid"] for e in messages if not all(e["msgstr"].values())]
    assert fuzzy == []
    assert empty == []
    placeholder = re.compile(r"%\(\w+\)[sd]")
    for e in messages:
        # Every placeholder of the English must survive (the counter of a plural may not:
        # Korean has one form, "%(n)s people" is "%(n)s" because the count carries 명).
        wanted = set(placeholder.findall(e["msgid"]))
        for text in e["msgstr"].values():
            assert wanted <= set(placeholder.findall(text)), e["msgid"]


def test_compiled_catalog_matches_the_po_file():
    """django.mo is committed (CI may lack gettext): it must be compiled from this .po."""
    with MO_FILE.open("rb") as f:
        catalog = GNUTranslations(f)
    for e in _po_entries(PO_FILE)[1:]:
        key = f"{e['msgctxt']}\x04{e['msgid']}" if "msgctxt" in e else e["msgid"]
        if "msgid_plural" in e:
            assert catalog._catalog[(key, 0)] == e["msgstr"][0], e["msgid"]
        else:
            assert catalog._catalog[key] == e["msgstr"][0], e["msgid"]
