"""Threaded races on PostgreSQL: a save in flight never undoes a workflow step, and two saves
never lose an edit without a refusal.

Each round forces the worst interleaving: the first request has read the incident and passed
its form checks, and is held just before it writes; the second request (a workflow step or
another save) runs to completion meanwhile; then the first is released. Before the write path
was closed, the held save wrote every column back, status included (38 of 40 unpublishes
undone in the outside review's probe).
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from incidents import admin as incident_admin
from incidents.models import Incident, Status
from tests.conftest import verified_login
from tests.factories import published_incident
from tests.roles import ensure_roles, staff
from tests.test_admin import page_data

ROUNDS = 100

pytestmark = [
    # transaction=True: threads need committed rows (roles: see the `people` fixture).
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs real concurrent transactions (PostgreSQL); SQLite's test database is "
        "in memory and single-writer",
    ),
]


def client_for(user) -> Client:
    return verified_login(Client(), user)


def change_url(incident) -> str:
    return reverse("admin:incidents_incident_change", args=[incident.pk])


class HeldSave:
    """Holds the admin's save of the incident (after its form checks passed, before the
    service writes) until the competing request has finished."""

    def __init__(self, monkeypatch):
        self.reached = threading.Event()
        self.release = threading.Event()
        real = incident_admin.save_incident

        def held(**kwargs):
            if not self.reached.is_set():
                self.reached.set()
                assert self.release.wait(10), "the competing request never finished"
            return real(**kwargs)

        monkeypatch.setattr(incident_admin, "save_incident", held)

    def reset(self):
        self.reached.clear()
        self.release.clear()


def race(first, second, held: HeldSave):
    """Run first() in a thread until it is held, run second() here, then release first()."""
    results = {}

    def run_first():
        try:
            results["first"] = first()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run_first)
    thread.start()
    assert held.reached.wait(10), "the first request never reached its save"
    try:
        results["second"] = second()
    finally:
        held.release.set()
        thread.join(20)
        connections.close_all()
    assert not thread.is_alive()
    return results["first"], results["second"]


@pytest.fixture
def people():
    ensure_roles()
    return {
        "editor": staff("Editor", username="race-editor"),
        "other_editor": staff("Editor", username="race-editor-2"),
        "caseworker": staff("Caseworker", username="race-caseworker"),
        "other_caseworker": staff("Caseworker", username="race-caseworker-2"),
    }


def transition(client, incident, name):
    version = Incident.objects.get(pk=incident.pk).version
    url = reverse("admin:incidents_incident_transition", args=[incident.pk, name])
    return client.post(url, {"version": str(version)})


def test_a_workflow_step_is_never_undone_by_a_save_in_flight(people, monkeypatch):
    """(The outside review's case was an unpublish; a published incident is no longer edited in
    place (services.revisions), so the step here is archiving a record in review, which
    editors may still edit.)"""
    held = HeldSave(monkeypatch)
    saver, archiver = client_for(people["editor"]), client_for(people["other_editor"])
    undone = refused = 0
    for n in range(ROUNDS):
        held.reset()
        incident = published_incident(slug=f"race-archive-{n}", status=Status.IN_REVIEW)
        data = page_data(saver.get(change_url(incident))) | {"summary": f"edit {n}"}
        save, _ = race(
            lambda data=data, incident=incident: saver.post(change_url(incident), data),
            lambda incident=incident: transition(archiver, incident, "archive"),
            held,
        )
        final = Incident.objects.get(pk=incident.pk)
        undone += final.status != Status.ARCHIVED
        if save.status_code == 200:  # refused, with the diff
            refused += 1
            assert "changed by someone else" in save.content.decode()
            assert final.summary != f"edit {n}"
        else:
            assert final.summary == f"edit {n}"
    assert undone == 0
    assert refused == ROUNDS  # the held save always read the older version


def test_submit_is_never_undone_by_a_save_in_flight(people, monkeypatch):
    held = HeldSave(monkeypatch)
    saver = client_for(people["caseworker"])
    submitter = client_for(people["other_caseworker"])
    undone = 0
    for n in range(ROUNDS):
        held.reset()
        incident = published_incident(slug=f"race-submit-{n}", status=Status.DRAFT)
        data = page_data(saver.get(change_url(incident))) | {"title": f"edit {n}"}
        save, _ = race(
            lambda data=data, incident=incident: saver.post(change_url(incident), data),
            lambda incident=incident: transition(submitter, incident, "submit"),
            held,
        )
        final = Incident.objects.get(pk=incident.pk)
        undone += final.status != Status.IN_REVIEW
        # A caseworker edits drafts only: the held save is refused, never applied silently.
        assert save.status_code in (200, 403)
        assert final.title != f"edit {n}"
    assert undone == 0


def test_two_saves_never_lose_an_edit_without_a_refusal(people, monkeypatch):
    held = HeldSave(monkeypatch)
    first, second = client_for(people["editor"]), client_for(people["other_editor"])
    lost = 0
    for n in range(ROUNDS):
        held.reset()
        incident = published_incident(slug=f"race-saves-{n}", status=Status.IN_REVIEW)
        first_data = page_data(first.get(change_url(incident))) | {"title": f"first {n}"}
        second_data = page_data(second.get(change_url(incident))) | {"summary": f"second {n}"}
        held_save, other_save = race(
            lambda d=first_data, i=incident: first.post(change_url(i), d),
            lambda d=second_data, i=incident: second.post(change_url(i), d),
            held,
        )
        final = Incident.objects.get(pk=incident.pk)
        for response, field, value in (
            (held_save, "title", f"first {n}"),
            (other_save, "summary", f"second {n}"),
        ):
            applied = getattr(final, field) == value
            refused = response.status_code == 200 and "changed by someone else" in (
                response.content.decode()
            )
            lost += not applied and not refused
    assert lost == 0
