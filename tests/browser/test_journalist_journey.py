"""Journeys 2 and 3: a journalist filters the list by city, date and outcome, opens the
incident, follows it to the timeline and the map, and downloads the CSV — in English, then
the same journey in Korean using the language switcher."""

import csv
import io

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db(transaction=True)

SHENYANG_EIGHT = "eight-north-koreans-stopped-at-a-traffic-check-in-shenyang"


@pytest.fixture
def demo(transactional_db):
    call_command("loaddata", "fixtures/demo.json", verbosity=0)


def journey(page, base: str, shoot, *, lang: str, text: dict) -> None:
    page.goto(f"{base}/incidents/")
    if lang == "ko":
        page.select_option("#language-select", "ko")
        page.click("form.language button[type=submit]")
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == "ko"

    # Filter by city, date and outcome with the form, as a reader would.
    page.fill("#id_city", "Shenyang")
    page.fill("#id_date_after", "2017")
    page.fill("#id_date_before", "2017-12")
    page.check("input[name=outcome][value=unknown]")
    page.click(".filters button[type=submit]")
    page.wait_for_selector(".applied")
    count = page.locator(".result-count").inner_text()
    assert text["one_match"] in count, count
    cards = page.locator(".cards .card")
    assert cards.count() == 1
    shoot(page, f"{lang}-1-filtered-list")

    # Download the CSV of exactly these rows.
    with page.expect_download() as download_info:
        page.click("a[href*='export.csv']")
    body = download_info.value.path().read_bytes().decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
    assert {row["incident_slug"] for row in rows} == {SHENYANG_EIGHT}

    # Open the incident.
    cards.first.locator("a").first.click()
    page.wait_for_selector("h1")
    assert SHENYANG_EIGHT in page.url
    assert page.locator(text["women"]).count() >= 1
    shoot(page, f"{lang}-2-incident")

    # Back to the filtered list, then to the timeline with the same filters, and the map.
    page.go_back()
    page.click("#timeline-link")
    page.wait_for_selector(".timeline-years")
    assert page.locator(f"a[href*='{SHENYANG_EIGHT}']").count() == 1
    assert page.locator(".timeline-years a[href^='/incidents/']").count() == 1  # filtered
    assert page.locator(f"text={text['month']}").count() >= 1
    shoot(page, f"{lang}-3-timeline")

    page.click("nav a[href='/map/']")
    page.wait_for_selector("figure.map svg")
    assert page.locator("figure.map path.land").count() > 10
    assert page.locator("figure.map circle.place").count() >= 3
    shoot(page, f"{lang}-4-map")


def test_journalist_journey_in_english(page, live_server, demo, shoot):
    journey(page, live_server.url, shoot, lang="en",
            text={"one_match": "1 incident matches", "women": "text=at least 4 women",
                  "month": "March 2017"})  # fmt: skip


def test_journalist_journey_in_korean(page, live_server, demo, shoot):
    journey(page, live_server.url, shoot, lang="ko",
            text={"one_match": "1", "women": "text=여성", "month": "2017년 3월"})  # fmt: skip
