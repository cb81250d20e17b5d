"""The administration site: only the administrator role enters; everyone else signed in gets 403,
anyone not signed in goes to the sign-in page (`/sign-in/?next=…`)."""

from __future__ import annotations

from functools import update_wrapper

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from qamqor.accounts.models import Role


def is_administrator(user) -> bool:
    return bool(
        user and user.is_active and user.is_authenticated and getattr(user, "role", "") == Role.ADMINISTRATOR
    )


class QamqorAdminSite(admin.AdminSite):
    site_header = _("Qamqor administration")
    site_title = _("Qamqor administration")
    index_title = _("Reference data, offices, users and the calendar")
    site_url = "/backoffice/"
    enable_nav_sidebar = False  # the sidebar's filter needs JavaScript; the pages work without it

    def has_permission(self, request) -> bool:
        return is_administrator(request.user)

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        def guarded(request, *args, **kwargs):
            if request.user.is_authenticated and not self.has_permission(request):
                raise PermissionDenied(_("Only an administrator may use the administration."))
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), "sign-in")
            return inner(request, *args, **kwargs)

        return update_wrapper(guarded, inner)

    def login(self, request, extra_context=None):
        """No log-in of its own: the system's sign-in page; a signed-in non-administrator is refused."""
        if request.user.is_authenticated:
            raise PermissionDenied(_("Only an administrator may use the administration."))
        return redirect_to_login(request.GET.get("next", request.get_full_path()), "sign-in")


site = QamqorAdminSite(name="admin")
