"""Journey 3: a caseworker proposes a correction to a published incident; the editor reads the
diff and returns it with a comment; the caseworker fixes it and submits again; the editor
publishes it with a correction notice; a reader sees the notice. Until then the reader sees
the published version only."""

import pytest

from incidents.models import DetaineeGroup, Incident, ReviewComment
from tests.browser.helpers import admin_login, staff_user
from tests.factories import CitationFactory, DetaineeGroupFactory, IncidentFactory, SourceFactory

pytestmark = pytest.mark.django_db(transaction=True)

NOTICE = "The number arrested was 27, not 29."


@pytest.fixture
def published():
    incident = IncidentFactory(
        title="29 North Koreans arrested in Qingdao", slug="qingdao-29", status="published"
    )
    DetaineeGroupFactory(incident=incident, size_value=29, size_qualifier="exact")
    CitationFactory(incident=incident, source=SourceFactory(title="VOA report"), claim="29")
    return incident


def test_a_correction_from_proposal_to_public_notice(browser, page, live_server, roles, shoot,
                                                     published):  # fmt: skip
    base = live_server.url
    caseworker, caseworker_device = staff_user("caseworker", roles["Caseworker"])
    editor, editor_device = staff_user("editor", roles["Editor"])
    editor_page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    reader = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()

    # The caseworker opens the published incident: read-only, with "Propose a change".
    admin_login(page, base, caseworker, caseworker_device)
    page.goto(f"{base}/admin/incidents/incident/{published.pk}/change/")
    assert page.locator("#id_title").count() == 0
    page.click("input[name=propose]")
    page.wait_for_selector("#revision-banner")
    copy = Incident.objects.get(revision_of=published)
    page.fill("#id_title", "27 North Koreans arrested in Qingdao")
    page.fill("#id_groups-0-size_value", "27")
    page.click("input[name=_continue]")
    page.wait_for_selector("#revision-banner")
    assert page.locator(".errornote").count() == 0
    page.click("input[name=transition_submit]")
    page.wait_for_selector(".messagelist .success")

    # The reader still sees the published version.
    reader.goto(f"{base}/incidents/qingdao-29/")
    assert "29 North Koreans arrested in Qingdao" in reader.content()
    assert "27 North Koreans" not in reader.content()

    # The editor reads the diff and returns it with a comment on the figure.
    admin_login(editor_page, base, editor, editor_device)
    editor_page.goto(f"{base}/admin/incidents/incident/{copy.pk}/review/")
    diff = editor_page.locator("#review-diff")
    assert diff.locator("tr[data-path='groups[1].size'] td.before").inner_text() == "29"
    assert diff.locator("tr[data-path='groups[1].size'] td.after").inner_text() == "27"
    shoot(editor_page, "revision-diff")
    editor_page.fill("input[name='comment__groups[1].size']", "Which source says 27? Cite it.")
    editor_page.fill("#id_comment", "Please add the source for the new figure.")
    editor_page.click("input[name=return]")
    editor_page.wait_for_selector(".messagelist .success")
    assert ReviewComment.objects.filter(incident=copy).count() == 2

    # The caseworker sees the comments on the change page and fixes the citation.
    page.goto(f"{base}/admin/incidents/incident/{copy.pk}/change/")
    comments = page.locator("#review-comments").inner_text()
    assert "Which source says 27? Cite it." in comments and "groups[1].size" in comments
    page.fill("#id_citations-0-claim", "27 North Koreans were arrested, VOA reported")
    page.click("input[name=_continue]")
    page.wait_for_selector("#revision-banner")
    page.click("input[name=transition_submit]")
    page.wait_for_selector(".messagelist .success")

    # The editor publishes it with the correction notice.
    editor_page.goto(f"{base}/admin/incidents/incident/{copy.pk}/review/")
    editor_page.fill("#id_notice", NOTICE)
    editor_page.click("input[name=publish]")
    editor_page.wait_for_selector(".messagelist .success")
    assert not Incident.objects.filter(pk=copy.pk).exists()
    assert DetaineeGroup.objects.get(incident=published).size_value == 27

    # The reader sees the new version and the dated notice.
    reader.goto(f"{base}/incidents/qingdao-29/")
    notice = reader.locator("#corrections").inner_text()
    assert NOTICE in notice and "Corrected" in notice
    assert "27 North Koreans arrested in Qingdao" in reader.content()
    shoot(reader, "reader-correction-notice")
