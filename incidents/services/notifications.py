"""Workflow e-mails: editors hear of a submission, the author hears of a return, a schedule
(embargo) or a publication, the end of an embargo included (no actor: `publish_due` took it).

A message names the step, the incident's number, who took the step and the link to the
change page (login and 2FA required), never a title, summary, place, note or source: mail
passes through servers and inboxes outside our control, and a draft's title can be enough to
endanger someone. Sent once the transition has committed (a step that fails or is rolled back
sends nothing); a mail server that fails is logged, never turned into a failed step. Each
staff member can turn these e-mails off (admin: "Notification settings").
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import Q
from django.urls import reverse

from incidents.models import Incident, StaffNotificationSettings

logger = logging.getLogger(__name__)

SUBJECTS = {
    "submit": "Incident #{id} was submitted for review",
    "return_to_draft": "Incident #{id} was returned to draft",
    "schedule": "Incident #{id} was scheduled for publication when its embargo ends",
    "publish": "Incident #{id} was published",
}
# Who took a step no person took (services.embargo.publish_due).
SCHEDULER = "The publication schedule"
BODY = """{actor} took the step "{step}" on incident #{id}.

Open it (login required): {url}

This message never carries an incident's contents. To stop these e-mails: {settings_url}
"""


@transaction.atomic
def set_email_notifications(*, user, enabled: bool) -> None:
    """A staff member turns their own workflow e-mails on or off."""
    StaffNotificationSettings.objects.update_or_create(user=user, defaults={"by_email": enabled})


def _reachable(users):
    return (
        users.filter(is_active=True, is_staff=True)
        .exclude(email="")
        .exclude(notification_settings__by_email=False)
    )


def reviewers():
    """Everyone who can publish (the editors and administrators), e-mails on."""
    publish = Permission.objects.filter(
        content_type__app_label="incidents", codename="publish_incident"
    )
    users = get_user_model().objects.filter(
        Q(is_superuser=True) | Q(groups__permissions__in=publish) | Q(user_permissions__in=publish)
    )
    return _reachable(users).distinct()


def author_of(incident_id: int):
    """Who created the incident (its first history record), if they can be reached."""
    first = Incident.history.filter(id=incident_id).order_by("history_date", "history_id").first()
    if first is None or first.history_user_id is None:
        return get_user_model().objects.none()
    return _reachable(get_user_model().objects.filter(pk=first.history_user_id))


def recipients(name: str, incident_id: int, actor):
    if name == "submit":
        users = reviewers()
    elif name in ("return_to_draft", "schedule", "publish"):
        users = author_of(incident_id)
    else:
        return []
    if actor is not None:
        users = users.exclude(pk=actor.pk)
    return list(users.values_list("email", flat=True))


def messages_for(
    name: str, incident_id: int, actor, step: str, *, recipients_of: int | None = None
) -> list[tuple]:
    to = recipients(name, recipients_of or incident_id, actor)
    if not to:
        return []
    base = settings.SITE_URL.rstrip("/")
    subject = settings.EMAIL_SUBJECT_PREFIX + SUBJECTS[name].format(id=incident_id)
    body = BODY.format(
        actor=actor.get_username() if actor is not None else SCHEDULER,
        step=step,
        id=incident_id,
        url=base + reverse("admin:incidents_incident_change", args=[incident_id]),
        settings_url=base + reverse("admin:notification_settings"),
    )
    return [(subject, body, settings.DEFAULT_FROM_EMAIL, [address]) for address in to]


def notify_transition(
    *, incident_id: int, name: str, actor, step: str, recipients_of: int | None = None
) -> None:
    """After commit: the e-mails for this workflow step (none for steps nobody waits on).
    `recipients_of`: the record whose author hears of it, if not the incident itself (a
    published revision: its proposer, with a link to the live incident). `actor` None: no
    person took it (the end of an embargo)."""
    if name not in SUBJECTS:
        return

    def send():
        try:
            send_mass_mail(
                messages_for(name, incident_id, actor, step, recipients_of=recipients_of),
                fail_silently=False,
            )
        except Exception:  # noqa: BLE001 - the step is done; a mail outage must not undo it
            logger.exception("workflow e-mail not sent", extra={"incident": incident_id})

    transaction.on_commit(send)
