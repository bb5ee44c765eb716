"""Journey 1: a caseworker enters the Qingdao/Kunming/Tumen incident in one form (two
groups, a transfer to a detention centre, a citation) and submits it for review; an editor
publishes it from the review queue; the public page then shows it."""

import pytest

from incidents.models import Incident, Location
from tests.browser.helpers import admin_login, pick_autocomplete, staff_user
from tests.factories import LocationFactory, SourceFactory

pytestmark = pytest.mark.django_db(transaction=True)


def fill_event(page, prefix: str, kind: str, when: str, place: str, description: str = ""):
    page.select_option(f"#id_{prefix}-kind", kind)
    page.fill(f"#id_{prefix}-date_text", when)
    pick_autocomplete(page, f"id_{prefix}-location", place)
    if description:
        page.fill(f"#id_{prefix}-description", description)


def test_caseworker_enters_and_editor_publishes(page, live_server, roles, shoot):
    for name, province in (("Qingdao", "Shandong"), ("Kunming", "Yunnan")):
        LocationFactory(name=name, province=province)
    LocationFactory(name="Tumen detention centre", kind=Location.Kind.DETENTION_CENTRE,
                    city="Tumen", province="Jilin")  # fmt: skip
    SourceFactory(title="Humane China editorial", publisher="Korea Herald")
    caseworker, caseworker_device = staff_user("caseworker", roles["Caseworker"])
    editor, editor_device = staff_user("editor", roles["Editor"])
    base = live_server.url

    # The caseworker logs in with password and a TOTP code.
    admin_login(page, base, caseworker, caseworker_device)
    page.goto(f"{base}/admin/incidents/incident/add/")
    page.fill("#id_title", "29 North Koreans and 6 helpers arrested in Qingdao and Kunming")
    page.fill("#id_date_text", "15–17 July 2017")
    page.fill("#id_summary", "20 arrested in Qingdao and 9 in Kunming; taken to Tumen.")

    # Group 1: Qingdao, with its arrest and the transfer to Tumen.
    page.fill("#id_groups-0-label", "Qingdao group")
    pick_autocomplete(page, "id_groups-0-arrest_location", "Qingdao")
    page.fill("#id_groups-0-size_value", "20")
    page.select_option("#id_groups-0-size_qualifier", "exact")
    page.select_option("#id_groups-0-outcome", "detained")
    fill_event(page, "groups-0-events-0", "arrested", "15–17 July 2017", "Qingdao")
    page.locator("#groups-0 .djn-add-handler.djn-model-incidents-custodyevent").click()
    fill_event(page, "groups-0-events-1", "transferred", "July 2017", "Tumen detention centre",
               "taken to a detention centre to await repatriation")  # fmt: skip

    # Group 2: Kunming.
    page.locator(".djn-add-handler.djn-model-incidents-detaineegroup").last.click()
    page.fill("#id_groups-1-label", "Kunming group")
    pick_autocomplete(page, "id_groups-1-arrest_location", "Kunming")
    page.fill("#id_groups-1-size_value", "9")
    page.select_option("#id_groups-1-size_qualifier", "exact")
    page.select_option("#id_groups-1-outcome", "detained")
    page.locator("#groups-1 .djn-add-handler.djn-model-incidents-custodyevent").click()
    fill_event(page, "groups-1-events-0", "arrested", "15–17 July 2017", "Kunming")

    # The citation.
    pick_autocomplete(page, "id_citations-0-source", "Humane China editorial")
    page.fill("#id_citations-0-claim", "arrested between July 15 and 17, 20 of them in Qingdao")
    shoot(page, "1-caseworker-add-form")
    page.click("input[name=_continue]")
    page.wait_for_selector("#workflow")
    assert page.locator(".errornote").count() == 0

    incident = Incident.objects.get()
    assert incident.status == "draft"
    assert incident.date_display == "15–17 July 2017"
    assert [g.size.render() for g in incident.groups.order_by("pk")] == ["20", "9"]
    assert incident.groups.get(label="Qingdao group").events.count() == 2
    assert incident.citations.count() == 1

    page.click("input[name=transition_submit]")
    page.wait_for_selector(".messagelist .success")
    shoot(page, "2-caseworker-submitted")
    incident.refresh_from_db()
    assert incident.status == "in_review"
    # A caseworker has no publish button.
    assert page.locator("input[name=transition_publish]").count() == 0

    # The editor finds it in the review queue and publishes it.
    page.context.clear_cookies()
    admin_login(page, base, editor, editor_device)
    page.goto(f"{base}/admin/incidents/reviewqueueitem/")
    page.click(f"text={incident.title}")
    page.click("input[name=transition_publish]")
    page.wait_for_selector(".messagelist .success")
    shoot(page, "3-editor-published")
    incident.refresh_from_db()
    assert incident.status == "published"

    page.goto(f"{base}{incident.get_absolute_url()}")
    assert page.locator("h1").inner_text() == incident.title
    assert page.locator("text=Tumen detention centre").count() >= 1
    shoot(page, "4-public-incident")
