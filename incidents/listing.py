"""Helpers for showing which filters are applied, shared by every filtered public page."""

from urllib.parse import urlencode

from django.utils.translation import gettext as _

from incidents.models import Outcome


def filter_querystring(params, *, without: tuple[str, ...] = ("page",)) -> str:
    """The current filters as a query string (no page number), for pagination and exports."""
    pairs = [(k, v) for k in params for v in params.getlist(k) if k not in without and v != ""]
    return urlencode(pairs)


def active_filters(filterset) -> list[dict]:
    """[{label, value, remove_url}] for each applied filter, for the "applied filters" bar."""
    if not filterset.is_valid():
        return []
    data = filterset.form.cleaned_data
    params = filterset.data
    result = []
    for name, field in filterset.form.fields.items():
        value = data.get(name)
        if value in (None, "", []):
            continue
        if name == "outcome":
            shown = ", ".join(str(Outcome(v).label) for v in value)
        else:
            shown = params.get(name, "")
        remaining = filter_querystring(params, without=("page", name))
        result.append(
            {"label": field.label or _(name), "value": shown, "remove_url": f"?{remaining}"}
        )
    return result
