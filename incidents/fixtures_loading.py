"""Derived columns after `loaddata`: a fixture carries the search document as NULL (it is
built on SQLite, which has none), so each incident's is computed as its rows arrive.

Only raw saves (fixtures) are handled here; every other write goes through the services,
which keep the document themselves (services.search_index).
"""

from django.db.models.signals import post_save
from django.dispatch import receiver

from incidents.models import Citation, Incident, IncidentPlace
from incidents.services import search_index


@receiver(post_save, sender=Incident)
@receiver(post_save, sender=IncidentPlace)
@receiver(post_save, sender=Citation)
def refresh_loaded_incident(sender, instance, raw=False, **kwargs):
    if raw and search_index.enabled():
        search_index.refresh([instance.pk if sender is Incident else instance.incident_id])
