"""Duplicates: scoring possible duplicates, showing them (admin, import), and merging them."""

from __future__ import annotations

import datetime
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents import duplicates
from incidents.duplicates import THRESHOLD, duplicates_of_many, possible_duplicates
from incidents.interchange import PUBLIC, VERSION, export_queryset, incident_record
from incidents.models import (
    Citation,
    CountClaim,
    CustodyEvent,
    DateClaim,
    DatePrecision,
    DetaineeGroup,
    Incident,
    Location,
    Status,
)
from incidents.services import Conflict, incident_delete, incident_transition, merge_incidents
from tests.factories import (
    CitationFactory,
    CountClaimFactory,
    CustodyEventFactory,
    DateClaimFactory,
    DetaineeGroupFactory,
    IncidentFactory,
    LocationFactory,
    SourceFactory,
    region_place,
)
from tests.roles import staff
from tests.test_import import run_import

pytestmark = pytest.mark.django_db


def dates(first, last, precision) -> dict:
    return {"date_earliest": first, "date_latest": last, "date_precision": precision}


JULY_15 = dates(datetime.date(2014, 7, 15), datetime.date(2014, 7, 17), DatePrecision.DAYS)
NOTICE = "Merged with a second report of the same arrests."
JULY = dates(datetime.date(2014, 7, 1), datetime.date(2014, 7, 31), DatePrecision.MONTH)


def incident(title, place, *, size=29, status=Status.PUBLISHED, when=None, source=None):
    """An incident with one group arrested at `place`, with an arrest event and a citation."""
    when = when or JULY_15
    found = IncidentFactory(title=title, status=status, **when)
    group = DetaineeGroupFactory(
        incident=found, arrest_location=place, size_value=size,
        size_qualifier="exact" if size is not None else "unknown",
    )  # fmt: skip
    CustodyEventFactory(group=group, location=place, **when)
    CitationFactory(incident=found, source=source or SourceFactory())
    from tests.factories import _index

    _index(found.pk)
    return found


@pytest.fixture
def places():
    jilin = region_place("CN", "Jilin")
    tumen = LocationFactory(name="Tumen", parent=jilin)
    yanji = LocationFactory(name="Yanji", parent=jilin)
    shenyang = LocationFactory(name="Shenyang", province="Liaoning")
    return {"jilin": jilin, "tumen": tumen, "yanji": yanji, "shenyang": shenyang}


@pytest.fixture
def editor():
    return staff("Editor", username="dup-editor")


# -- scoring ------------------------------------------------------------------------------------
def test_overlapping_dates_and_a_place_within_another_score_high(places):
    a = incident("29 arrested in Tumen", places["tumen"])
    b = incident("Crackdown in Jilin province", places["jilin"], size=None, when=JULY)
    [found] = possible_duplicates(a)
    assert found.pk == b.pk and found.score >= THRESHOLD
    assert any("dates overlap" in r for r in found.reasons)
    assert "Tumen lies in Jilin" in found.reasons
    # Seen from the other side, the same pair.
    [back] = possible_duplicates(b)
    assert back.pk == a.pk and back.score == found.score


def test_the_same_event_twice_scores_near_the_top(places):
    a = incident("29 North Koreans arrested in Tumen", places["tumen"])
    b = incident("29 North Koreans arrested in Tumen city", places["tumen"], size=30)
    [found] = possible_duplicates(a)
    assert found.pk == b.pk and found.score >= 90
    assert "same place: Tumen" in found.reasons
    assert any(r.startswith("similar numbers of people") for r in found.reasons)
    assert any(r.startswith("similar titles") for r in found.reasons)
    assert found.describe().startswith(f"possible duplicate of {b.slug} (score {found.score}: ")


def test_each_subject_is_compared_with_its_nearest_candidates_sharing_a_place_first(
    places, monkeypatch
):
    """A batch (the desk, an import) reads candidates for all its subjects at once; each
    subject is still compared with at most CANDIDATE_LIMIT of them, sharing a place first."""
    monkeypatch.setattr(duplicates, "CANDIDATE_LIMIT", 2)
    a = incident("29 arrested in Tumen", places["tumen"])
    same_place = [incident(f"29 arrested in Tumen ({n})", places["tumen"]) for n in range(2)]
    elsewhere = [incident(f"29 arrested in Shenyang ({n})", places["shenyang"]) for n in range(3)]
    found = duplicates_of_many([a.pk, *(i.pk for i in elsewhere)])
    assert sorted(d.pk for d in found[a.pk]) == sorted(i.pk for i in same_place)
    best = duplicates.duplicates_of_rows(
        [Incident.objects.filter(pk=a.pk).values(*duplicates.FIELDS).get()], best=1
    )
    assert len(best[a.pk]) == 1 and best[a.pk][0].pk in {i.pk for i in same_place}


def test_far_apart_dates_are_not_listed(places):
    a = incident("29 arrested in Tumen", places["tumen"])
    far = dates(datetime.date(2016, 7, 15), datetime.date(2016, 7, 17), DatePrecision.DAYS)
    incident("29 arrested in Tumen", places["tumen"], when=far)
    assert possible_duplicates(a) == []


def test_a_shared_date_alone_is_not_enough(places):
    a = incident("Arrests at a checkpoint", places["tumen"], size=3)
    incident("A raid on a safe house", places["shenyang"], size=40)
    assert possible_duplicates(a) == []


def test_merged_and_undated_incidents_are_not_candidates(places, editor):
    a = incident("29 arrested in Tumen", places["tumen"])
    b = incident("29 arrested in Tumen", places["tumen"])
    c = incident("29 arrested in Tumen!", places["tumen"])
    merge_incidents(survivor=a, merged=b, user=editor, notice=NOTICE)
    assert [d.pk for d in possible_duplicates(Incident.objects.get(pk=a.pk))] == [c.pk]
    assert possible_duplicates(Incident.objects.get(pk=b.pk)) == []  # merged: none listed
    undated = IncidentFactory(title="29 arrested in Tumen", date_earliest=None, date_latest=None,
                              date_precision="")  # fmt: skip
    assert possible_duplicates(undated) == []


def test_many_at_once_agrees_with_one_at_a_time(places):
    a = incident("29 arrested in Tumen", places["tumen"])
    b = incident("Crackdown in Jilin province", places["jilin"], size=None, when=JULY)
    c = incident("29 arrested in Tumen again", places["tumen"])
    many = duplicates_of_many([a.pk, b.pk, c.pk])
    for one in (a, b, c):
        assert many.get(one.pk, []) == possible_duplicates(one)


def test_the_candidate_query_uses_a_bounded_date_range(places):
    a = incident("29 arrested in Tumen", places["tumen"])
    with CaptureQueriesContext(connection) as ctx:
        possible_duplicates(a)
    selects = [q["sql"] for q in ctx.captured_queries if '"incidents_incident"."slug"' in q["sql"]]
    assert len(selects) == 1
    assert '"date_latest" >=' in selects[0] and '"date_latest" <=' in selects[0]


# -- shown to staff: the change page, the message after saving, the import report ---------------
def change_url(obj) -> str:
    return reverse("admin:incidents_incident_change", args=[obj.pk])


def test_the_change_page_lists_possible_duplicates(client, login, places, editor):
    a = incident("29 arrested in Tumen", places["tumen"])
    b = incident("29 arrested in Tumen city", places["tumen"])
    login(editor)
    body = client.get(change_url(a)).content.decode()
    assert 'id="possible-duplicates"' in body
    assert change_url(b) in body and b.slug in body
    assert "same place: Tumen" in body
    merge_link = reverse("admin:incidents_incident_merge") + f"?ids={a.pk}%2C{b.pk}"
    assert merge_link.replace("&", "&amp;") in body


def test_caseworkers_see_duplicates_but_no_merge_button(client, login, places):
    a = incident("29 arrested in Tumen", places["tumen"], status=Status.DRAFT)
    incident("29 arrested in Tumen city", places["tumen"], status=Status.DRAFT)
    login(staff("Caseworker", username="dup-caseworker"))
    body = client.get(change_url(a)).content.decode()
    assert 'id="possible-duplicates"' in body
    assert reverse("admin:incidents_incident_merge") not in body


def _panel_queries(client, obj) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(change_url(obj)).status_code == 200
    return len(ctx.captured_queries)


def test_the_panel_costs_the_same_queries_whatever_the_number_of_duplicates(
    client, login, places, editor
):
    a = incident("29 arrested in Tumen", places["tumen"])
    incident("29 arrested in Tumen city", places["tumen"])
    login(editor)
    few = _panel_queries(client, a)
    for n in range(6):
        other = incident(f"29 arrested in Tumen, report {n}", places["tumen"])
        DetaineeGroupFactory(incident=other, arrest_location=places["yanji"])
    assert len(possible_duplicates(a)) == 7
    assert _panel_queries(client, a) == few


def test_saving_warns_of_possible_duplicates(client, login, places, editor):
    from tests.roles import admin_page_data

    a = incident("29 arrested in Tumen", places["tumen"], status=Status.IN_REVIEW)
    b = incident("29 arrested in Tumen city", places["tumen"])
    login(editor)
    data = admin_page_data(change_url(a))
    data["summary"] = "Edited."
    response = client.post(change_url(a), data, follow=True)
    texts = [str(m) for m in response.context["messages"]]
    assert any("Possible duplicates of this incident" in t and b.title in t for t in texts), texts


def _record(obj, **changes) -> dict:
    row = export_queryset(Incident.objects.filter(pk=obj.pk), PUBLIC).get()
    record = json.loads(json.dumps(incident_record(row, PUBLIC), default=str))
    record = {k: v for k, v in record.items() if k not in ("published_at", "updated_at")}
    record["citations"] = [{**c, "group": None, "event": None} for c in record["citations"]]
    return {**record, **changes}


def test_the_import_report_lists_possible_duplicates_without_merging(places):
    a = incident("29 arrested in Tumen", places["tumen"])
    record = _record(a, slug="tumen-again", title="29 arrested in Tumen (KBS)")
    doc = {"format": "refoulement-watch", "version": VERSION, "scope": PUBLIC,
           "incidents": [record]}  # fmt: skip
    report = run_import(doc)
    assert report.ok, report.problems
    [line] = report.duplicates
    assert line.where == "tumen-again"
    assert line.message.startswith(f"possible duplicate of {a.slug} (score ")
    assert "same place: Tumen" in line.message
    assert Incident.objects.filter(slug="tumen-again", merged_into__isnull=True).exists()
    # Importing it again changes nothing, and reports nothing.
    assert run_import(doc).duplicates == []


def test_the_import_page_and_command_show_the_lines(client, login, places, editor, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    a = incident("29 arrested in Tumen", places["tumen"])
    doc = {"format": "refoulement-watch", "version": VERSION, "scope": PUBLIC,
           "incidents": [_record(a, slug="tumen-again")]}  # fmt: skip
    login(editor)
    upload = SimpleUploadedFile("f.json", json.dumps(doc).encode())
    body = client.post(reverse("admin:import_incidents"), {"file": upload, "_check": "x"})
    html = body.content.decode()
    assert 'id="import-duplicates"' in html and f"possible duplicate of {a.slug}" in html
    path = tmp_path / "f.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    from io import StringIO

    out = StringIO()
    call_command("import_incidents", str(path), "--user", editor.username, "--no-progress",
                 stdout=out)  # fmt: skip
    assert f"tumen-again: possible duplicate of {a.slug} (score " in out.getvalue()


# -- merging ------------------------------------------------------------------------------------
@pytest.fixture
def pair(places):
    """Two reports of one event: each with its own sources, a claim and a sourced date."""
    shared = SourceFactory(title="Shared wire report")
    keep = incident("29 arrested in Tumen", places["tumen"], source=shared)
    gone = incident("29 North Koreans held in Tumen", places["tumen"], size=27, source=shared)
    CitationFactory(incident=gone, source=SourceFactory(title="Only the duplicate's source"))
    group = gone.groups.get()
    CountClaimFactory(group=group, value=27, preferred=True)
    DateClaimFactory(incident=keep, preferred=True, **JULY_15)
    DateClaimFactory(incident=gone, preferred=True, **JULY_15)
    return keep, gone


def test_a_merge_moves_groups_events_claims_citations_and_dates(pair, editor):
    keep, gone = pair
    before_sources = set(Citation.objects.values_list("source__title", flat=True))
    group = gone.groups.get()
    versions = {"survivor_version": keep.version, "merged_version": gone.version}
    result = merge_incidents(survivor=keep, merged=gone, user=editor, notice=NOTICE, **versions)
    keep.refresh_from_db()
    gone.refresh_from_db()
    assert gone.merged_into_id == keep.pk and gone.status == Status.ARCHIVED
    assert list(gone.groups.all()) == [] and not gone.citations.exists()
    assert sorted(g.sequence for g in keep.groups.all()) == [0, 1]
    assert DetaineeGroup.objects.get(pk=group.pk).incident_id == keep.pk
    assert CustodyEvent.objects.filter(group=group).exists()  # went with its group
    assert CountClaim.objects.filter(group=group, value=27).exists()
    # Every source is still cited; the shared one once, not twice.
    assert set(keep.citations.values_list("source__title", flat=True)) == before_sources
    assert keep.citations.filter(source__title="Shared wire report").count() == 1
    assert result.citations_dropped == 1 and result.groups == 1
    # Both dates, one preferred (the survivor's), the record's reason given.
    claims = list(DateClaim.objects.filter(incident=keep))
    assert len(claims) == 2 and sum(c.preferred for c in claims) == 1
    assert all(c.preferred_reason for c in claims if c.preferred)
    assert keep.version == result.survivor.version and gone.version == result.merged.version


def test_both_histories_say_what_happened(pair, editor):
    keep, gone = pair
    merge_incidents(survivor=keep, merged=gone, user=editor, notice=NOTICE)
    survivor_reason = keep.history.order_by("-history_date").first().history_change_reason
    merged_record = Incident.history.filter(id=gone.pk).order_by("-history_date").first()
    assert survivor_reason == f"Merged {gone.slug} into this"
    assert merged_record.history_change_reason == f"Merged into {keep.slug}"
    assert merged_record.merged_into_id == keep.pk and merged_record.history_user == editor
    # The merged incident's earlier history is still there.
    assert Incident.history.filter(id=gone.pk).count() >= 2
    moved = DetaineeGroup.history.filter(incident_id=keep.pk, history_type="~").first()
    assert moved.history_change_reason == f"Moved from {gone.slug} (merge)"


def test_the_old_address_redirects_to_the_survivor(client, pair, editor):
    keep, gone = pair
    merge_incidents(survivor=keep, merged=gone, user=editor, notice=NOTICE)
    response = client.get(f"/incidents/{gone.slug}/")
    assert response.status_code == 301 and response["Location"] == f"/incidents/{keep.slug}/"
    api = client.get(f"/api/incidents/{gone.slug}/")
    assert api.status_code == 301
    assert api["Location"].endswith(f"/api/incidents/{keep.slug}/")
    assert api.json()["merged_into"] == keep.slug


def test_an_unpublished_survivor_is_a_404_like_any_unpublished_record(client, places, editor):
    keep = incident("29 arrested in Tumen", places["tumen"], status=Status.DRAFT)
    gone = incident("29 arrested in Tumen city", places["tumen"])
    merge_incidents(survivor=keep, merged=gone, user=editor, notice=NOTICE)
    unknown = client.get("/incidents/no-such-incident/")
    response = client.get(f"/incidents/{gone.slug}/")
    assert response.status_code == 404
    assert response.content == unknown.content.replace(b"no-such-incident", gone.slug.encode())
    assert client.get(f"/api/incidents/{gone.slug}/").status_code == 404


def test_chains_are_followed_and_flattened(client, places, editor):
    # The longest slugs: every history reason still fits its column (100 characters).
    a = incident("29 arrested in Tumen " + "and held for weeks " * 9, places["tumen"])
    assert len(a.slug) > 60
    b = incident("29 arrested in Tumen city", places["tumen"])
    c = incident("29 arrested in Tumen county", places["tumen"])
    merge_incidents(survivor=b, merged=a, user=editor, notice=NOTICE)
    merge_incidents(survivor=c, merged=b, user=editor, notice=NOTICE)
    assert Incident.objects.get(pk=a.pk).merged_into_id == c.pk  # flattened
    assert client.get(f"/incidents/{a.slug}/")["Location"] == f"/incidents/{c.slug}/"
    # A chain left by hand is still followed.
    Incident.objects.filter(pk=a.pk).update(merged_into=b)
    assert client.get(f"/incidents/{a.slug}/")["Location"] == f"/incidents/{c.slug}/"


def test_the_merged_incident_leaves_every_public_output(client, pair, editor):
    keep, gone = pair
    merge_incidents(survivor=keep, merged=gone, user=editor, notice=NOTICE)
    assert list(Incident.objects.published()) == [Incident.objects.get(pk=keep.pk)]
    for url in ("/", "/incidents/", "/incidents/export.csv", "/incidents/export.json",
                "/feeds/incidents.atom", "/api/incidents/", "/timeline/"):  # fmt: skip
        response = client.get(url)
        body = (b"".join(response.streaming_content) if response.streaming
                else response.content).decode()  # fmt: skip
        assert response.status_code == 200, url
        assert gone.slug not in body, url
        assert keep.slug in body, url
    geo = client.get("/locations.geojson").json()
    tumen = next(f for f in geo["features"] if f["properties"]["name"] == "Tumen")
    assert tumen["properties"]["incident_count"] == 1  # the map counts one incident there
    from incidents import statistics

    figures = statistics.compute(Incident.objects.published())
    assert figures["total"].figure("arrested").low == 29 + 27  # both groups, in one incident


def test_editors_and_administrators_only(pair, places):
    keep, gone = pair
    with pytest.raises(PermissionDenied):
        merge_incidents(
            survivor=keep, merged=gone, user=staff("Caseworker", username="cw"), notice=NOTICE
        )
    assert Incident.objects.get(pk=gone.pk).merged_into_id is None
    merge_incidents(
        survivor=keep, merged=gone, user=staff("Administrator", username="adm"), notice=NOTICE
    )
    assert Incident.objects.get(pk=gone.pk).merged_into_id == keep.pk


def test_a_stale_version_is_refused(pair, editor):
    keep, gone = pair
    with pytest.raises(Conflict):
        merge_incidents(survivor=keep, merged=gone, user=editor,
                        survivor_version=keep.version, merged_version=gone.version - 1)  # fmt: skip
    assert Incident.objects.get(pk=gone.pk).merged_into_id is None
    assert gone.groups.count() == 1


def test_refused_merges(pair, places, editor):
    keep, gone = pair
    other = incident("Another", places["yanji"])
    with pytest.raises(ValidationError, match="into itself"):
        merge_incidents(survivor=keep, merged=keep, user=editor, notice=NOTICE)
    merge_incidents(survivor=keep, merged=gone, user=editor, notice=NOTICE)
    with pytest.raises(ValidationError, match="already been merged"):
        merge_incidents(survivor=other, merged=gone, user=editor, notice=NOTICE)
    with pytest.raises(ValidationError, match="itself been merged"):
        merge_incidents(survivor=gone, merged=other, user=editor, notice=NOTICE)


def test_a_merged_incident_is_never_published_again(pair, editor):
    keep, gone = pair
    merge_incidents(survivor=keep, merged=gone, user=editor, notice=NOTICE)
    gone = Incident.objects.get(pk=gone.pk)
    with pytest.raises(ValidationError, match="merged"):
        incident_transition(incident=gone, name="publish", user=editor)
    # Whatever writes the row, the database refuses (a constraint; triggers on SQLite).
    with pytest.raises(IntegrityError), transaction.atomic():
        Incident.objects.filter(pk=gone.pk).update(status=Status.PUBLISHED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Incident.objects.filter(pk=keep.pk).update(merged_into=keep)
    # Nor edited, nor its survivor deleted (the old address must keep leading somewhere).
    from incidents.services import save_incident

    with pytest.raises(PermissionDenied):
        save_incident(user=editor, pk=gone.pk, values={"title": "Edited"})
    with pytest.raises(ValidationError):
        incident_delete(incident=keep, user=staff("Administrator", username="adm2"))


def test_the_public_cache_is_invalidated(pair, editor, django_capture_on_commit_callbacks):
    from incidents import cache as public_cache

    keep, gone = pair
    with django_capture_on_commit_callbacks() as callbacks:
        merge_incidents(survivor=keep, merged=gone, user=editor, notice=NOTICE)
    assert public_cache.bump in callbacks


# -- a published survivor changes in public: a correction notice ------------------------------
def test_a_merge_into_a_published_incident_needs_a_notice_readers_see(client, pair, editor):
    keep, gone = pair
    with pytest.raises(ValidationError, match="correction notice"):
        merge_incidents(survivor=keep, merged=gone, user=editor)
    assert Incident.objects.get(pk=gone.pk).merged_into_id is None  # nothing written
    assert keep.groups.count() == 1 and not keep.revisions.exists()

    result = merge_incidents(survivor=keep, merged=gone, user=editor, notice=NOTICE)
    revision = result.revision
    assert revision.notice == NOTICE and revision.substantive and not revision.minor
    assert (revision.proposed_by, revision.published_by) == (editor, editor)
    assert len(revision.before["groups"]) == 1 and len(revision.after["groups"]) == 2
    assert any(path.startswith("groups") for path, *_ in revision.changes), revision.changes
    # Readers: the dated notice on the page, an entry in the feed, corrected_at in exports.
    page = client.get(f"/incidents/{keep.slug}/").content.decode()
    assert NOTICE in page
    assert NOTICE in client.get("/feeds/incidents.atom").content.decode()
    exported = json.loads(b"".join(client.get("/incidents/export.json").streaming_content))
    [row] = [r for r in exported["incidents"] if r["slug"] == keep.slug]
    assert row["corrected_at"]


def test_a_minor_merge_keeps_a_record_without_a_public_notice(client, pair, editor):
    keep, gone = pair
    result = merge_incidents(survivor=keep, merged=gone, user=editor, notice="ignored", minor=True)
    assert result.revision.minor and result.revision.notice == ""
    assert "ignored" not in client.get(f"/incidents/{keep.slug}/").content.decode()


def test_a_merge_readers_cannot_see_gets_no_notice(pair, places, editor):
    keep, _ = pair
    hidden = incident("Same arrests, confidential report", places["tumen"], status=Status.DRAFT)
    hidden.groups.all().delete()  # only a confidential citation is left to move
    hidden.citations.update(source=SourceFactory(title="Hidden", confidential=True))
    updated = Incident.objects.get(pk=keep.pk).updated_at
    result = merge_incidents(survivor=keep, merged=hidden, user=editor)
    assert result.revision is None and result.citations == 1
    assert Incident.objects.get(pk=keep.pk).updated_at == updated


def test_an_unpublished_survivor_needs_no_notice(pair, editor):
    keep, gone = pair
    Incident.objects.filter(pk=gone.pk).update(status=Status.DRAFT)
    result = merge_incidents(survivor=Incident.objects.get(pk=gone.pk), merged=keep, user=editor)
    assert result.revision is None


def test_the_confirmation_page_asks_for_the_notice(client, login, pair, editor):
    keep, gone = pair
    login(editor)
    url = reverse("admin:incidents_incident_merge")
    assert (
        'id="merge-correction"' in client.get(url, {"ids": f"{gone.pk},{keep.pk}"}).content.decode()
    )
    data = {"ids": f"{gone.pk},{keep.pk}", "survivor": str(keep.pk),
            f"version_{keep.pk}": str(keep.version), f"version_{gone.pk}": str(gone.version),
            "notice": "  "}  # fmt: skip
    refused = client.post(url, data)
    assert refused.status_code == 200 and "correction notice" in refused.content.decode()
    assert Incident.objects.get(pk=gone.pk).merged_into_id is None
    done = client.post(url, {**data, "notice": NOTICE})
    assert done.status_code == 302
    assert Incident.objects.get(pk=keep.pk).revisions.get().notice == NOTICE


# -- the admin: the changelist action and the confirmation page ---------------------------------
def test_the_changelist_action_needs_exactly_two(client, login, pair, editor):
    keep, gone = pair
    login(editor)
    url = reverse("admin:incidents_incident_changelist")
    one = client.post(url, {"action": "merge_selected", "_selected_action": [keep.pk]},
                      follow=True)  # fmt: skip
    assert "Select exactly two incidents to merge." in one.content.decode()
    two = client.post(url, {"action": "merge_selected", "_selected_action": [keep.pk, gone.pk]})
    assert two.status_code == 302
    assert two["Location"].startswith(reverse("admin:incidents_incident_merge"))


def test_the_confirmation_page_merges_into_the_chosen_incident(client, login, pair, editor):
    keep, gone = pair
    login(editor)
    url = reverse("admin:incidents_incident_merge")
    page = client.get(url, {"ids": f"{gone.pk},{keep.pk}"})
    assert page.status_code == 200
    body = page.content.decode()
    assert keep.title in body and gone.title in body
    data = {
        "ids": f"{gone.pk},{keep.pk}",
        "survivor": str(keep.pk),
        f"version_{keep.pk}": str(keep.version),
        f"version_{gone.pk}": str(gone.version),
        "notice": NOTICE,
    }
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"] == change_url(keep)
    assert Incident.objects.get(pk=gone.pk).merged_into_id == keep.pk
    # The merged incident's page says where it went, and is read-only.
    body = client.get(change_url(gone)).content.decode()
    assert 'id="merged-into"' in body and change_url(keep) in body
    # The changelist hides it unless asked.
    listed = client.get(reverse("admin:incidents_incident_changelist"))
    assert gone not in listed.context["cl"].result_list
    merged = client.get(reverse("admin:incidents_incident_changelist"), {"merged": "yes"})
    assert list(merged.context["cl"].result_list) == [Incident.objects.get(pk=gone.pk)]


def test_the_confirmation_page_refuses_bad_and_stale_input(client, login, pair, editor):
    keep, gone = pair
    login(editor)
    url = reverse("admin:incidents_incident_merge")
    for ids in ("", "x,y", f"{keep.pk}", f"{keep.pk},{keep.pk}", f"{keep.pk},999999"):
        response = client.get(url, {"ids": ids})
        assert response.status_code == 302, ids
    stale = {"ids": f"{gone.pk},{keep.pk}", "survivor": str(keep.pk),
             f"version_{keep.pk}": str(keep.version), f"version_{gone.pk}": "1x"}  # fmt: skip
    response = client.post(url, stale)
    assert response.status_code == 200
    assert "changed by someone else" in response.content.decode()
    assert Incident.objects.get(pk=gone.pk).merged_into_id is None
    no_choice = {**stale, "survivor": "abc"}
    assert client.post(url, no_choice).status_code == 200


def test_the_confirmation_page_is_for_editors(client, login, pair):
    keep, gone = pair
    url = reverse("admin:incidents_incident_merge")
    assert client.get(url, {"ids": f"{keep.pk},{gone.pk}"}).status_code == 302  # to login
    login(staff("Caseworker", username="dup-cw"))
    assert client.get(url, {"ids": f"{keep.pk},{gone.pk}"}).status_code == 403


def test_scoring_constants_are_named():
    assert 0 < duplicates.THRESHOLD <= 100
    assert Location.SITE_LEVEL in duplicates.WEIGHT_PLACE


def test_a_file_cannot_set_merged_into(places):
    a = incident("29 arrested in Tumen", places["tumen"])
    b = incident("29 arrested in Tumen city", places["tumen"])
    record = _record(b, merged_into=a.slug)
    doc = {"format": "refoulement-watch", "version": VERSION, "scope": PUBLIC,
           "incidents": [record]}  # fmt: skip
    report = run_import(doc)
    assert not report.ok
    assert Incident.objects.get(pk=b.pk).merged_into_id is None
