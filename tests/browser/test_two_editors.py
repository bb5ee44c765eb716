"""Journey 3: two editors open one incident in two browsers. The second is told who is
editing; the first saves; the second's stale save is refused with what changed, and one
button applies their changes onto the newer version, where they pick a value for the field
both changed and save."""

import re

import pytest

from incidents.models import EditLock, Incident
from incidents.services import locks
from tests.browser.helpers import admin_login, staff_user
from tests.factories import published_incident

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_editors_one_incident(browser, live_server, roles, shoot, monkeypatch):
    monkeypatch.setattr(locks, "HEARTBEAT_SECONDS", 5)  # the page's heartbeat, sped up
    incident = published_incident(
        title="Nine arrested in Shenyang", summary="Old summary.", status="in_review"
    )
    alice, alice_device = staff_user("alice", roles["Editor"])
    bob, bob_device = staff_user("bob", roles["Editor"])
    base = live_server.url
    url = f"{base}/admin/incidents/incident/{incident.pk}/change/"
    pages = {}
    for user, device in ((alice, alice_device), (bob, bob_device)):
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
        page = context.new_page()
        page.set_default_timeout(15_000)
        admin_login(page, base, user, device)
        pages[user.username] = page
    a, b = pages["alice"], pages["bob"]

    a.goto(url)
    assert a.locator(".edit-locks-list").is_hidden()
    b.goto(url)
    banner = b.locator(".edit-locks-list li")
    assert re.fullmatch(r"Being edited by alice since \d\d:\d\d", banner.inner_text())
    shoot(b, "locks-1-banner-second-editor")
    # Alice's open page learns from its heartbeat that bob joined.
    a.locator(".edit-locks-list li", has_text="Being edited by bob").wait_for()

    # Alice saves a new title (her lock goes); bob, on his stale page, a summary and a title.
    a.fill("#id_title", "Nine arrested in Shenyang, two released")
    a.click("input[name=_save]")
    a.locator(".messagelist .success").wait_for()
    assert not EditLock.objects.filter(user=alice, incident=incident).exists()
    b.fill("#id_summary", "Bob's summary.")
    b.fill("#id_title", "Bob's title")
    b.click("input[name=_continue]")

    b.locator(".errornote").wait_for()
    assert "changed by someone else" in b.locator(".errorlist").first.inner_text()
    offer = b.locator("#merge-offer")
    conflict = offer.locator("tr.merge-conflict[data-field=title]")
    assert "Bob's title" in conflict.locator(".merge-mine-value").inner_text()
    assert "two released" in conflict.locator(".merge-theirs-value").inner_text()
    assert "summary" in offer.locator(".merge-kept").inner_text().lower()
    shoot(b, "locks-2-refused-with-merge-offer")
    assert Incident.objects.get(pk=incident.pk).summary == "Old summary."

    b.click("input[name=_merge]")
    b.locator("#merge-applied").wait_for()
    newer = Incident.objects.get(pk=incident.pk).version
    assert b.input_value("input[name=read_version]") == str(newer)
    assert b.input_value("#id_summary") == "Bob's summary."  # his, applied
    assert b.input_value("#id_title") == "Nine arrested in Shenyang, two released"  # newer
    assert "Bob's title" in b.locator(".field-title .merge-mine").inner_text()
    shoot(b, "locks-3-merged-page")

    b.click(".field-title .merge-use-mine")  # he picks his title
    assert b.input_value("#id_title") == "Bob's title"
    b.click("input[name=_continue]")
    b.locator(".messagelist .success").wait_for()
    saved = Incident.objects.get(pk=incident.pk)
    assert (saved.title, saved.summary) == ("Bob's title", "Bob's summary.")
    assert saved.version == newer + 1

    # Leaving the page releases the lock (best effort: a beacon on pagehide).
    a.goto(url)
    b.goto(f"{base}/admin/")
    a.locator(".edit-locks-list").wait_for(state="hidden")
    for page in pages.values():
        page.context.close()
