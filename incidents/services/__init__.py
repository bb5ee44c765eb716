"""The one door for writes. Admin forms, inlines and actions, the import page,
`import_incidents`, restore and any future write API call these keyword-only services; only they
decide who may write what (policy), whether it still applies (versions, compare-and-set on
status) and what is written (only the fields that changed; the public `updated_at` only when a
public field changed).

    policy      role rules: model permissions, protected fields, who edits which status
    workflow    status transitions (compare-and-set) and publication rules
    embargo     publish_due: scheduled incidents published once their embargo has ended
    editing     create/change/delete incidents with their groups, events and citations;
                sources, places and estimates
    deletion    delete and restore incidents
    merging     merge a duplicate incident into another
    changes     what changed since a version (for refused writers)
    audit       the staff access log
"""

from incidents.services.audit import log_staff_access
from incidents.services.deletion import (
    DELETE_BATCH_PREFIX,
    deleted_incidents,
    incident_delete,
    incident_restore,
)
from incidents.services.editing import Edit, SaveResult, delete_record, save_incident, save_record
from incidents.services.embargo import DueResult, publish_due
from incidents.services.errors import Conflict
from incidents.services.merging import MergeResult, can_merge, merge_incidents
from incidents.services.policy import PUBLISH as PUBLISH_PERMISSION
from incidents.services.policy import RESTORE as RESTORE_PERMISSION
from incidents.services.policy import can_edit_incident
from incidents.services.workflow import (
    TRANSITIONS,
    Transition,
    available_transitions,
    embargo_text,
    incident_transition,
    publication_problems,
    transition_path,
)

__all__ = [
    "DELETE_BATCH_PREFIX",
    "PUBLISH_PERMISSION",
    "RESTORE_PERMISSION",
    "TRANSITIONS",
    "Conflict",
    "DueResult",
    "Edit",
    "MergeResult",
    "SaveResult",
    "Transition",
    "available_transitions",
    "can_edit_incident",
    "can_merge",
    "delete_record",
    "deleted_incidents",
    "embargo_text",
    "incident_delete",
    "incident_restore",
    "incident_transition",
    "log_staff_access",
    "merge_incidents",
    "publication_problems",
    "publish_due",
    "save_incident",
    "save_record",
    "transition_path",
]
