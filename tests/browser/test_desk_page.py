"""The desk as an editor sees it after logging in: what waits for review, a likely duplicate of
it, a pending revision, and a draft returned with a comment (screenshot: desk.png)."""

import pytest

from incidents.services import incident_transition, save_incident
from incidents.services.revisions import start_revision
from tests.browser.helpers import admin_login, staff_user
from tests.factories import LocationFactory, region_place
from tests.test_duplicates import incident

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_editor_starts_on_the_desk(page, live_server, roles, shoot):
    caseworker, _device = staff_user("caseworker", roles["Caseworker"])
    editor, editor_device = staff_user("editor", roles["Editor"])
    tumen = LocationFactory(name="Tumen", parent=region_place("CN", "Jilin"))
    recorded = incident("29 arrested in Tumen", tumen)
    new = incident("29 North Koreans arrested in Tumen", tumen, status="draft")
    new._history_user = caseworker
    incident_transition(incident=new, name="submit", user=caseworker, notify=False)
    copy = start_revision(incident=recorded, user=caseworker)
    save_incident(user=caseworker, pk=copy.pk, values={"title": "27 arrested in Tumen"})
    incident_transition(incident=copy, name="submit", user=caseworker, notify=False)

    admin_login(page, live_server.url, editor, editor_device)
    page.goto(f"{live_server.url}/admin/")
    review = page.locator("#awaiting-review").inner_text()
    assert "29 North Koreans arrested in Tumen" in review and "27 arrested in Tumen" in review
    duplicates = page.locator("#duplicates").inner_text()
    assert "29 arrested in Tumen" in duplicates
    shoot(page, "desk")
