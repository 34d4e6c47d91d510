"""Data ownership pages for the organization's admins: exports, download, deletion."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView

from cxgov.tenancy.models import User
from cxgov.tenancy.roles import Op
from cxgov.tenancy.views_base import OrgView, TenantObjectMixin

from . import selectors, services
from .forms import DeleteOrganizationForm
from .models import DataExport


class DataOverviewView(OrgView, View):
    """What the organization holds, its recent exports, and the way to export or delete it."""

    required_op = Op.ORGANIZATION_MANAGE

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, "portability/overview.html", {
            "exports": selectors.data_exports_current(org=self.org),
            "counts": selectors.organization_row_counts(org=self.org),
            "export_days": services.EXPORT_DAYS,
        })

    def post(self, request: HttpRequest) -> HttpResponse:
        services.data_export_request(org=self.org, by=request.user)
        messages.success(request, _("The export is being prepared. Reload this page in a moment to download it."))
        return redirect("portability:overview")


class DataExportDownloadView(OrgView, TenantObjectMixin, DetailView):
    """The zip of one export, to the organization's admins only (never a public media URL)."""

    required_op = Op.ORGANIZATION_MANAGE
    model = DataExport

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        export = self.get_object()
        path = services.exports_root().parent / export.file_name if export.file_name else None
        if not export.is_downloadable or path is None or not path.is_file():
            if export.is_expired:
                messages.error(request, _("That export has expired. Prepare a new one."))
            else:
                messages.error(request, _("That export is not ready to download."))
            return redirect("portability:overview")
        return FileResponse(path.open("rb"), as_attachment=True, filename=path.name,
                            content_type="application/zip")


class OrganizationDeleteView(OrgView, View):
    """Delete the organization and all its data, once the admin typed its slug."""

    required_op = Op.ORGANIZATION_MANAGE

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._page(request, DeleteOrganizationForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = DeleteOrganizationForm(request.POST)
        if form.is_valid():
            name = self.org.name
            try:
                result = services.organization_delete(
                    org=self.org, by=request.user, confirm_slug=form.cleaned_data["confirm_slug"]
                )
            except ValidationError as exc:
                for message in exc.message_dict.get("confirm_slug", exc.messages):
                    form.add_error("confirm_slug", message)
            else:
                still_exists = User.objects.filter(pk=request.user.pk).exists()
                if not still_exists:
                    logout(request)
                messages.success(request, _("%(org)s and all its data were deleted (%(rows)s rows, %(files)s files).")
                                 % {"org": name, "rows": result.rows, "files": result.files})
                return redirect("home" if still_exists else "login")
        return self._page(request, form, status=400)

    def _page(self, request: HttpRequest, form: DeleteOrganizationForm, status: int = 200) -> HttpResponse:
        return render(request, "portability/delete.html", {
            "form": form, "counts": selectors.organization_row_counts(org=self.org),
        }, status=status)
