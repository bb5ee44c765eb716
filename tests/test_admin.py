"""Staff entry through the admin: one incident page with nested groups, events and citations."""

import datetime
import re

import pytest
from django import forms
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents.models import (
    Citation,
    CountQualifier,
    CustodyEvent,
    DatePrecision,
    DetaineeGroup,
    EventKind,
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
    UserFactory,
    published_incident,
)

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:incidents_incident_add")
CHANGELIST_URL = reverse("admin:incidents_incident_changelist")

# Formset prefixes, as read from the add page (see test_add_page_uses_these_prefixes).
GROUPS = "groups"
CITATIONS = "citations"


def events_prefix(group_index: int) -> str:
    return f"{GROUPS}-{group_index}-events"


def claims_prefix(group_index: int) -> str:
    return f"{GROUPS}-{group_index}-claims"


def actors_prefix(group_index: int, event_index: int) -> str:
    return f"{events_prefix(group_index)}-{event_index}-actors"


def management(prefix: str, total: int, initial: int = 0) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


COUNT_PARTS = ["size", "women", "men", "minors", "helpers"]


def group_data(index: int, *, location=None, label="", outcome=Outcome.DETAINED, **counts):
    """One group form (with its empty claims formset); counts like size=20 become
    size_value=20, size_qualifier=exact."""
    p = f"{GROUPS}-{index}"
    data = {
        f"{p}-id": "",
        f"{p}-incident": "",
        f"{p}-sequence": str(index),
        f"{p}-label": label,
        f"{p}-arrest_location": str(location.pk) if location else "",
        f"{p}-outcome": outcome,
        f"{p}-parent": "",
        f"{p}-helpers_description": "",
        f"{p}-notes_internal": "",
        **management(claims_prefix(index), 0),
    }
    for part in COUNT_PARTS:
        value = counts.get(part)
        data[f"{p}-{part}_value"] = "" if value is None else str(value)
        data[f"{p}-{part}_high"] = ""
        data[f"{p}-{part}_qualifier"] = (
            CountQualifier.UNKNOWN if value is None else CountQualifier.EXACT
        )
    return data


def event_data(group_index: int, index: int, *, kind, date_text, location=None, description=""):
    p = f"{events_prefix(group_index)}-{index}"
    return {
        f"{p}-id": "",
        f"{p}-group": "",
        f"{p}-kind": kind,
        f"{p}-date_text": date_text,
        f"{p}-location": str(location.pk) if location else "",
        f"{p}-description": description,
        f"{p}-sequence": str(index),
        f"{p}-circumstance": "",
        f"{p}-circumstance_text": "",
        f"{p}-notes_internal": "",
        **management(actors_prefix(group_index, index), 0),
    }


def incident_data(*, title="An incident", date_text="", status=Status.DRAFT, summary=""):
    return {
        "title": title,
        "slug": "",
        "date_text": date_text,
        "status": status,
        "summary": summary,
        "notes_internal": "",
        **management("date_claims", 0),
    }


@pytest.fixture
def places():
    return {
        "qingdao": LocationFactory(name="Qingdao", province="Shandong"),
        "kunming": LocationFactory(name="Kunming", province="Yunnan"),
        "tumen": LocationFactory(
            name="Tumen detention centre",
            kind=Location.Kind.DETENTION_CENTRE,
            city="Tumen",
            province="Jilin",
        ),
    }


def qingdao_post(places, source) -> dict[str, str]:
    """The July 2014 Qingdao/Kunming arrests (as the test data words them), as a caseworker
    would type them in: two groups of North Koreans, six helpers arrested with the first, and
    a third group whose number no source gives."""
    data = incident_data(
        title="29 North Koreans and 6 helpers arrested in Qingdao and Kunming",
        date_text="15–17 July 2017",
        summary="Arrested in two cities, then transferred to Tumen.",
    )
    data |= management(GROUPS, 3)
    data |= group_data(0, location=places["qingdao"], size=20, helpers=6)
    data |= group_data(1, location=places["kunming"], size=9)
    data |= group_data(2, label="Others in the same operation")
    for g, city in [(0, places["qingdao"]), (1, places["kunming"])]:
        data |= management(events_prefix(g), 2)
        data |= event_data(
            g, 0, kind=EventKind.ARRESTED, date_text="15–17 July 2017", location=city
        )
        data |= event_data(
            g,
            1,
            kind=EventKind.TRANSFERRED,
            date_text="July 2017",
            location=places["tumen"],
            description="taken to Tumen to await repatriation",
        )
    data |= management(events_prefix(2), 1)
    data |= event_data(2, 0, kind=EventKind.ARRESTED, date_text="15–17 July 2017")
    data |= management(CITATIONS, 1)
    data |= {
        f"{CITATIONS}-0-id": "",
        f"{CITATIONS}-0-incident": "",
        f"{CITATIONS}-0-source": str(source.pk),
        f"{CITATIONS}-0-group": "",
        f"{CITATIONS}-0-event": "",
        f"{CITATIONS}-0-claim": "29 North Koreans were arrested in Qingdao and Kunming.",
        f"{CITATIONS}-0-locator": "para. 2",
    }
    return data


# -- reading a rendered change page back into POST data ----------------------------------------
def _form_data(form) -> dict[str, str]:
    data = {}
    for bound in form:
        value = bound.value()
        if isinstance(bound.field, forms.MultipleChoiceField):
            data[bound.html_name] = [str(v) for v in (value or [])]
            continue
        if isinstance(bound.field, forms.BooleanField):
            if value:
                data[bound.html_name] = "on"
        else:
            data[bound.html_name] = "" if value is None else str(value)
    return data


def _formset_data(formset) -> dict[str, str]:
    data = _form_data(formset.management_form)
    for form in formset.forms:
        data |= _form_data(form)
        for nested in getattr(form, "nested_formsets", []):
            data |= _formset_data(nested)
    return data


def page_data(response) -> dict[str, str]:
    """What a browser would submit for the page as rendered, untouched (read from the HTML,
    template rows included, as a browser posts them)."""
    from tests.htmlforms import form_fields

    model = response.context["opts"].model_name
    data = form_fields(response.content.decode(), f"{model}_form")
    data.pop("csrfmiddlewaretoken", None)
    return data


def inline_formset(response, prefix):
    return next(
        inline.formset
        for inline in response.context["inline_admin_formsets"]
        if inline.formset.prefix == prefix
    )


def _all_errors(response):
    """Every form error on an admin page, for assertion messages."""
    errors = [response.context["adminform"].form.errors]
    for inline in response.context["inline_admin_formsets"]:
        errors += [inline.formset.non_form_errors(), *inline.formset.errors]
    return [e for e in errors if e]


# -- adding ------------------------------------------------------------------------------------
def test_add_page_uses_these_prefixes(admin_client):
    response = admin_client.get(ADD_URL)
    assert response.status_code == 200
    names = set(re.findall(r'name="([^"]+)"', response.content.decode()))
    for prefix in (GROUPS, events_prefix(0), CITATIONS):
        assert f"{prefix}-TOTAL_FORMS" in names
    assert {"date_text", f"{events_prefix(0)}-0-date_text"} <= names
    assert not names & {"date_earliest", "date_latest", "date_precision"}


def test_add_qingdao_incident_in_one_post(admin_client, places):
    source = SourceFactory(title="Dozens arrested in China")
    response = admin_client.post(ADD_URL, qingdao_post(places, source))
    assert response.status_code == 302, _all_errors(response)

    incident = Incident.objects.get()
    assert incident.title == "29 North Koreans and 6 helpers arrested in Qingdao and Kunming"
    assert incident.slug == "29-north-koreans-and-6-helpers-arrested-in-qingdao-and-kunming"
    assert (incident.date_earliest, incident.date_latest, incident.date_precision) == (
        datetime.date(2017, 7, 15),
        datetime.date(2017, 7, 17),
        DatePrecision.DAYS,
    )
    assert incident.date_display == "15–17 July 2017"

    groups = list(incident.groups.all())
    assert [g.arrest_location for g in groups] == [places["qingdao"], places["kunming"], None]
    assert [g.size.render() for g in groups] == ["20", "9", "unknown"]
    assert groups[0].helpers_value == 6
    assert {g.outcome for g in groups} == {Outcome.DETAINED}
    # North Koreans and helpers apart; an unknown third group makes 29 a floor.
    assert incident.people_total.render() == "at least 29"
    assert incident.helpers_total.render() == "6"
    assert [g.events.count() for g in groups] == [2, 2, 1]

    transfers = CustodyEvent.objects.filter(kind=EventKind.TRANSFERRED)
    assert {e.group for e in transfers} == set(groups[:2])
    for event in transfers:
        assert event.location == places["tumen"]
        assert (event.date_earliest, event.date_latest, event.date_precision) == (
            datetime.date(2017, 7, 1),
            datetime.date(2017, 7, 31),
            DatePrecision.MONTH,
        )
    arrests = CustodyEvent.objects.filter(kind=EventKind.ARRESTED).order_by("group__sequence")
    assert [e.location for e in arrests] == [places["qingdao"], places["kunming"], None]
    assert {e.date_display for e in arrests} == {"15–17 July 2017"}

    citation = Citation.objects.get()
    assert (citation.incident, citation.source, citation.locator) == (incident, source, "para. 2")


def test_women_exceeding_size_is_shown_on_the_field_and_nothing_saved(admin_client, places):
    data = qingdao_post(places, SourceFactory())
    data[f"{GROUPS}-0-women_value"] = "30"
    data[f"{GROUPS}-0-women_qualifier"] = CountQualifier.EXACT

    response = admin_client.post(ADD_URL, data)

    assert response.status_code == 200
    message = "Women (30) cannot exceed the group size (20)."
    group_form = inline_formset(response, GROUPS).forms[0]
    assert group_form.errors == {"women_value": [message]}
    # Rendered in the women field's box, not only at the top of the page.
    field_error = f'<ul class="errorlist" id="id_{GROUPS}-0-women_value_error"><li>{message}</li>'
    assert field_error in response.content.decode()
    assert not Incident.objects.exists()
    assert not DetaineeGroup.objects.exists()
    assert not Citation.objects.exists()


def test_unreadable_dates_show_the_parser_message(admin_client, places):
    data = qingdao_post(places, SourceFactory())
    data["date_text"] = "the summer of 2017"
    data[f"{events_prefix(1)}-1-date_text"] = "Julyish 2017"

    response = admin_client.post(ADD_URL, data)

    assert response.status_code == 200
    [incident_error] = response.context["adminform"].form.errors["date_text"]
    assert incident_error.startswith("Could not read the date 'the summer of 2017'.")
    event_form = inline_formset(response, GROUPS).forms[1].nested_formsets[0].forms[1]
    assert event_form.errors["date_text"] == ["'Julyish' is not a month name."]
    assert "&#x27;Julyish&#x27; is not a month name." in response.content.decode()
    assert not Incident.objects.exists()


def test_citation_for_a_group_of_another_incident_is_refused(admin_client, places):
    stranger = DetaineeGroupFactory()
    data = qingdao_post(places, SourceFactory())
    data[f"{CITATIONS}-0-group"] = str(stranger.pk)

    response = admin_client.post(ADD_URL, data)

    assert response.status_code == 200
    assert "group" in inline_formset(response, CITATIONS).forms[0].errors
    assert Incident.objects.count() == 1  # only the stranger's


# -- editing -----------------------------------------------------------------------------------
def change_url(incident):
    return reverse("admin:incidents_incident_change", args=[incident.pk])


def test_change_page_round_trip_keeps_everything(admin_client):
    incident = published_incident(groups=2, status=Status.IN_REVIEW)
    response = admin_client.get(change_url(incident))
    assert response.status_code == 200
    assert response.context["adminform"].form.initial["date_text"] == "mid-March 2017"

    data = page_data(response)
    data["title"] = "Renamed"
    response = admin_client.post(change_url(incident), data)

    assert response.status_code == 302, _all_errors(response)
    incident.refresh_from_db()
    assert incident.title == "Renamed"
    assert incident.date_precision == DatePrecision.MID_MONTH
    assert incident.groups.count() == 2
    assert CustodyEvent.objects.filter(group__incident=incident).count() == 2
    assert incident.citations.count() == 1


def test_citation_choices_are_limited_to_this_incident(admin_client):
    incident = published_incident(groups=2)
    other = published_incident(groups=1)
    response = admin_client.get(change_url(incident))
    form = inline_formset(response, CITATIONS).forms[0]
    assert set(form.fields["group"].queryset) == set(incident.groups.all())
    assert set(form.fields["event"].queryset) == set(
        CustodyEvent.objects.filter(group__incident=incident)
    )
    assert not set(form.fields["group"].queryset) & set(other.groups.all())


def test_citation_event_of_another_group_is_a_field_error(admin_client):
    # Both groups have sequence 0: re-rendering with errors must not trip over the tie
    # (nested_admin's drag-and-drop sorting did, hence no sortable_field_name).
    incident = published_incident(groups=2, status=Status.IN_REVIEW)
    first, second = incident.groups.all()
    response = admin_client.get(change_url(incident))
    data = page_data(response)
    data[f"{CITATIONS}-0-group"] = str(first.pk)
    data[f"{CITATIONS}-0-event"] = str(second.events.get().pk)

    response = admin_client.post(change_url(incident), data)

    assert response.status_code == 200
    errors = inline_formset(response, CITATIONS).forms[0].errors
    assert errors["event"] == ["This event belongs to another group."]


def test_deleting_a_cited_group_while_editing_its_citation(admin_client):
    # The citation goes with its group (on_delete=CASCADE), instead of a foreign-key crash.
    incident = IncidentFactory(status=Status.IN_REVIEW)
    doomed = DetaineeGroupFactory(incident=incident)
    DetaineeGroupFactory(incident=incident)
    CitationFactory(incident=incident, group=doomed)
    kept = CitationFactory(incident=incident)
    data = page_data(admin_client.get(change_url(incident)))
    data[f"{GROUPS}-0-DELETE"] = "on"
    data[f"{CITATIONS}-0-claim"] = "Edited claim."
    data[f"{CITATIONS}-1-claim"] = "Also edited."

    response = admin_client.post(change_url(incident), data)

    assert response.status_code == 302, _all_errors(response)
    assert not DetaineeGroup.objects.filter(pk=doomed.pk).exists()
    assert list(Citation.objects.all()) == [kept]
    kept.refresh_from_db()
    assert kept.claim == "Also edited."
    connection.check_constraints()


def test_deleting_a_group_while_editing_its_event(admin_client):
    incident = published_incident(groups=2, status=Status.IN_REVIEW)
    doomed, kept = incident.groups.all()
    data = page_data(admin_client.get(change_url(incident)))
    data[f"{GROUPS}-0-DELETE"] = "on"
    data[f"{events_prefix(0)}-0-description"] = "Edited, then the group was deleted."
    data[f"{events_prefix(1)}-0-description"] = "Edited."

    response = admin_client.post(change_url(incident), data)

    assert response.status_code == 302, _all_errors(response)
    assert list(incident.groups.all()) == [kept]
    assert list(CustodyEvent.objects.values_list("group", "description")) == [(kept.pk, "Edited.")]
    connection.check_constraints()  # no row points at the deleted group


def test_slug_is_read_only_once_saved(admin_client):
    incident = IncidentFactory(slug="keep-me")
    response = admin_client.get(change_url(incident))
    assert "slug" not in response.context["adminform"].form.fields
    data = page_data(response) | {"slug": "changed"}
    admin_client.post(change_url(incident), data)
    incident.refresh_from_db()
    assert incident.slug == "keep-me"


def test_view_only_staff_see_the_date_as_reported(login):
    user = UserFactory(is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(codename__startswith="view_", content_type__app_label="incidents")
    )
    client = login(user)
    incident = published_incident(groups=1)

    response = client.get(change_url(incident))

    assert response.status_code == 200
    html = response.content.decode()
    incident_box = html[html.index('class="form-row field-date_text"') :][:600]
    assert '<div class="readonly">mid-March 2017</div>' in incident_box
    events = html[html.index('id="groups-0-events-group"') :]
    event_box = events[events.index("field-date_text") :][:3000]
    assert "mid-March 2017" in event_box


# -- listing -----------------------------------------------------------------------------------
def test_changelist_search_and_filters(admin_client):
    incident = published_incident(groups=2, title="Eleven arrested near Shenyang")
    IncidentFactory(title="Unrelated", status=Status.DRAFT)
    place = incident.groups.first().arrest_location.name

    for query in [
        "",
        "?q=Shenyang",
        f"?q={place}",
        "?status__exact=published",
        "?groups__outcome__exact=detained",
        "?arrest_country=CN",
        "?date_precision__exact=mid_month",
        "?year=2017",
    ]:
        response = admin_client.get(CHANGELIST_URL + query)
        assert response.status_code == 200, query
        assert incident in response.context["cl"].result_list, query

    response = admin_client.get(CHANGELIST_URL + "?arrest_country=KP")
    assert list(response.context["cl"].result_list) == []
    # An incident with two groups in the country is listed once.
    response = admin_client.get(CHANGELIST_URL + "?arrest_country=CN")
    assert list(response.context["cl"].result_list).count(incident) == 1


def test_changelist_shows_outcomes_and_people(admin_client):
    incident = IncidentFactory(title="Two groups")
    DetaineeGroupFactory(incident=incident, size_value=20, outcome=Outcome.DETAINED)
    DetaineeGroupFactory(incident=incident, size_value=9, outcome=Outcome.REPATRIATED)
    response = admin_client.get(CHANGELIST_URL)
    html = response.content.decode()
    assert "Detained, Repatriated to North Korea" in html
    assert '<td class="field-people">29</td>' in html
    assert "mid-March 2017" in html


def _changelist_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(CHANGELIST_URL).status_code == 200
    return len(ctx.captured_queries)


def test_changelist_query_count_does_not_grow_with_rows(admin_client):
    for _ in range(2):
        published_incident(groups=2)
    few = _changelist_queries(admin_client)
    for _ in range(4):
        published_incident(groups=3)
    assert _changelist_queries(admin_client) == few


def _change_page_queries(client, incident) -> tuple[int, str]:
    url = reverse("admin:incidents_incident_change", args=[incident.pk])
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def test_change_page_rows_cost_no_query_each(admin_client):
    """Citations, sourced figures and dates, with their sources, places and the incident's
    groups and events to choose from, are read once for all rows (incidents/admin_rows.py),
    so a well-sourced incident costs no more queries than a thinly sourced one."""
    from tests.factories import CountClaimFactory, DateClaimFactory

    incident = published_incident(groups=1, status=Status.IN_REVIEW)
    group = incident.groups.get()
    CustodyEventFactory(group=group, location=LocationFactory(name="Tumen"))

    def sourced(n):
        source = SourceFactory(title=f"Report {n}")
        CitationFactory(incident=incident, source=source, group=group)
        CountClaimFactory(group=group, source=source, value=20 + n)
        DateClaimFactory(incident=incident, source=source)

    sourced(0)
    _change_page_queries(admin_client, incident)  # first visit: per-session lookups
    few, _ = _change_page_queries(admin_client, incident)
    for n in range(1, 7):
        sourced(n)
    many, body = _change_page_queries(admin_client, incident)
    assert many == few
    # The pickers still show each row's choice: the sources by title, the chosen group.
    for n in range(7):
        assert f"Report {n}" in body
    assert "Tumen" in body


@pytest.mark.parametrize(
    ("model", "factory"),
    [
        ("location", LocationFactory),
        ("source", SourceFactory),
        ("estimate", EstimateFactory),
    ],
)
def test_other_admin_pages(admin_client, model, factory):
    obj = factory()
    changelist = reverse(f"admin:incidents_{model}_changelist")
    assert admin_client.get(changelist).status_code == 200
    assert admin_client.get(changelist + "?q=a").status_code == 200
    assert admin_client.get(reverse(f"admin:incidents_{model}_add")).status_code == 200
    change = reverse(f"admin:incidents_{model}_change", args=[obj.pk])
    assert admin_client.get(change).status_code == 200


def test_autocomplete_for_locations_and_sources(admin_client, places):
    SourceFactory(title="Tumen report")
    url = reverse("admin:autocomplete")
    for model, field in [("detaineegroup", "arrest_location"), ("citation", "source")]:
        response = admin_client.get(
            url,
            {"term": "Tumen", "app_label": "incidents", "model_name": model, "field_name": field},
        )
        assert response.status_code == 200, model
        assert response.json()["results"], model


def test_custody_event_factory_dates_render_on_change_page(admin_client):
    event = CustodyEventFactory()
    response = admin_client.get(change_url(event.group.incident))
    event_form = inline_formset(response, GROUPS).forms[0].nested_formsets[0].forms[0]
    assert event_form["date_text"].value() == "mid-March 2017"


def test_changelist_search_finds_drafts_by_word_place_above_and_slug(admin_client):
    """Staff search is the public search (words of title, summary, places at any level) over
    every status, plus an exact slug; each incident once however many groups match."""
    province = LocationFactory(name="Jilin", kind="province", country="CN")
    tumen = LocationFactory(name="Tumen", kind="city", parent=province)
    draft = IncidentFactory(title="Draft about brokers", status=Status.DRAFT, slug="draft-x1")
    DetaineeGroupFactory(incident=draft, arrest_location=tumen)
    DetaineeGroupFactory(incident=draft, arrest_location=tumen)
    other = IncidentFactory(title="Unrelated case", status=Status.DRAFT)

    def found(q):
        response = admin_client.get(CHANGELIST_URL, {"q": q})
        assert response.status_code == 200
        return list(response.context["cl"].result_list)

    assert found("brokers") == [draft]
    assert found("Jilin") == [draft]  # the province above the place of arrest
    assert found("draft-x1") == [draft]
    assert other not in found("brokers") and found("") != []


def test_changelist_year_filter(admin_client):
    spanning = IncidentFactory(
        title="Spans years",
        date_earliest=datetime.date(2016, 12, 1),
        date_latest=datetime.date(2017, 1, 31),
        date_precision="months",
    )
    undated = IncidentFactory(
        title="Undated", date_earliest=None, date_latest=None, date_precision=""
    )

    def listed(year):
        response = admin_client.get(CHANGELIST_URL, {"year": year})
        assert response.status_code == 200
        return set(response.context["cl"].result_list)

    assert spanning in listed("2016") and spanning in listed("2017")
    assert spanning not in listed("2018")
    assert listed("undated") == {undated}
    assert listed("not-a-year") == set()
