"""Workflow e-mails (services.notifications): who gets them, what they never say, when none
is sent, and each staff member's own switch (/admin/notifications/)."""

import pytest
from django.core import mail
from django.urls import reverse

from incidents.models import Incident, StaffNotificationSettings, Status
from incidents.services import incident_transition
from incidents.services.notifications import set_email_notifications
from tests.factories import published_incident
from tests.roles import staff

pytestmark = pytest.mark.django_db

SECRET_TITLE = "MARKER-TITLE Kim family in Yanji"
SECRET_NOTE = "MARKER-NOTE helper's phone number"


@pytest.fixture
def people():
    return {
        "author": staff("Caseworker", username="author"),
        "editor": staff("Editor", username="editor"),
        "quiet_editor": staff("Editor", username="quiet"),
        "no_address": staff("Editor", username="noaddress", email=""),
        "admin": staff("Administrator", username="boss"),
        "other_caseworker": staff("Caseworker", username="colleague"),
    }


def incident_by(author, *, status=Status.DRAFT) -> Incident:
    incident = published_incident(title=SECRET_TITLE, status=status, notes_internal=SECRET_NOTE)
    Incident.history.filter(id=incident.pk).update(history_user=author)
    return incident


def step(incident, name, user):
    return incident_transition(incident=incident, name=name, user=user)


def sent_to() -> set[str]:
    return {address for message in mail.outbox for address in message.to}


def test_a_submission_tells_every_reviewer_but_the_one_who_opted_out(
    people, django_capture_on_commit_callbacks
):
    set_email_notifications(user=people["quiet_editor"], enabled=False)
    incident = incident_by(people["author"])
    with django_capture_on_commit_callbacks(execute=True):
        step(incident, "submit", people["author"])
    assert sent_to() == {"editor@example.org", "boss@example.org"}
    message = mail.outbox[0]
    assert f"#{incident.pk}" in message.subject and "submitted for review" in message.subject
    assert f"/admin/incidents/incident/{incident.pk}/change/" in message.body
    assert "/admin/notifications/" in message.body


def test_a_return_and_a_publication_tell_the_author(people, django_capture_on_commit_callbacks):
    incident = incident_by(people["author"], status=Status.IN_REVIEW)
    with django_capture_on_commit_callbacks(execute=True):
        step(incident, "return_to_draft", people["editor"])
    assert sent_to() == {"author@example.org"}
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        step(incident, "submit", people["author"])
        step(incident, "publish", people["editor"])
    published = [m for m in mail.outbox if "was published" in m.subject]
    assert [m.to for m in published] == [["author@example.org"]]


def test_no_message_ever_carries_the_incidents_contents(people, django_capture_on_commit_callbacks):
    incident = incident_by(people["author"])
    with django_capture_on_commit_callbacks(execute=True):
        step(incident, "submit", people["author"])
        step(incident, "return_to_draft", people["editor"])
    assert mail.outbox
    for message in mail.outbox:
        text = message.subject + message.body
        for secret in (SECRET_TITLE, SECRET_NOTE, "Kim", "Yanji", incident.summary):
            assert secret not in text


def test_a_refused_or_rolled_back_step_sends_nothing(people, django_capture_on_commit_callbacks):
    incident = incident_by(people["author"], status=Status.IN_REVIEW)
    incident.citations.all().delete()  # cannot be published without a public source
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Exception):  # noqa: B017
        step(incident, "publish", people["editor"])
    assert mail.outbox == []


def test_a_failing_mail_server_never_fails_the_step(
    people, django_capture_on_commit_callbacks, settings, caplog
):
    settings.EMAIL_BACKEND = "tests.test_notifications.BrokenBackend"
    incident = incident_by(people["author"])
    with django_capture_on_commit_callbacks(execute=True):
        step(incident, "submit", people["author"])
    incident.refresh_from_db()
    assert incident.status == Status.IN_REVIEW
    assert "workflow e-mail not sent" in caplog.text


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP down")


def test_an_import_sends_no_email_per_record(people, django_capture_on_commit_callbacks):
    from incidents.importer import import_document
    from incidents.interchange import FULL, export_queryset, incident_record

    incident = incident_by(people["author"], status=Status.IN_REVIEW)
    record = incident_record(export_queryset(Incident.objects.filter(pk=incident.pk), FULL).get(),
                             FULL)  # fmt: skip
    import json

    record = json.loads(json.dumps(record, default=str))
    record["status"] = "published"
    doc = {"format": "refoulement-watch", "version": 2, "scope": FULL, "incidents": [record],
           "incident_count": 1}  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        report = import_document(doc, user=people["editor"], publish=True)
    assert report.ok, report.problems
    assert Incident.objects.get(pk=incident.pk).status == Status.PUBLISHED
    assert mail.outbox == []


def test_each_staff_member_switches_their_own_emails(client, login, people):
    url = reverse("admin:notification_settings")
    assert client.get(url).status_code == 302  # anonymous: to the login page
    editor = login(people["editor"])
    assert "checked" in editor.get(url).content.decode()
    response = editor.post(url, {})  # the box unticked
    assert response.status_code == 302
    assert StaffNotificationSettings.objects.get(user=people["editor"]).by_email is False
    assert "checked" not in editor.get(url).content.decode()
    editor.post(url, {"by_email": "on"})
    assert StaffNotificationSettings.objects.get(user=people["editor"]).by_email is True
    # One's own switch only: nobody else's row was written.
    assert StaffNotificationSettings.objects.count() == 1
