"""The staff access log: who looked at a record that holds restricted data."""

from incidents.models import StaffAccessLog


def log_staff_access(*, user, obj, action: str = StaffAccessLog.Action.VIEW) -> None:
    """Record that `user` saw a record holding restricted data. Never records the values."""
    StaffAccessLog.objects.create(
        user=user if user.is_authenticated else None,
        username=user.get_username(),
        action=action,
        model=obj._meta.label,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
    )
