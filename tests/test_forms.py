"""The one-box date entry: `date_text` is parsed into date_earliest/date_latest/precision."""

import datetime

import pytest

from incidents.forms import VAGUE_DATE_FIELDS, CustodyEventForm, IncidentForm
from incidents.models import DatePrecision, Incident, Status
from tests.factories import DetaineeGroupFactory, IncidentFactory


def incident_form(date_text, instance=None, **extra):
    data = {"title": "Eight arrested in Shenyang", "status": Status.DRAFT, "date_text": date_text}
    if instance is not None:  # a change form carries the version it was read at
        data["read_version"] = instance.version
    return IncidentForm(data={**data, **extra}, instance=instance)


def test_date_columns_are_not_form_fields():
    form = IncidentForm()
    assert "date_text" in form.fields
    assert not set(VAGUE_DATE_FIELDS) & set(form.fields)
    assert str(form.fields["date_text"].label) == "Date as reported"
    assert "mid-March 2017" in str(form.fields["date_text"].help_text)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "earliest", "latest", "precision"),
    [
        ("15 July 2017", (2017, 7, 15), (2017, 7, 15), DatePrecision.DAY),
        ("15–17 July 2017", (2017, 7, 15), (2017, 7, 17), DatePrecision.DAYS),
        ("mid-March 2017", (2017, 3, 11), (2017, 3, 20), DatePrecision.MID_MONTH),
        ("February 2012", (2012, 2, 1), (2012, 2, 29), DatePrecision.MONTH),
        ("2003", (2003, 1, 1), (2003, 12, 31), DatePrecision.YEAR),
    ],
)
def test_date_text_is_parsed_into_the_model_fields(text, earliest, latest, precision):
    form = incident_form(text)
    assert form.is_valid(), form.errors
    incident = form.save()
    incident.refresh_from_db()
    assert incident.date_earliest == datetime.date(*earliest)
    assert incident.date_latest == datetime.date(*latest)
    assert incident.date_precision == precision


@pytest.mark.django_db
def test_blank_date_text_clears_the_date():
    incident = IncidentFactory()
    form = incident_form("  ", instance=incident)
    assert form.is_valid(), form.errors
    form.save()
    incident.refresh_from_db()
    assert (incident.date_earliest, incident.date_latest, incident.date_precision) == (
        None,
        None,
        "",
    )


@pytest.mark.django_db
def test_initial_value_is_the_rendered_date():
    incident = IncidentFactory()  # 11–20 March 2017, mid-month
    assert IncidentForm(instance=incident).initial["date_text"] == "mid-March 2017"
    unknown = IncidentFactory(date_earliest=None, date_latest=None, date_precision="")
    assert not IncidentForm(instance=unknown).initial.get("date_text")
    assert 'value="mid-March 2017"' in str(IncidentForm(instance=incident)["date_text"])


@pytest.mark.django_db
def test_unreadable_date_is_a_field_error_with_the_parser_message():
    form = incident_form("sometime in the summer")
    assert not form.is_valid()
    assert "Could not read the date 'sometime in the summer'" in form.errors["date_text"][0]
    impossible = incident_form("31 February 2017")
    assert not impossible.is_valid()
    assert impossible.errors["date_text"] == ["2017-02-31 is not a real date."]
    assert Incident.objects.count() == 0


@pytest.mark.django_db
def test_unchanged_text_keeps_the_stored_range():
    # Saving the form untouched must neither fail nor change the stored range, even if
    # rendering and parsing ever stop being exact inverses.
    incident = IncidentFactory(
        date_earliest=datetime.date(2016, 11, 1),
        date_latest=datetime.date(2017, 2, 28),
        date_precision=DatePrecision.MONTHS,
    )
    form = IncidentForm(instance=incident)
    data = {"title": incident.title, "status": incident.status}
    form = incident_form(form.initial["date_text"], instance=incident, **data)
    assert form.is_valid(), form.errors
    assert "date_text" not in form.changed_data
    form.save()
    incident.refresh_from_db()
    assert incident.date_earliest == datetime.date(2016, 11, 1)
    assert incident.date_precision == DatePrecision.MONTHS


@pytest.mark.django_db
def test_model_date_errors_land_on_date_text():
    # Model.clean() keys vague-date problems by the hidden columns; the form moves them.
    form = incident_form("2003")
    assert form.is_valid()
    form.add_error(None, {"date_precision": "bad precision", "title": "bad title"})
    assert form.errors["date_text"] == ["bad precision"]
    assert form.errors["title"] == ["bad title"]


@pytest.mark.django_db
def test_custody_event_form_uses_the_same_date_box():
    group = DetaineeGroupFactory()
    form = CustodyEventForm(
        data={"group": group.pk, "kind": "transferred", "date_text": "July 2017", "sequence": 0}
    )
    assert form.is_valid(), form.errors
    event = form.save()
    assert (event.date_earliest, event.date_latest, event.date_precision) == (
        datetime.date(2017, 7, 1),
        datetime.date(2017, 7, 31),
        DatePrecision.MONTH,
    )
    assert CustodyEventForm(instance=event).initial["date_text"] == "July 2017"
    bad = CustodyEventForm(data={"group": group.pk, "kind": "transferred", "date_text": "Julyish"})
    assert not bad.is_valid()
    assert "Could not read the date" in bad.errors["date_text"][0]
