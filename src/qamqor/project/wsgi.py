"""WSGI entry points: `application` (Django's), and `served`, what `qamqor serve` runs under granian.

granian builds every request's environ from a copy of the server's own environment (CGI style), so
`request.META` would carry the server's secrets (`DATABASE_URL`, `QAMQOR_SECRET_KEY`, any token in
the environment), which error reports and logs of META then repeat, and an environment variable
named `HTTP_…` would pose as a request header (httpoxy). `served` drops the server's environment
from the environ before Django sees it; the request's own keys (CGI, `HTTP_*` headers, `wsgi.*`) stay.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qamqor.project.settings")
application = get_wsgi_application()

# what a request's environ legitimately holds besides its HTTP_* headers (PEP 3333, CGI 1.1)
_REQUEST_KEYS = frozenset(
    {
        "REQUEST_METHOD",
        "SCRIPT_NAME",
        "PATH_INFO",
        "QUERY_STRING",
        "CONTENT_TYPE",
        "CONTENT_LENGTH",
        "SERVER_NAME",
        "SERVER_PORT",
        "SERVER_PROTOCOL",
        "SERVER_SOFTWARE",
        "GATEWAY_INTERFACE",
        "REMOTE_ADDR",
        "REMOTE_HOST",
        "REMOTE_PORT",
        "RAW_URI",
        "REQUEST_URI",
    }
)


def server_environment_keys(environment=os.environ) -> frozenset:
    """The names a request's environ must not take from the server's environment."""
    return frozenset(k for k in environment if k not in _REQUEST_KEYS)


_SERVER_ENV = server_environment_keys()


def served(environ, start_response):
    for key in _SERVER_ENV:
        environ.pop(key, None)
    return application(environ, start_response)
