"""The record: incidents, the groups of people in them, what happened to each group, where,
who did it, and which sources say so.

Shape, in one paragraph: an Incident is one reported event (an arrest operation). It holds one
or more DetaineeGroups, because reports split people by city and by fate ("20 in Qingdao and
9 in Kunming"). Each group has a custody timeline of CustodyEvents (arrested, transferred,
repatriated...) at Locations, and an outcome; the incident's outcomes derive from its groups.
Every claim is backed by a Citation of a Source, optionally pinned to a group or an event.
Estimates hold aggregate figures that are not incidents ("some 7,800 repatriated in 2003").
Dates are vague ranges and counts are qualified estimates; see incidents/vague.py. Where
sources disagree, each version is a claim (models.claims). Places form a hierarchy
(models.places); actors (police bureaus, border guards…) take part in custody events.
"""

from incidents.models.actors import Actor, EventActor
from incidents.models.audit import StaffAccessLog, StaffNotificationSettings
from incidents.models.claims import CountClaim, DateClaim
from incidents.models.common import VagueDateFields, unique_slug
from incidents.models.estimates import Estimate, EstimateSource
from incidents.models.incidents import (
    Circumstance,
    CountFields,
    CustodyEvent,
    DetaineeGroup,
    EventKind,
    Incident,
    Outcome,
    ReviewQueueItem,
)
from incidents.models.locks import EditLock
from incidents.models.places import IncidentPlace, Location, LocationName
from incidents.models.review import IncidentRevision, ReviewComment, ReviewStep
from incidents.models.sources import Citation, Source
from incidents.querysets import Status
from incidents.vague import CountQualifier, DatePrecision

__all__ = [
    "Actor",
    "Circumstance",
    "Citation",
    "CountClaim",
    "DateClaim",
    "EditLock",
    "EstimateSource",
    "EventActor",
    "IncidentPlace",
    "IncidentRevision",
    "ReviewComment",
    "ReviewStep",
    "LocationName",
    "CountFields",
    "CountQualifier",
    "CustodyEvent",
    "DatePrecision",
    "DetaineeGroup",
    "Estimate",
    "EventKind",
    "Incident",
    "Location",
    "Outcome",
    "ReviewQueueItem",
    "Source",
    "StaffAccessLog",
    "StaffNotificationSettings",
    "Status",
    "VagueDateFields",
    "unique_slug",
]
