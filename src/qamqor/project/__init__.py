"""Django project of Qamqor: settings, URLs, WSGI/ASGI, formats and locale handling."""

from __future__ import annotations

import os

SETTINGS_MODULE = "qamqor.project.settings"


def setup(data_dir: str | None = None) -> None:
    """Configure Django for a command-line process (`--data-dir` wins over QAMQOR_DATA_DIR)."""
    if data_dir:
        from qamqor.project.paths import DATA_DIR_ENV

        os.environ[DATA_DIR_ENV] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
    import django

    django.setup()
