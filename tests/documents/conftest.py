"""Documents tests: files go to a fresh folder per test; the sandbox keys are made once per run."""

from __future__ import annotations

import pytest

from qamqor.documents import services

from .samples import context_for

ORG = "EDU-KRG-01"


@pytest.fixture(scope="session")
def signing_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("signing")


@pytest.fixture
def files_dir(tmp_path, settings, signing_dir):
    location = tmp_path / "documents"
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(location)},
        },
    }
    settings.QAMQOR_DOCUMENTS = {
        **settings.QAMQOR_DOCUMENTS,
        "SIGNING_DIR": str(signing_dir),
        "SIGNING_KEYS": {},
        "TRUST_ROOTS": [],
        "SANDBOX_CA": True,
        "TSA_URL": None,
        "VERIFY_BASE_URL": "https://qamqor.example",
        "UPLOAD_MAX_BYTES": 200_000,
    }
    return location


def stored_files(location) -> list:
    return [p for p in location.rglob("*") if p.is_file()] if location.exists() else []


@pytest.fixture
def permission(db, files_dir):
    """A meeting permission (003 annex 4) issued for application 1, in Kazakh."""
    return services.issue("meeting_permission", "kk", context_for("meeting_permission"), ORG, "application:1")
