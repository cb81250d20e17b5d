"""URL map: `/` home, `/portal/` and `/backoffice/` the pages (with `/sign-in/`), `/api/v1/` the REST
API, `/api/schema/` OpenAPI 3, `/api/docs/` Swagger UI."""

from django.contrib.auth.views import LogoutView
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from qamqor.administration.admin import site as administration
from qamqor.project.views import SignIn, home

urlpatterns = [
    path("", home, name="home"),
    path("sign-in/", SignIn.as_view(), name="sign-in"),
    path("sign-out/", LogoutView.as_view(next_page="/portal/"), name="sign-out"),
    path("portal/", include("qamqor.portal.urls")),  # the recipients' pages (portal)
    path("backoffice/", include("qamqor.backoffice.urls")),  # the officers' pages (backoffice)
    path("admin/", administration.urls),  # the administration (administration)
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # the documentation pages with the demo mark in demo mode (project/templates/qamqor)
    path(
        "api/docs/",
        SpectacularSwaggerView.as_view(url_name="schema", template_name="qamqor/swagger_ui.html"),
        name="swagger-ui",
    ),
    path(
        "api/redoc/",
        SpectacularRedocView.as_view(url_name="schema", template_name="qamqor/redoc.html"),
        name="redoc",
    ),
    path("api/v1/", include("qamqor.api.urls")),
    path(
        "api/v1/", include("qamqor.api.certificate")
    ),  # automated certificate, ledger (databank, registries)
    path("api/v1/", include("qamqor.api.automated")),  # fully automated services (cases.automated)
    path("api-auth/", include("rest_framework.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("qamqor.documents.urls")),  # /verify/<code>, /api/v1/documents/verify/ (documents)
]
