"""Admin page to import a file: the same importer as `manage.py import_incidents`.

Staff who may add incidents upload a JSON or CSV file in the interchange format
(docs/data-format.md). "Check" runs a dry run and shows what would change and every problem;
"Import" runs the same code for real, in one transaction: with any problem nothing is written.
New records arrive as drafts; editors (incidents.publish_incident) may publish them at once.
"""

from __future__ import annotations

from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from incidents.importer import ImportFileError, import_document, read_document
from incidents.models import Incident
from incidents.services import PUBLISH_PERMISSION

ADD_PERMISSION = "incidents.add_incident"
MAX_UPLOAD_SIZE = 20 * 1024 * 1024  # bytes
EXTENSIONS = (".json", ".csv")


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy(
            "JSON or CSV in the Refoulement Watch interchange format, as written by the exports."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(EXTENSIONS)}),
    )
    publish = forms.BooleanField(
        label=gettext_lazy("Publish new records"),
        required=False,
        help_text=gettext_lazy(
            "Records new to this database whose status the file does not give (a public "
            "export) are published at once. Otherwise they arrive as drafts for review."
        ),
    )

    def __init__(self, *args, can_publish: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.can_publish = can_publish
        if not can_publish:
            del self.fields["publish"]
        self.document = None

    def clean(self):
        # A hand-made POST asking to publish without the permission is told so, not ignored.
        if not self.can_publish and self.data.get("publish"):
            raise forms.ValidationError(_("Only editors may publish on import."))
        return super().clean()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = upload.name or ""
        if not name.lower().endswith(EXTENSIONS):
            raise forms.ValidationError(_("Choose a .json or .csv file."))
        if upload.size > MAX_UPLOAD_SIZE:
            raise forms.ValidationError(
                _("The file is too large (%(size)s); the limit is %(limit)s.")
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(MAX_UPLOAD_SIZE)}
            )
        content = upload.read()
        if not content.strip():
            raise forms.ValidationError(_("The file is empty."))
        try:
            self.document = read_document(content, filename=name)
        except ImportFileError as exc:
            raise forms.ValidationError(
                _("The file cannot be read: %(error)s") % {"error": exc}
            ) from None
        return upload


def import_view(request):
    if not request.user.has_perm(ADD_PERMISSION):
        raise PermissionDenied
    can_publish = request.user.has_perm(PUBLISH_PERMISSION)
    report = None
    dry_run = True
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES, can_publish=can_publish)
        dry_run = "_import" not in request.POST
        if form.is_valid():
            publish = can_publish and form.cleaned_data.get("publish", False)
            report = import_document(
                form.document, user=request.user, dry_run=dry_run, publish=publish
            )
            if report.ok and not dry_run:
                messages.success(
                    request,
                    _("Imported %(file)s: %(summary)s.")
                    % {"file": form.cleaned_data["file"].name, "summary": report.summary()},
                )
                _duplicate_messages(request, report)
                return redirect("admin:incidents_incident_changelist")
    else:
        form = ImportForm(can_publish=can_publish)

    opts = Incident._meta
    context = {
        **admin.site.each_context(request),
        "title": _("Import incidents"),
        "opts": opts,
        "form": form,
        "can_publish": can_publish,
        "report": report,
        "dry_run": dry_run,
        "counts": _counts_table(report) if report else [],
        "max_size": MAX_UPLOAD_SIZE,
    }
    return TemplateResponse(request, "admin/import_incidents.html", context)


DUPLICATE_MESSAGES = 20


def _duplicate_messages(request, report) -> None:
    """After a real import (the page redirects): the possible duplicates, as warnings."""
    for line in report.duplicates[:DUPLICATE_MESSAGES]:
        messages.warning(request, str(line))
    more = len(report.duplicates) - DUPLICATE_MESSAGES
    if more > 0:
        messages.warning(
            request,
            _("… and %(n)s more possible duplicates: each incident's page lists its own.")
            % {"n": more},
        )
    if report.duplicates_unchecked:
        messages.info(
            request,
            _("%(n)s incidents were not checked for duplicates (a large file); each "
              "incident's page lists its own.") % {"n": report.duplicates_unchecked},
        )  # fmt: skip


def _counts_table(report) -> list[dict]:
    """[{kind, created, updated, unchanged}] for every kind of record the file holds."""
    rows: dict[str, dict] = {}
    for (kind, what), n in report.counts.items():
        row = rows.setdefault(
            kind, {"kind": _kind_name(kind), "created": 0, "updated": 0, "unchanged": 0}
        )
        row[what] = row.get(what, 0) + n
    return [rows[kind] for kind in sorted(rows)]


def _kind_name(model_name: str) -> str:
    try:
        return capfirst(apps.get_model("incidents", model_name)._meta.verbose_name_plural)
    except LookupError:
        return model_name
