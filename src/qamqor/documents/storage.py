"""Where the bytes live: Django's storage API under the alias "documents" (`settings.STORAGES`),
a folder of the data directory by default, an S3-compatible bucket through django-storages when
configured. Files are named by their content hash, so a file is written once and never changed."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.core.files.storage import storages

ALIAS = "documents"


def store():
    return storages[ALIAS]


def put(prefix: str, sha256: str, suffix: str, data: bytes) -> str:
    """Save `data` as `<prefix>/<aa>/<sha256><suffix>` unless it is there already; its storage name."""
    name = f"{prefix}/{sha256[:2]}/{sha256}{suffix}"
    storage = store()
    if not storage.exists(name):
        saved = storage.save(name, ContentFile(data))
        if saved != name:  # a concurrent writer saved the same content first: keep theirs
            storage.delete(saved)
    return name


def read(name: str) -> bytes:
    with store().open(name, "rb") as f:
        return f.read()
