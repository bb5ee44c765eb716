"""The record: incidents, the groups of people in them, what happened to each group, where,
and which sources say so.

Shape, in one paragraph: an Incident is one reported event (an arrest operation). It holds one
or more DetaineeGroups, because reports split people by city and by fate ("20 in Qingdao and
9 in Kunming"). Each group has a custody timeline of CustodyEvents (arrested, transferred,
repatriated...) at Locations, and an outcome; the incident's outcomes derive from its groups.
Every claim is backed by a Citation of a Source, optionally pinned to a group or an event.
Estimates hold aggregate figures that are not incidents ("some 7,800 repatriated in 2003").
Dates are vague ranges and counts are qualified estimates; see incidents/vague.py.
"""

from incidents.models.audit import StaffAccessLog
from incidents.models.common import VagueDateFields, unique_slug
from incidents.models.estimates import Estimate
from incidents.models.incidents import (
    CountFields,
    CustodyEvent,
    DetaineeGroup,
    EventKind,
    Incident,
    Outcome,
    ReviewQueueItem,
)
from incidents.models.places import Location
from incidents.models.sources import Citation, Source
from incidents.querysets import Status
from incidents.vague import CountQualifier, DatePrecision

__all__ = [
    "Citation",
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
    "Status",
    "VagueDateFields",
    "unique_slug",
]
