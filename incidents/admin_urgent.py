"""The urgent-cases board for staff: the public board plus drafts and cases in review, with
the restricted details (internal notes, confidential sources) that the public never sees.
Each view is written to the staff access log."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest
from django.shortcuts import render

from incidents import urgent
from incidents.models import StaffAccessLog, Status
from incidents.urgent import at_risk_groups, longest_in_custody_first, urgent_cases

# Scheduled (embargoed) cases too: their people may be the ones most at risk.
WORKING_STATUSES = (Status.DRAFT, Status.IN_REVIEW, Status.SCHEDULED, Status.PUBLISHED)
BOARD_PAGE_SIZE = 100


def urgent_board(request):
    if not request.user.has_perm("incidents.view_incident"):
        raise PermissionDenied
    tab = request.GET.get("tab") or urgent.RECENT
    if tab not in urgent.TABS:
        return HttpResponseBadRequest("Unknown tab.")
    groups = longest_in_custody_first(
        at_risk_groups(statuses=WORKING_STATUSES, confidential=True), tab=tab, confidential=True
    )
    page = Paginator(groups, BOARD_PAGE_SIZE).get_page(request.GET.get("page"))
    cases = urgent_cases(page.object_list)
    StaffAccessLog.objects.create(
        user=request.user,
        username=request.user.get_username(),
        action=StaffAccessLog.Action.VIEW,
        model="incidents.UrgentBoard",
        object_id="-",
        object_repr=(
            f"staff urgent board ({tab}), page {page.number} of {page.paginator.num_pages} "
            f"({len(cases)} of {page.paginator.count} groups)"
        ),
    )
    context = admin.site.each_context(request) | {
        "title": "Urgent cases (staff view)",
        "cases": cases,
        "page": page,
        "tab": tab,
        "other_tab": urgent.NEVER_REPORTED if tab == urgent.RECENT else urgent.RECENT,
        "recent_months": urgent.RECENT_DAYS * 12 // 365,
    }
    return render(request, "admin/urgent_board.html", context)
