"""The settings a production start needs, read from the environment (issue 15).

A production process refuses to start unless it is told its secret key, the host names it answers
to and how HTTPS reaches it; everything `manage.py check --deploy` asks for follows from these.

- `QAMQOR_SECRET_KEY`: at least 50 characters, 5 of them different (Django's own deploy check).
- `QAMQOR_ALLOWED_HOSTS`: comma-separated host names.
- `QAMQOR_HTTPS`: `direct` (the web server terminates TLS) or `proxy` (a reverse proxy does, and
  sets `X-Forwarded-Proto: https`, which is then trusted). HSTS for a year, subdomains included,
  preload (`QAMQOR_HSTS_SECONDS` to change the duration); cookies only over HTTPS; plain HTTP
  redirected.
- The documents' signing keys: `QAMQOR_SIGNING_KEYS` names a JSON file mapping each issuing
  organisation's code to its key, certificate and chain (settings `QAMQOR_DOCUMENTS`); the sandbox's
  test certificate authority never signs in production (`QAMQOR_SANDBOX_CA=1` is refused).
"""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured

DEV_SECRET_KEY = "dev-only-not-secret-change-me-in-production"  # nosec B105  # refused in production mode
HTTPS_MODES = ("direct", "proxy")


def missing(env: Mapping[str, str]) -> list[str]:
    """What a production start lacks, each as a short phrase (empty when it can start)."""
    out = []
    key = env.get("QAMQOR_SECRET_KEY", "")
    if not key:
        out.append("QAMQOR_SECRET_KEY is not set")
    elif key == DEV_SECRET_KEY or len(key) < 50 or len(set(key)) < 5 or key.startswith("django-insecure-"):
        out.append("QAMQOR_SECRET_KEY must be a random string of at least 50 characters")
    if not [h for h in env.get("QAMQOR_ALLOWED_HOSTS", "").split(",") if h.strip()]:
        out.append("QAMQOR_ALLOWED_HOSTS is not set")
    if env.get("QAMQOR_HTTPS") not in HTTPS_MODES:
        out.append("QAMQOR_HTTPS must be 'direct' or 'proxy'")
    if env.get("QAMQOR_SANDBOX_CA") == "1":
        out.append(
            "the sandbox's test certificate authority cannot sign in production (unset QAMQOR_SANDBOX_CA)"
        )
    return out


def signing_keys(path: str | None) -> dict:
    """The organisations' signing keys from the JSON file `QAMQOR_SIGNING_KEYS` names ({} without one):
    {"ORG-CODE": {"key": PATH, "cert": PATH, "chain": [PATH, ...], "passphrase_env": "VAR"}}."""
    if not path:
        return {}
    import json

    try:
        with open(path, encoding="utf-8") as f:
            keys = json.load(f)
    except (OSError, ValueError) as exc:
        raise ImproperlyConfigured(f"QAMQOR_SIGNING_KEYS: cannot read {path}: {exc}") from None
    if not isinstance(keys, dict) or not all(
        isinstance(v, dict) and "key" in v and "cert" in v for v in keys.values()
    ):
        raise ImproperlyConfigured(
            f"QAMQOR_SIGNING_KEYS: {path} must map organisation codes to {{key, cert, chain}}"
        )
    return keys


def production_settings(env: Mapping[str, str]) -> dict:
    problems = missing(env)
    if problems:
        raise ImproperlyConfigured("production mode: " + "; ".join(problems))
    settings = {
        "SECRET_KEY": env["QAMQOR_SECRET_KEY"],
        "ALLOWED_HOSTS": [h.strip() for h in env["QAMQOR_ALLOWED_HOSTS"].split(",") if h.strip()],
        "DEBUG": False,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": int(env.get("QAMQOR_HSTS_SECONDS", str(365 * 24 * 3600))),
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "X_FRAME_OPTIONS": "DENY",
    }
    if env["QAMQOR_HTTPS"] == "proxy":
        settings["SECURE_PROXY_SSL_HEADER"] = ("HTTP_X_FORWARDED_PROTO", "https")
        # the client's address for the log-in lockout is the one the (single) proxy saw
        settings["AXES_IPWARE_PROXY_COUNT"] = 1
        settings["AXES_IPWARE_META_PRECEDENCE_ORDER"] = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
    return settings
